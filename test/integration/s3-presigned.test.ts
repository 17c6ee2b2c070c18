/**
 * The local S3 stand-in checks SigV4 like S3 does: a presigned URL works as signed, and is
 * refused once tampered with or expired (on the stack's clock, which URLs are signed on). Everything upload security rests on this.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../common/definitions';

const bucket = BUCKETS.caseFiles.localName;
/** URLs are signed on the stack's clock, which other tests may have moved ahead of the wall clock. */
const stackNow = async () =>
  new Date(((await (await fetch(`${inject('apiUrl')}/local/clock`)).json()) as { now: string }).now);
const s3 = () =>
  new S3Client({
    endpoint: inject('endpoints').s3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

describe('local S3 presigned URLs', () => {
  it('accepts a GET exactly as signed', async () => {
    // Prepare
    const client = s3();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'test/presign/ok.txt', Body: 'hello' }));
    // Act
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: 'test/presign/ok.txt' }),
      { expiresIn: 60, signingDate: await stackNow() },
    );
    const res = await fetch(url);
    // Assess
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
  });

  it('refuses a URL whose key was changed after signing', async () => {
    const client = s3();
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'test/presign/other.txt', Body: 'secret' }),
    );
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: 'test/presign/ok2.txt' }),
      { expiresIn: 60, signingDate: await stackNow() },
    );
    const res = await fetch(url.replace('ok2.txt', 'other.txt'));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('SignatureDoesNotMatch');
  });

  it('refuses a URL whose expiry was stretched after signing', async () => {
    const client = s3();
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: 'test/presign/ok.txt' }),
      { expiresIn: 60, signingDate: await stackNow() },
    );
    const res = await fetch(url.replace('X-Amz-Expires=60', 'X-Amz-Expires=6000'));
    expect(res.status).toBe(403);
  });

  it('refuses an expired URL', async () => {
    const client = s3();
    // Signed 20 minutes ago for 15 minutes: expired five minutes ago.
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: bucket, Key: 'test/presign/ok.txt' }),
      {
        expiresIn: 900,
        signingDate: new Date((await stackNow()).getTime() - 20 * 60_000),
      },
    );
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/i);
  });

  it('refuses a presigned PUT whose signed header is changed', async () => {
    const client = s3();
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'test/presign/put.txt', ContentType: 'text/plain' }),
      { expiresIn: 60, signableHeaders: new Set(['content-type']), signingDate: await stackNow() },
    );
    const good = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'a' });
    const bad = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/pdf' },
      body: 'a',
    });
    expect(good.status).toBe(200);
    expect(bad.status).toBe(403);
  });
});
