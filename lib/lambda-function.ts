/**
 * One Lambda function with everything it owns: a KMS-encrypted log group, a role only Lambda can
 * assume, and a customer-managed policy that holds every permission the role has.
 *
 * The role is handed to the function as immutable (`withoutPolicyUpdates`): CDK's implicit grants
 * (`table.grantReadData(fn)`, tracing) cannot widen it behind the catalogue's back, and no inline
 * policy appears (HIPAA.Security-IAMNoInlinePolicy). What the function may do is exactly what
 * `policy` says.
 */
import { type Duration, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { projectPath } from './project-paths';
import { secureFunctionProps, secureLogGroupProps } from './secure-defaults';

export interface CaselineFunctionProps {
  /** Handler file relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Encrypts the function's log group. */
  readonly logKey: IKey;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

export class CaselineFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly policy: ManagedPolicy;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CaselineFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'logs', secureLogGroupProps(props.logKey));

    this.policy = new ManagedPolicy(this, 'policy', {
      // Fixed text: a ManagedPolicy's description cannot change without replacing the policy.
      description: `Least privilege for the ${id} function`,
      statements: [
        new PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        new PolicyStatement({
          sid: 'XRayTracing',
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
    });

    // The role lists the policy, so CloudFormation attaches it before the function exists.
    this.role = new Role(this, 'role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
      managedPolicies: [this.policy],
    });

    const defaults = secureFunctionProps();
    this.function = new NodejsFunction(this, 'function', {
      ...defaults,
      entry: projectPath(props.entry),
      handler: 'handler',
      description: props.description,
      role: this.role.withoutPolicyUpdates(),
      logGroup: this.logGroup,
      ...(props.timeout ? { timeout: props.timeout } : {}),
      ...(props.memorySize ? { memorySize: props.memorySize } : {}),
    });

    const why = (id: string, reason: string) => Validations.of(this.function).acknowledge({ id, reason });
    why(
      'HIPAA.Security-LambdaInsideVPC',
      'The function reaches only AWS APIs (DynamoDB, S3, KMS, Step Functions, SNS) over TLS with IAM; there is no ' +
        'private network resource to protect, and a VPC would add NAT or endpoint costs without narrowing access.',
    );
    why(
      'HIPAA.Security-LambdaConcurrency',
      'Throttling happens at the HTTP API stage; reserved concurrency would carve capacity out of the account ' +
        'pool (new accounts have 10) and can make deployment fail.',
    );
    why(
      'HIPAA.Security-LambdaDLQ',
      'API Gateway and Step Functions invoke synchronously: failures return to the caller, and the workflow ' +
        'retries and routes them to MarkStuck, so a dead-letter queue would stay empty. Scheduled sweeps are ' +
        'idempotent, repeated by their next run, and alarm on Errors; a queue of stale runs would only hold ids.',
    );
  }
}
