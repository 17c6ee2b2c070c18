/**
 * KMS key policies as plain data: the actions that administer a key apart from those that use
 * it (lib/keys.ts builds the stack's keys from them), and the policy of a partner account's key,
 * which a function creates at onboarding (lambdas/adapters/kms-account-keys.ts) and the
 * infrastructure tests check (test/infra/account-keys.test.ts).
 */
import { ACCOUNT_KEYS } from './definitions';

/**
 * Managing a key, never using it: whoever the account lets administer keys (through IAM) can
 * describe, tag, rotate, disable, schedule deletion and change the policy, but cannot encrypt,
 * decrypt, sign or create a grant with these actions. (kms:* and the CDK default admin list,
 * whose kms:Create* includes CreateGrant, would let an administrator grant itself use.)
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** The cryptographic operations of each key usage. */
export const KEY_USE_ACTIONS = {
  ENCRYPT_DECRYPT: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
  SIGN_VERIFY: ['kms:GetPublicKey', 'kms:Sign', 'kms:Verify'],
  GENERATE_VERIFY_MAC: ['kms:GenerateMac', 'kms:VerifyMac'],
} as const;

export interface AccountKeyPolicyInput {
  /** The partner account the key belongs to. */
  readonly accountId: string;
  /** `arn:<partition>:iam::<aws account>:role/<stack>-*`: this stack's roles (ACCOUNT_KEYS.usersEnvVar). */
  readonly users: string;
  readonly region: string;
  /** The case-files bucket's name: SSE-KMS with a bucket key binds its ARN as the context. */
  readonly bucket: string;
}

const ROLE_PATTERN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@-]+\*$/;

/**
 * The key policy of one partner account's key. Administration as for the stack's keys (the
 * account, through IAM; no use). Use by this stack's roles only, and only for this account's data:
 * PHI fields whose encryption context names the account (`kms:EncryptionContext:accountId`), and
 * case files written through S3 into the case-files bucket (S3 binds the bucket's ARN as the
 * context). A ciphertext of another account, or a call outside these, is refused by KMS whatever
 * IAM allows.
 */
export const accountKeyPolicy = (input: AccountKeyPolicyInput) => {
  const role = ROLE_PATTERN.exec(input.users);
  if (!role) throw new RangeError(`${ACCOUNT_KEYS.usersEnvVar} must be a role ARN pattern ending in *`);
  const [, partition, awsAccount] = role;
  const root = { AWS: `arn:${partition}:iam::${awsAccount}:root` };
  const byThisStack = { ArnLike: { 'aws:PrincipalArn': input.users } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AdministerNotUse',
        Effect: 'Allow',
        Principal: root,
        Action: [...KEY_ADMIN_ACTIONS],
        Resource: '*',
      },
      {
        Sid: 'PhiFieldsOfThisAccountOnly',
        Effect: 'Allow',
        Principal: root,
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          ...byThisStack,
          StringEquals: { [`kms:EncryptionContext:${ACCOUNT_KEYS.contextKey}`]: input.accountId },
        },
      },
      {
        Sid: 'CaseFilesThroughS3',
        Effect: 'Allow',
        Principal: root,
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          ...byThisStack,
          StringEquals: {
            'kms:CallerAccount': awsAccount,
            'kms:ViaService': `s3.${input.region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': `arn:${partition}:s3:::${input.bucket}`,
          },
        },
      },
    ],
  };
};
