/**
 * The local stack's S3: our own stand-in (local/s3/server.ts) with the deployed bucket's rules:
 * SigV4 on every request, checksums verified, versioning on, SSE-KMS through the KMS stand-in,
 * the bucket policy's encryption rule, Object Lock. Buckets come from common/definitions.ts.
 */

import type { CorsRule } from '../common/console';
import { BUCKETS, type BucketDefinition } from '../common/definitions';
import type { Clock } from '../lambdas/kernel/clock';
import { startS3Server } from './s3/server';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  /** CORS rules of a bucket, as PutBucketCors sets them (the console's rule: common/console.ts). */
  setCors(bucketName: string, rules: readonly CorsRule[]): void;
  close(): Promise<void>;
}

export const startS3 = async (opts: {
  host: string;
  port: number;
  region: string;
  clock: Clock;
  kmsEndpoint: string;
  /** The case-data key's ARN: default encryption of every bucket, and the only key its policy allows. */
  kmsKeyArn: string;
  dir?: string;
}): Promise<LocalS3> =>
  startS3Server({
    host: opts.host,
    port: opts.port,
    region: opts.region,
    credentials: S3_CREDENTIALS,
    clock: opts.clock,
    kmsEndpoint: opts.kmsEndpoint,
    ...(opts.dir ? { dir: opts.dir } : {}),
    // As lib/secure-defaults.ts builds them: versioned, SSE-KMS by default with a bucket key.
    buckets: Object.values(BUCKETS).map((b: BucketDefinition) => ({
      name: b.localName,
      versioning: 'Enabled' as const,
      objectLock: b.objectLock !== undefined,
      ...(b.objectLock ? { lockDefault: { mode: b.objectLock.mode, years: b.objectLock.years } } : {}),
      defaultKmsKeyId: opts.kmsKeyArn,
      requiredKmsKeyId: opts.kmsKeyArn,
      // The partner accounts' keys: any key ARN of this account and region, as the policy admits.
      allowedKmsKeyPrefix: opts.kmsKeyArn.replace(/key\/[^/]*$/, 'key/'),
    })),
  });
