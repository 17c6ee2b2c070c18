/**
 * Object storage: the case-files bucket (scans, designs, reports) and the bucket that receives its
 * S3 server access logs.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Bucket, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUCKETS, type BucketDefinition, type BucketId, EXPORTS } from '../common/definitions';
import { mapRecord } from './records';
import { accessLogBucketProps, requireKeyOnPut, secureBucketProps } from './secure-defaults';

export interface StorageProps {
  /** Encrypts every object in the buckets from BUCKETS (SSE-KMS). */
  readonly encryptionKey: IKey;
}

export class Storage extends Construct {
  public readonly buckets: Readonly<Record<BucketId, Bucket>>;
  public readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.accessLogs = new Bucket(this, 'accessLogs', accessLogBucketProps());
    Validations.of(this.accessLogs).acknowledge({
      id: 'HIPAA.Security-S3DefaultEncryptionKMS',
      reason:
        'S3 server access log delivery only supports SSE-S3 (AES-256) on the target bucket, not SSE-KMS.',
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'Access logs stay in the owner region (data residency); versioning protects them against overwrite.',
    });

    this.buckets = mapRecord(BUCKETS, (definition: BucketDefinition) => {
      const lock = definition.objectLock;
      const bucket = new Bucket(this, definition.id, {
        ...secureBucketProps({
          encryptionKey: props.encryptionKey,
          serverAccessLogsBucket: this.accessLogs,
          serverAccessLogsPrefix: `${definition.id}/`,
        }),
        // Compliance mode: no principal, the root user included, can delete or shorten it.
        ...(lock
          ? {
              objectLockEnabled: true,
              objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(lock.years * 365)),
            }
          : {}),
      });
      requireKeyOnPut(bucket, props.encryptionKey);
      if (definition.id === 'caseFiles') {
        // Account exports are copies handed to the lab, not records: the one timer that expires a
        // current object, and only under exports/ (its versions go a day later).
        bucket.addLifecycleRule({
          id: 'expire-account-exports',
          prefix: EXPORTS.prefix,
          expiration: Duration.days(EXPORTS.expireDays),
          noncurrentVersionExpiration: Duration.days(1),
        });
      }
      Validations.of(bucket).acknowledge({
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'PHI stays in the owner region (seed 000): cross-region replication would move it out, and a same-region ' +
          'replica would be one more copy for every purge to find and certify. Versioning with noncurrent-version ' +
          'retention covers accidental deletion.',
      });
      return bucket;
    });
  }
}
