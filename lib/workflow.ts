/**
 * The order workflow: one Step Functions state machine per STATE_MACHINES entry, loaded from the
 * same `statemachines/*.asl.json` the local stack runs, with failure alarms to operators.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATE_MACHINES, type StateMachineDefinition, type StateMachineId } from '../common/definitions';
import { alarmOnAny } from './alerts';
import { functionArnPlaceholder } from './functions';
import { STATE_MACHINES_DIR } from './project-paths';
import { mapRecord } from './records';
import { secureLogGroupProps } from './secure-defaults';

/**
 * The physical name, fixed so that its ARN is known before the machine exists: the task functions
 * it invokes carry that ARN in their environment, and a Ref would make the template cyclic.
 */
export const stateMachineName = (scope: Construct, definition: StateMachineDefinition): string =>
  `${Stack.of(scope).stackName}-${definition.id}`;

export const stateMachineArn = (scope: Construct, definition: StateMachineDefinition): string =>
  Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName(scope, definition),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

/** Every state machine's ARN, by id, for the functions that start or answer them. */
export const stateMachineArns = (scope: Construct): Readonly<Record<StateMachineId, string>> =>
  mapRecord(STATE_MACHINES, (definition) => stateMachineArn(scope, definition));

export interface WorkflowProps {
  /** The functions Task states invoke, by catalogue id; each becomes `${<Id>FunctionArn}`. */
  readonly taskFunctions: Readonly<Record<string, IFunction>>;
  /**
   * More `${Name}` substitutions for the ASL, e.g. a table name for a direct service integration.
   * @default - none
   */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** Encrypts the execution log groups. */
  readonly logKey: IKey;
  /** Where the failure alarms go. */
  readonly alarmTopic: ITopic;
}

/** What makes an order stop without reaching Queued or Rejected: each one pages an operator. */
const FAILURE_METRICS = {
  ExecutionsFailed: (machine: StateMachine) => machine.metricFailed(),
  ExecutionsTimedOut: (machine: StateMachine) => machine.metricTimedOut(),
  ExecutionsAborted: (machine: StateMachine) => machine.metricAborted(),
} as const satisfies Record<string, (machine: StateMachine) => Metric>;

export class Workflow extends Construct {
  public readonly stateMachines: Readonly<Record<StateMachineId, StateMachine>>;
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const alarms: Alarm[] = [];
    const substitutions: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(props.taskFunctions).map(([fnId, fn]) => [
          functionArnPlaceholder(fnId),
          fn.functionArn,
        ]),
      ),
      ...props.substitutions,
    };

    this.stateMachines = mapRecord(STATE_MACHINES, (definition) => {
      const machineScope = new Construct(this, definition.id);
      const name = stateMachineName(this, definition);
      // Vended-logs prefix: Step Functions then needs no CloudWatch Logs resource policy per group.
      const logGroup = new LogGroup(machineScope, 'logs', {
        ...secureLogGroupProps(props.logKey),
        logGroupName: `/aws/vendedlogs/states/${name}`,
      });

      // Each machine may invoke only the task functions its own definition names.
      const file = join(STATE_MACHINES_DIR, definition.file);
      const text = readFileSync(file, 'utf8');
      const invoked = Object.entries(props.taskFunctions)
        .filter(([fnId]) => text.includes(`\${${functionArnPlaceholder(fnId)}}`))
        .map(([, fn]) => fn.functionArn);
      const policy = new ManagedPolicy(machineScope, 'policy', {
        description: `What the ${definition.id} state machine may do: invoke its task functions, log, trace.`,
        statements: [
          new PolicyStatement({
            sid: 'InvokeTaskFunctions',
            actions: ['lambda:InvokeFunction'],
            // Unqualified ARNs only: the ASL names functions by ARN, never a version or alias.
            resources: invoked,
          }),
          new PolicyStatement({
            sid: 'DeliverExecutionLogs',
            actions: [
              'logs:CreateLogDelivery',
              'logs:GetLogDelivery',
              'logs:UpdateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:DescribeResourcePolicies',
              'logs:DescribeLogGroups',
            ],
            resources: ['*'],
          }),
          new PolicyStatement({
            sid: 'XRayTracing',
            actions: [
              'xray:PutTraceSegments',
              'xray:PutTelemetryRecords',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
            ],
            resources: ['*'],
          }),
        ],
      });
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs delivery (CreateLogDelivery and friends) and X-Ray (PutTraceSegments, sampling) do not ' +
          'support resource-level permissions; AWS documents Resource "*" for Step Functions logging and tracing.',
      });
      const role = new Role(machineScope, 'role', {
        assumedBy: new ServicePrincipal('states.amazonaws.com'),
        description: `Execution role of the ${definition.id} state machine`,
        managedPolicies: [policy],
      });

      const machine = new StateMachine(machineScope, 'stateMachine', {
        stateMachineName: name,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromFile(file),
        // Only the placeholders this definition has (a substitution without one is refused by the test).
        definitionSubstitutions: Object.fromEntries(
          Object.entries(substitutions).filter(([placeholder]) => text.includes(`\${${placeholder}}`)),
        ),
        // Immutable: CDK's implicit log and tracing grants would otherwise land in an inline policy.
        role: role.withoutPolicyUpdates(),
        // Level ALL records every state transition for the audit of an order's path; execution
        // data stays out because inputs and outputs are not ours to copy into logs.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });

      for (const [metricName, metricOf] of Object.entries(FAILURE_METRICS)) {
        const alarm = alarmOnAny(machineScope, metricName, {
          description: `${definition.id}: an execution ended in ${metricName}. Ids are in the execution history.`,
          metric: metricOf(machine),
          topic: props.alarmTopic,
        });
        alarms.push(alarm);
      }
      return machine;
    });
    this.alarms = alarms;
  }
}
