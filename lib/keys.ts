/**
 * Customer-managed KMS keys: the ones handlers use (KMS_KEYS) and one for operations.
 *
 * The operations key encrypts log groups and SNS topics. It is kept apart from the case-data key
 * so that the case-data key policy never names a service principal (CloudWatch Logs, CloudWatch
 * alarms): only IAM principals of this account, through their least-privilege policies, can use
 * the key that protects PHI.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type KeyId, KMS_KEYS, type KmsKeyDefinition } from './definitions';
import { mapRecord } from './records';

/** KMS waits this long before destroying a key scheduled for deletion: the longest it allows. */
const PENDING_WINDOW = Duration.days(30);

const keyFor = (scope: Construct, definition: KmsKeyDefinition): Key => {
  const symmetric = definition.keySpec === 'SYMMETRIC_DEFAULT';
  return new Key(scope, definition.id, {
    alias: definition.alias,
    description: definition.purpose,
    keySpec: KeySpec[definition.keySpec],
    keyUsage: KeyUsage[definition.keyUsage],
    // AWS rotates symmetric keys only; an asymmetric key cannot rotate (its public key is what
    // verifiers hold), so a new signing key would be a new key with a new alias.
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
