/**
 * Downloads are pinned to what was checked, over the wire: after ingest (or QA) has verified a
 * file, a new version written straight into the bucket (a valid checksum and the bucket's key,
 * signed with the stack's own credentials: more than any leaked upload URL allows) does not change
 * what the designer or the lab receives. This file runs its own local stack, because it claims
 * from the queue, which other tests on the shared stack also fill.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS } from '../../common/definitions';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, putPresigned, sha256Hex } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { claim, handIn, waitForStatus } from '../support/lifecycle';
import { meshBytes } from '../support/mesh-factory';

let stack: LocalStack;
let api: Api;
let s3: S3Client;
const bucket = BUCKETS.caseFiles.localName;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
  s3 = new S3Client({
    endpoint: stack.endpoints.s3,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

/** The object key a path-style presigned URL names. */
const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.replace(`/${bucket}/`, ''));

/** Writes a new version of `key`: same length, different bytes, its own valid checksum, SSE-KMS under `kmsKeyId`. */
const overwrite = async (key: string, length: number, kmsKeyId: string) => {
  const forged = Buffer.alloc(length, 0x41);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: forged,
      ChecksumSHA256: createHash('sha256').update(forged).digest('base64'),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: kmsKeyId,
    }),
  );
  // The write landed: an unpinned read of the key now returns it.
  const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  expect(Buffer.from(await (current.Body?.transformToByteArray() ?? new Uint8Array())).equals(forged)).toBe(
    true,
  );
};

const download = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('downloads pinned to the version that was checked', () => {
  it("a new version written after the checks changes neither the designer's inputs nor the lab's deliverables", async () => {
    // Prepare: a QUEUED order whose scan ingest verified.
    const created = await api.call<{ orderId: string }>('POST', '/orders', {
      as: 'lab.acme',
      body: makeCreateOrderRequest({ caseRef: `PIN-${Date.now().toString(36)}` }),
    });
    const { orderId } = created.body;
    const scan = meshBytes('stl-binary', { triangles: 200, seed: 4242 });
    const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
      'POST',
      `/orders/${orderId}/uploads`,
      { as: 'lab.acme', body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) } },
    );
    expect((await putPresigned(declared.body.upload, scan)).status).toBe(200);
    const kmsKeyId = declared.body.upload.headers['x-amz-server-side-encryption-aws-kms-key-id'] ?? '';
    await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['QUEUED']);

    // Act: the scan is replaced in the bucket, then a designer claims the order and downloads it.
    await overwrite(keyOf(declared.body.upload.url), scan.length, kmsKeyId);
    expect((await claim(api, 'designer.priya')).orderId).toBe(orderId);
    const inputs = await api.call<{ files: { url: string; sha256: string }[] }>(
      'GET',
      `/assignments/${orderId}/inputs`,
      { as: 'designer.priya' },
    );

    // Assess: the URL names a version, and it serves the bytes ingest checked.
    const input = inputs.body.files[0];
    expect(new URL(input?.url ?? '').searchParams.get('versionId')).toBeTruthy();
    const received = await download(input?.url ?? '');
    expect(sha256Hex(received)).toBe(input?.sha256);
    expect(sha256Hex(received)).toBe(sha256Hex(scan));

    // Act: the design is handed in, passes QA and is delivered; then its object is replaced too.
    expect((await handIn(api, 'designer.priya', orderId, { seed: 77 })).status).toBe(202);
    await waitForStatus(api, orderId, ['DELIVERED']);
    const before = await api.call<{ files: { format: string; url: string; sha256: string }[] }>(
      'GET',
      `/orders/${orderId}/deliverables`,
      { as: 'lab.acme' },
    );
    const design = before.body.files.find((f) => f.format === 'stl');
    await overwrite(keyOf(design?.url ?? ''), (await download(design?.url ?? '')).length, kmsKeyId);
    const after = await api.call<{ files: { format: string; url: string; sha256: string }[] }>(
      'GET',
      `/orders/${orderId}/deliverables`,
      { as: 'lab.acme' },
    );

    // Assess: the lab still receives the design QA checked.
    for (const file of after.body.files) {
      expect(new URL(file.url).searchParams.get('versionId')).toBeTruthy();
      expect(sha256Hex(await download(file.url))).toBe(file.sha256);
    }
  });
});
