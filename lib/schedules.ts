/**
 * EventBridge Scheduler schedules for the catalogue entries that declare `schedule` (sweeps such
 * as purges and breach detection), with an error alarm per scheduled function: nobody waits on a
 * scheduled run, so a failing one must page someone.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmOnAny } from './alerts';
import { FUNCTIONS, type FunctionDefinition } from './functions';

export interface SchedulesProps {
  /** The catalogue's functions by id. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Where the error alarms of scheduled functions go. */
  readonly alarmTopic: ITopic;
  /** @default FUNCTIONS */
  readonly catalogue?: readonly FunctionDefinition[];
}

export class Schedules extends Construct {
  /** By catalogue id, for the entries that have a `schedule`. */
  public readonly schedules: Readonly<Record<string, Schedule>>;
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const schedules: Record<string, Schedule> = {};
    const alarms: Alarm[] = [];
    for (const definition of props.catalogue ?? FUNCTIONS) {
      if (!definition.schedule) continue;
      const fn = props.functions[definition.id];
      if (!fn) throw new Error(`Scheduled function ${definition.id} is not in the catalogue's functions`);
      const jobScope = new Construct(this, definition.id);
      const interval = Duration.minutes(definition.schedule.everyMinutes);

      const policy = new ManagedPolicy(jobScope, 'policy', {
        description: `Lets EventBridge Scheduler invoke ${definition.id} and nothing else.`,
        statements: [
          new PolicyStatement({
            sid: 'InvokeJob',
            actions: ['lambda:InvokeFunction'],
            resources: [fn.functionArn],
          }),
        ],
      });
      const role = new Role(jobScope, 'role', {
        // Only schedules of this account may use the role (confused-deputy guard).
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
        managedPolicies: [policy],
      });
      schedules[definition.id] = new Schedule(jobScope, 'schedule', {
        description: `${definition.id} every ${definition.schedule.everyMinutes} min`,
        schedule: ScheduleExpression.rate(interval),
        target: new LambdaInvoke(fn, {
          // Immutable: the grant lives in the managed policy above, not in an inline policy.
          role: role.withoutPolicyUpdates(),
          // A sweep that misses its slot is repeated by the next one; stale runs are not worth queuing.
          maxEventAge: interval.toSeconds() >= 60 ? interval : Duration.minutes(1),
          retryAttempts: 2,
        }),
      });

      const alarm = alarmOnAny(jobScope, 'errors', {
        description: `${definition.id}: a scheduled run failed.`,
        metric: fn.metricErrors(),
        topic: props.alarmTopic,
      });
      alarms.push(alarm);
    }
    this.schedules = Object.freeze(schedules);
    this.alarms = alarms;
  }
}
