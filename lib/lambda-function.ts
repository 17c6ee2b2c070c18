/**
 * One Lambda function with everything it owns: a KMS-encrypted log group, a role only Lambda can
 * assume, and the one policy document, inline in the role, that holds every permission the role has.
 *
 * The role is handed to the function as immutable (`withoutPolicyUpdates`): CDK's implicit grants
 * (`table.grantReadData(fn)`, tracing) cannot widen it behind the catalogue's back. What the
 * function may do is exactly what `policy` says. The policy is inline rather than a managed policy
 * of its own because CloudFormation allows 500 resources in a stack, and a separate policy per
 * function cost 60 of them; it is written into the role, so it exists before the function does.
 */
import { type Duration, Validations } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
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
  /** The role's only permissions: the catalogue's grants are added here (lib/compute.ts). */
  public readonly policy: PolicyDocument;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CaselineFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'logs', secureLogGroupProps(props.logKey));

    this.policy = new PolicyDocument({
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

    this.role = new Role(this, 'role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
      inlinePolicies: { leastPrivilege: this.policy },
    });
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.',
      },
      {
        id: 'HIPAA.Security-IAMNoInlinePolicy',
        reason:
          'One policy per function, inline in its role: it has one owner, is created with the role and reviewed as ' +
          'one document (test/infra/least-privilege.test.ts reads it). A managed policy per function would cost 60 ' +
          'of the 500 resources CloudFormation allows in a stack without adding reuse.',
      },
    );

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
