/**
 * Customer-managed KMS keys: the ones handlers use (KMS_KEYS) and one for operations.
 *
 * The operations key encrypts log groups and SNS topics. It is kept apart from the case-data key
 * so that the case-data key policy never names a service principal (CloudWatch Logs, CloudWatch
 * alarms): only IAM principals of this account, through their least-privilege policies, can use
 * the key that protects PHI.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type KeyId, KMS_KEYS, type KmsKeyDefinition } from '../common/definitions';
import { KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS } from '../common/key-policy';
import { mapRecord } from './records';

/** KMS waits this long before destroying a key scheduled for deletion: the longest it allows. */
const PENDING_WINDOW = Duration.days(30);

// The actions live in common/ so a partner account's key (created at run time) is built from the same lists.
export { KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS };

/** Services that use the case-data key as the caller (SSE on tables, buckets and the backup vault). */
const CASE_DATA_SERVICES = ['dynamodb', 's3', 'backup'] as const;

/**
 * A key policy that splits administration from use. Administration goes to the account (IAM
 * decides who). Use goes to this stack's roles only (the functions and the backup role, whose
 * names CloudFormation prefixes with the stack name), and, for a symmetric key, to AWS services
 * acting for a principal of this account (DynamoDB, S3 and AWS Backup encrypting at rest, which
 * also need grants for their own resources). Nobody else can use the key, whatever IAM says.
 */
const splitKeyPolicy = (
  scope: Construct,
  keyUsage: KmsKeyDefinition['keyUsage'],
  services: readonly string[] = [],
): PolicyDocument => {
  const { account, region, partition, stackName } = Stack.of(scope);
  const root = new AccountRootPrincipal();
  const statements = [
    new PolicyStatement({
      sid: 'AdministerNotUse',
      principals: [root],
      actions: [...KEY_ADMIN_ACTIONS],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'UseByThisStacksRoles',
      principals: [root],
      actions: [...KEY_USE_ACTIONS[keyUsage]],
      resources: ['*'],
      conditions: {
        ArnLike: { 'aws:PrincipalArn': `arn:${partition}:iam::${account}:role/${stackName}-*` },
      },
    }),
  ];
  if (keyUsage === 'ENCRYPT_DECRYPT' && services.length > 0) {
    const viaServices = services.map((service) => `${service}.${region}.amazonaws.com`);
    statements.push(
      new PolicyStatement({
        sid: 'UseThroughEncryptionAtRest',
        principals: [root],
        actions: [...KEY_USE_ACTIONS.ENCRYPT_DECRYPT],
        resources: ['*'],
        // kms:ViaService is single-valued: a list under StringEquals means "any of these".
        conditions: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': viaServices } },
      }),
      new PolicyStatement({
        sid: 'GrantsForEncryptionAtRest',
        principals: [root],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': viaServices },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      }),
    );
  }
  return new PolicyDocument({ statements });
};

const keyFor = (scope: Construct, definition: KmsKeyDefinition): Key => {
  const symmetric = definition.keySpec === 'SYMMETRIC_DEFAULT';
  return new Key(scope, definition.id, {
    // An explicit policy replaces CDK's default (kms:* for the account root).
    policy: splitKeyPolicy(
      scope,
      definition.keyUsage,
      definition.keyUsage === 'ENCRYPT_DECRYPT' ? CASE_DATA_SERVICES : [],
    ),
    alias: definition.alias,
    description: definition.purpose,
    keySpec: KeySpec[definition.keySpec],
    keyUsage: KeyUsage[definition.keyUsage],
    // AWS rotates symmetric encryption keys only; an asymmetric key cannot rotate (its public key
    // is what verifiers hold), so a new signing key would be a new key with a new alias. Neither
    // can the HMAC key: a new one would change every case-reference hash, so rotating it means
    // re-keying the open orders' guards (each order keeps its reference encrypted to do so).
    enableKeyRotation: symmetric,
    pendingWindow: PENDING_WINDOW,
  });
};

export class Keys extends Construct {
  /** One key per KMS_KEYS entry. */
  public readonly keys: Readonly<Record<KeyId, Key>>;
  /** Encrypts log groups and SNS topics (no PHI); its policy admits CloudWatch Logs and alarms. */
  public readonly operations: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.keys = mapRecord(KMS_KEYS, (definition) => keyFor(this, definition));

    const { account, region, partition } = Stack.of(this);
    this.operations = new Key(this, 'operations', {
      alias: 'alias/caseline/operations',
      description: 'Encrypts operational log groups and alert topics. Never PHI.',
      // Administration as above; use by this stack's roles (publishing to the alert topics, which
      // SNS encrypts as the publisher), and by CloudWatch Logs and alarms through the statements below.
      policy: splitKeyPolicy(this, 'ENCRYPT_DECRYPT', ['sns']),
      enableKeyRotation: true,
      pendingWindow: PENDING_WINDOW,
    });
    // CloudWatch Logs encrypts log groups with the key itself, and only for log groups of this
    // account and region (the encryption context names the log group).
    this.operations.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      }),
    );
    // CloudWatch alarms publish to the KMS-encrypted alert topics.
    this.operations.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
  }
}
