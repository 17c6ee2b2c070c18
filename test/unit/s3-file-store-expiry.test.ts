/**
 * A presigned upload states the expiry its signature carries: one clock reading for both, to the
 * second SigV4 signs (the CI failure this pins: a second boundary crossed between two readings).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3FileStore } from '../../lambdas/adapters/s3-file-store';
import type { Clock } from '../../lambdas/kernel/clock';
import { urlExpiry } from '../support/presigned';

/** Each reading 2 ms after the last, starting 1 ms before a whole second. */
const tickingClock = (start: number): Clock => {
  let t = start;
  return {
    now: () => {
      const d = new Date(t);
      t += 2;
      return d;
    },
  };
};

describe('S3FileStore.presignPut', () => {
  it('states exactly the expiry the URL was signed with, across a second boundary', async () => {
    // Prepare
    const s3 = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const store = new S3FileStore(s3, 'case-files', tickingClock(Date.UTC(2026, 11, 2, 10, 0, 0) - 1));
    // Act
    const signed = await store.presignPut({
      key: 'orders/ord_1/inputs/fil_1',
      sizeBytes: 10,
      sha256Base64: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
      expiresInSeconds: 900,
      kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
    });
    // Assess
    expect(new Date(signed.expiresAt).getTime()).toBe(urlExpiry(signed.url));
    expect(signed.expiresAt).toBe('2026-12-02T10:14:59.000Z');
  });
});
