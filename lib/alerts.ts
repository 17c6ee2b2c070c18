/**
 * SNS topics: operator alerts (alarms, stuck orders, failed backups) and notifications to labs
 * and privacy officers (delivered designs, breach notices). Both are KMS-encrypted and refuse
 * publishing over plain HTTP.
 */
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { secureTopicProps } from './secure-defaults';

export interface AlertsProps {
  /** The operations key: topics carry ids and states, never PHI. */
  readonly encryptionKey: IKey;
  /**
   * Who receives operator alerts by email.
   * @default - no subscription; subscribe an on-call tool out of band
   */
  readonly operatorEmail?: string;
}

export class Alerts extends Construct {
  public readonly operatorAlerts: Topic;
  public readonly notifications: Topic;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.operatorAlerts = new Topic(this, 'operatorAlerts', {
      ...secureTopicProps(props.encryptionKey),
      displayName: 'Caseline operator alerts',
    });
    this.notifications = new Topic(this, 'notifications', {
      ...secureTopicProps(props.encryptionKey),
      displayName: 'Caseline notifications',
    });
    if (props.operatorEmail) {
      this.operatorAlerts.addSubscription(new EmailSubscription(props.operatorEmail));
    }
  }
}
