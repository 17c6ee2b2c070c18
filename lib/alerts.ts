/**
 * SNS topics, one per TOPICS entry: operator alerts (alarms, stuck orders, failed purges) and
 * notifications to labs, designers and privacy officers. Both are KMS-encrypted and refuse
 * publishing without TLS; messages carry ids and links, never PHI. `alarmOnAny` is the one way
 * a construct pages operators from a CloudWatch metric.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
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

export interface AlarmOnAnyProps {
  /** A count of things that should never happen (errors, failed executions). */
  readonly metric: Metric;
  /** What went wrong and where to look: ids, never PHI. */
  readonly description: string;
  /** Where the alarm and its recovery are published (the operator alerts topic). */
  readonly topic: ITopic;
}

/**
 * An alarm that pages operators as soon as `metric` counts one event in five minutes, and tells
 * them again when it clears. Nobody waits on a sweep or an execution that failed, so one is
 * enough; no data means nothing happened, not that something is broken.
 */
export const alarmOnAny = (scope: Construct, id: string, props: AlarmOnAnyProps): Alarm => {
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const action = new SnsAction(props.topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
};
