/**
 * The AWS security signals Caseline listens to (issue 13 item 1): EventBridge event patterns, plain
 * data built from the names of the resources they watch. lib/security-signals.ts puts them on
 * EventBridge rules (names are CloudFormation tokens there); the local stack's PutEvents stand-in
 * (local/eventbridge.ts) matches the same patterns (local names) and invokes the same handler.
 */

/** What the patterns watch: our buckets, the case-data key, the roles that may shred account keys. */
export interface WatchedResources {
  /** The case-files bucket (GuardDuty S3 findings). */
  readonly caseFilesBucket: string;
  /** Every bucket of ours whose policy or public access block must not be weakened. */
  readonly buckets: readonly string[];
  /**
   * Roles whose ScheduleKeyDeletion is the job (an account's termination shreds its key): every
   * other ScheduleKeyDeletion, DisableKey and PutKeyPolicy in the account is a signal.
   */
  readonly keyShredderRoles: readonly string[];
}

export type SecurityRuleId = 'guardDutyCaseFiles' | 's3ProtectionChanged' | 'kmsKeyWeakened';

export interface SecurityRule {
  readonly id: SecurityRuleId;
  readonly description: string;
  readonly pattern: EventPattern;
}

/** An EventBridge event pattern (the subset these rules use: values, anything-but, $or). */
export type EventPattern = { readonly [field: string]: PatternValue };
export type PatternValue =
  | readonly (string | number | { readonly 'anything-but': readonly string[] })[]
  | EventPattern
  | readonly EventPattern[];

const CLOUDTRAIL = 'AWS API Call via CloudTrail';

/** S3 calls (CloudTrail event names) that loosen who may read a bucket. */
export const S3_PROTECTION_CALLS = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
] as const;

/** KMS calls that make a key unusable or change who may use it. */
export const KMS_WEAKENING_CALLS = ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'] as const;

export const securityRules = (watched: WatchedResources): readonly SecurityRule[] => [
  {
    id: 'guardDutyCaseFiles',
    description: 'GuardDuty findings about the case-files bucket.',
    pattern: {
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { resource: { s3BucketDetails: { name: [watched.caseFilesBucket] } } },
    },
  },
  {
    id: 's3ProtectionChanged',
    description: "A bucket policy or public access block of Caseline's buckets changed or removed.",
    pattern: {
      source: ['aws.s3'],
      'detail-type': [CLOUDTRAIL],
      detail: {
        eventSource: ['s3.amazonaws.com'],
        eventName: [...S3_PROTECTION_CALLS],
        requestParameters: { bucketName: [...watched.buckets] },
      },
    },
  },
  {
    id: 'kmsKeyWeakened',
    description:
      'A KMS key disabled, scheduled for deletion (except by the roles that shred a terminated account’s key) or its policy changed.',
    pattern: {
      source: ['aws.kms'],
      'detail-type': [CLOUDTRAIL],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        $or: [
          { eventName: ['DisableKey', 'PutKeyPolicy'] },
          // Anyone but an assumed role (the root user, an IAM user)...
          {
            eventName: ['ScheduleKeyDeletion'],
            userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] },
          },
          // ...or a role other than the shredders.
          {
            eventName: ['ScheduleKeyDeletion'],
            userIdentity: {
              sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [...watched.keyShredderRoles] }] } },
            },
          },
        ],
      },
    },
  },
];

/** What PutEvents accepts (AWS): at most 10 entries, 256 KB in all. */
export const PUT_EVENTS_LIMITS = { maxEntries: 10, maxBytes: 256 * 1024 } as const;
