/**
 * SNS topics, one per TOPICS entry: operator alerts (alarms, stuck orders, failed purges) and
 * notifications to labs, designers and privacy officers. Both are KMS-encrypted and refuse
 * publishing without TLS; messages carry ids and links, never PHI.
 */
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { TOPICS, type TopicId } from '../common/definitions';
import { mapRecord } from './records';
import { secureTopicProps } from './secure-defaults';

export interface AlertsProps {
  /** The operations key (its policy admits CloudWatch alarms as publishers). */
  readonly encryptionKey: IKey;
  /**
   * Who receives operator alerts by e-mail.
   * @default - no subscription; subscribe an on-call tool out of band
   */
  readonly operatorEmail?: string;
}

export class Alerts extends Construct {
  public readonly topics: Readonly<Record<TopicId, Topic>>;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.topics = mapRecord(
      TOPICS,
      (definition) =>
        new Topic(this, definition.id, {
          ...secureTopicProps(props.encryptionKey),
          displayName: `Caseline ${definition.id}`,
        }),
    );
    if (props.operatorEmail) {
      this.topics.operatorAlerts.addSubscription(new EmailSubscription(props.operatorEmail));
    }
  }
}
