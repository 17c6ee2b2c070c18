/**
 * AWS security signals (issue 13 item 1): one EventBridge rule per pattern of
 * common/security-events.ts, each targeting the security-signal function, which turns the event
 * into a Signal for the incident intake. The same patterns run on the local stack's PutEvents
 * stand-in (local/eventbridge.ts).
 *
 * What must be on in the account, outside this stack: GuardDuty with S3 Protection (findings about
 * the bucket), and a CloudTrail trail logging management events (CloudTrail delivers the "AWS API
 * Call via CloudTrail" events to EventBridge only with a trail).
 */

import { type EventPattern as CdkEventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type SecurityRuleId, securityRules } from '../common/security-events';

export interface SecuritySignalsProps {
  /** The function every rule invokes (catalogue id `securitySignal`). */
  readonly target: IFunction;
  readonly caseFiles: IBucket;
  /** Every bucket of the stack whose policy or public access block is watched. */
  readonly buckets: readonly IBucket[];
  /** Roles whose ScheduleKeyDeletion is a terminated account's key being shredded: not a signal. */
  readonly keyShredderRoles: readonly IRole[];
}

export class SecuritySignals extends Construct {
  public readonly rules: Readonly<Record<SecurityRuleId, Rule>>;

  constructor(scope: Construct, id: string, props: SecuritySignalsProps) {
    super(scope, id);
    const rules = {} as Record<SecurityRuleId, Rule>;
    for (const rule of securityRules({
      caseFilesBucket: props.caseFiles.bucketName,
      buckets: props.buckets.map((b) => b.bucketName),
      keyShredderRoles: props.keyShredderRoles.map((r) => r.roleArn),
    })) {
      rules[rule.id] = new Rule(this, rule.id, {
        description: rule.description,
        // Plain data with CloudFormation tokens for names; `$or` and `anything-but` pass through as written.
        eventPattern: rule.pattern as unknown as CdkEventPattern,
        // A failed invocation is retried by EventBridge (24 hours, 185 attempts by default): the signal's id makes it safe.
        targets: [new LambdaFunction(props.target)],
      });
    }
    this.rules = Object.freeze(rules);
  }
}
