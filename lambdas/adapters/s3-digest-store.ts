/**
 * The audit-digest bucket (Object Lock, compliance mode, 6 years on AWS): digests are written
 * under keys fixed by their run (a run done again writes the same keys: a new version, the old one
 * kept locked) and read back by key range for an auditor's fetch. Objects take the bucket's
 * default encryption and default retention: nothing here can shorten either.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AccountDigest, GlobalDigest } from '../domain/audit-digest';
import type { DigestStore } from '../domain/audit-seal';
import type { DigestReader } from '../domain/audit-trail';

/** A digest lists at most SEAL_MAX_PER_RUN events of ~150 bytes: anything far bigger is not ours. */
const MAX_DIGEST_BYTES = 8 * 1024 * 1024;

export class S3DigestStore implements DigestStore, DigestReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, document: AccountDigest | GlobalDigest): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(document, null, 2),
        ContentType: 'application/json',
        // Object Lock requires an integrity checksum on every PUT.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async list(prefix: string, startAfter: string, limit: number): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          StartAfter: startAfter,
          MaxKeys: Math.min(1000, limit - keys.length),
          ...(ContinuationToken ? { ContinuationToken } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken && keys.length < limit);
    return keys;
  }

  async get(key: string): Promise<unknown> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if ((object.ContentLength ?? 0) > MAX_DIGEST_BYTES)
      throw new Error('An audit digest is larger than any digest');
    return JSON.parse((await object.Body?.transformToString('utf8')) ?? 'null') as unknown;
  }
}
