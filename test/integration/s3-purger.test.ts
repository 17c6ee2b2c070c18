/**
 * The S3 purge adapter: every version and delete marker under one order's prefix goes, with a
 * record of exactly what went, and nothing outside the prefix is touched.
 *
 * - Against the shared local stack's S3 stand-in (the versioned case-files bucket), through the
 *   handlers' own client.
 * - The same version suite against the stand-in and against moto_server (where it is installed),
 *   each on a versioned bucket of its own: versions, delete markers and paging by
 *   KeyMarker/VersionIdMarker. One code path: ListObjectVersions on both.
 * - Against a stubbed client, for what no server here does: foreign keys in a listing, refused
 *   deletions, and an error from S3 on the listing.
 */

import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '../../common/definitions';
import {
  type PurgedObject,
  PurgeFailedError,
  S3Purger,
  UnsafePurgeError,
} from '../../lambdas/adapters/s3-purger';
import { orderPrefix } from '../../lambdas/domain/order';
import { readConfig } from '../../lambdas/runtime/config';
import { makeS3Client } from '../../lambdas/runtime/sdk/s3';
import { S3_CREDENTIALS } from '../../local/s3';
import { requireMoto } from '../support/moto';

const bucket = BUCKETS.caseFiles.localName;
const uid = () => randomBytes(6).toString('hex');

const UNSAFE_PREFIXES = [
  '',
  '/',
  'orders/',
  'orders/x',
  'orders/x/scan.stl',
  'orders/x/y/',
  'orders/../',
  'orders/./',
  'accounts/a/orders/x/',
  '../',
  'orders/a b/',
  '/orders/x/',
  'orders//',
  'orders/x//',
  'other/a/orders/x/',
];

const byVersion = (a: PurgedObject, b: PurgedObject) =>
  a.key.localeCompare(b.key) || (a.versionId ?? '').localeCompare(b.versionId ?? '');
const sorted = (list: readonly PurgedObject[]) => [...list].sort(byVersion);

/** Records the name of every command a client sends. */
const recordCommands = (client: S3Client) => {
  const names: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'testRecordCommands' },
  );
  return names;
};

describe('S3Purger on the local S3 stand-in (the case-files bucket, versioned)', () => {
  // The handlers' own client, as the purge Lambda builds it.
  const s3 = makeS3Client(readConfig(inject('stackEnv')));
  const run = uid();
  const prefix = orderPrefix(`${run}-ord_1`);
  const put = (key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const exists = async (key: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch {
      return false;
    }
  };
  const target = {
    [`${prefix}inputs/scan-upper.stl`]: 'solid upper-jaw scan',
    [`${prefix}inputs/scan-lower.ply`]: 'ply lower',
    [`${prefix}design/crown-26.stl`]: 'solid crown design, revision 1',
    [`${prefix}design/report.pdf`]: '%PDF-1.7 report',
  };
  const neighbours = {
    // Another order of the same account.
    [`${orderPrefix(`${run}-ord_2`)}inputs/scan.stl`]: 'neighbour two',
    // An order whose id extends the first one's: the classic prefix bug.
    [`${orderPrefix(`${run}-ord_10`)}inputs/scan.stl`]: 'neighbour ten',
    [`${orderPrefix(`${run}-ord_1-old`)}inputs/scan.stl`]: 'neighbour dash',
    // A key that is the prefix without its slash, and one that extends it without a slash.
    [`orders/${run}-ord_1`]: 'slashless',
    [`orders/${run}-ord_1.json`]: '{}',
  };

  beforeAll(async () => {
    for (const [key, body] of Object.entries({ ...target, ...neighbours })) await put(key, body);
  });

  afterAll(() => s3.destroy());

  it('purges every object under the order prefix, returns them, and leaves the neighbours', async () => {
    const purger = new S3Purger(s3, bucket);
    const before = await purger.remaining(prefix);
    expect(before.map((o) => o.key).sort()).toEqual(Object.keys(target).sort());

    const purged = await purger.purgePrefix(prefix);

    expect(
      purged.map((o) => ({ key: o.key, sizeBytes: o.sizeBytes })).sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual(
      Object.entries(target)
        .map(([key, body]) => ({ key, sizeBytes: Buffer.byteLength(body) }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    expect(sorted(purged)).toEqual(sorted(before));
    // The bucket is versioned: every entry names its version; nothing was deleted, so no markers.
    for (const o of purged) {
      expect(o.versionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(o.deleteMarker).toBeUndefined();
      expect(o.etag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    const { Versions, DeleteMarkers } = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }),
    );
    expect([...(Versions ?? []), ...(DeleteMarkers ?? [])]).toEqual([]);
    expect(await purger.remaining(prefix)).toEqual([]);
    for (const key of Object.keys(target)) expect(await exists(key)).toBe(false);
    for (const key of Object.keys(neighbours)) expect(await exists(key)).toBe(true);
    const { Contents } = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `orders/${run}-` }),
    );
    expect((Contents ?? []).map((o) => o.Key).sort()).toEqual(Object.keys(neighbours).sort());
  });

  it('returns [] when purging again, from the same or a fresh instance', async () => {
    expect(await new S3Purger(s3, bucket).purgePrefix(prefix)).toEqual([]);
    const purger = new S3Purger(s3, bucket);
    expect(await purger.purgePrefix(prefix)).toEqual([]);
    expect(await purger.purgePrefix(prefix)).toEqual([]);
  });

  it('pages through the listing and deletes in batches of pageSize', async () => {
    const pagedPrefix = orderPrefix(`${run}-ord_paged`);
    const keys = Array.from({ length: 7 }, (_, i) => `${pagedPrefix}inputs/part-${i}.stl`);
    for (const key of keys) await put(key, `part ${key.slice(-5)}`);
    const client = makeS3Client(readConfig(inject('stackEnv')));
    const commands = recordCommands(client);
    try {
      const purger = new S3Purger(client, bucket, { pageSize: 3 });
      const purged = await purger.purgePrefix(pagedPrefix);
      expect(purged.map((o) => o.key).sort()).toEqual([...keys].sort());
      expect(await purger.remaining(pagedPrefix)).toEqual([]);
      // One code path: 3 pages of versions, 3 batches, one empty re-listing after the deletes,
      // and one for remaining().
      expect(commands.filter((c) => c === 'ListObjectVersionsCommand')).toHaveLength(3 + 1 + 1);
      expect(commands.filter((c) => c === 'ListObjectsCommand')).toHaveLength(0);
      expect(commands.filter((c) => c === 'DeleteObjectsCommand')).toHaveLength(3);
    } finally {
      client.destroy();
    }
  });

  it('refuses any prefix that is not exactly one order, touching nothing', async () => {
    const purger = new S3Purger(s3, bucket);
    for (const unsafe of [...UNSAFE_PREFIXES, `orders/${run}-ord_1`, `orders/${run}-ord_1/inputs/`]) {
      await expect(purger.purgePrefix(unsafe), unsafe).rejects.toBeInstanceOf(UnsafePurgeError);
      await expect(purger.remaining(unsafe), unsafe).rejects.toThrow(UnsafePurgeError);
    }
    for (const key of Object.keys(neighbours)) expect(await exists(key)).toBe(true);
  });
});

describe('S3Purger with a stubbed client', () => {
  const prefix = 'orders/ord_1/';
  type Send = (command: { constructor: { name: string }; input: Record<string, unknown> }) => unknown;
  const stub = (send: Send, isCustomEndpoint = true) => {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      config: { isCustomEndpoint },
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        return send(command);
      },
    } as unknown as S3Client;
    return { client, sent };
  };
  const notImplemented = () =>
    Object.assign(new Error('stubbed'), { name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } });

  it('never deletes a listed key outside the prefix', async () => {
    let listed = false;
    const { client, sent } = stub((command) => {
      if (command.constructor.name === 'ListObjectVersionsCommand') {
        if (listed) return { IsTruncated: false };
        listed = true;
        // A server that ignored Prefix would list the whole bucket.
        return {
          IsTruncated: false,
          Versions: [
            { Key: `${prefix}scan.stl`, VersionId: 'v1', Size: 5, ETag: '"e"' },
            { Key: 'orders/ord_10/scan.stl', VersionId: 'v2', Size: 6 },
            { Key: 'orders/ord_1', VersionId: 'v3', Size: 7 },
          ],
          DeleteMarkers: [{ Key: 'other/orders/ord_1/scan.stl', VersionId: 'm1' }],
        };
      }
      const objects = (command.input.Delete as { Objects: { Key: string; VersionId?: string }[] }).Objects;
      return { Deleted: objects };
    });
    const purged = await new S3Purger(client, 'b').purgePrefix(prefix);
    expect(purged).toEqual([{ key: `${prefix}scan.stl`, versionId: 'v1', sizeBytes: 5, etag: '"e"' }]);
    const deletes = sent.filter((s) => s.name === 'DeleteObjectsCommand');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.input.Delete).toEqual({
      Objects: [{ Key: `${prefix}scan.stl`, VersionId: 'v1' }],
      Quiet: false,
    });
  });

  it('throws PurgeFailedError naming only keys and codes when S3 refuses some deletions', async () => {
    const { client } = stub((command) => {
      if (command.constructor.name === 'ListObjectVersionsCommand') {
        return {
          IsTruncated: false,
          Versions: [
            { Key: `${prefix}a.stl`, VersionId: 'v1', Size: 1 },
            { Key: `${prefix}b.stl`, VersionId: 'v2', Size: 2 },
          ],
        };
      }
      return {
        Deleted: [{ Key: `${prefix}a.stl`, VersionId: 'v1' }],
        Errors: [
          { Key: `${prefix}b.stl`, VersionId: 'v2', Code: 'AccessDenied', Message: 'patient Jane Doe' },
        ],
      };
    });
    const error = await new S3Purger(client, 'b').purgePrefix(prefix).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PurgeFailedError);
    const failed = error as PurgeFailedError;
    expect(failed.failures).toEqual([{ key: `${prefix}b.stl`, versionId: 'v2', code: 'AccessDenied' }]);
    expect(failed.deleted).toEqual([{ key: `${prefix}a.stl`, versionId: 'v1', sizeBytes: 1 }]);
    expect(failed.message).toContain(`${prefix}b.stl`);
    expect(failed.message).not.toContain('Jane');
  });

  it('lets a listing error through: there is no other way to list', async () => {
    const { client, sent } = stub(() => {
      throw notImplemented();
    });
    await expect(new S3Purger(client, 'b').purgePrefix(prefix)).rejects.toMatchObject({
      name: 'MethodNotAllowed',
    });
    expect(sent.map((s) => s.name)).toEqual(['ListObjectVersionsCommand']);
  });

  it('refuses a page size S3 would not accept', () => {
    const { client } = stub(() => ({}));
    for (const pageSize of [0, -1, 1001, 2.5]) {
      expect(() => new S3Purger(client, 'b', { pageSize })).toThrow(RangeError);
    }
  });
});

// The same version suite on the stand-in and on moto_server (where installed), each with a
// versioned bucket of its own.

const servers: { name: string; start: () => Promise<{ endpoint: string; stop(): Promise<void> }> }[] = [
  {
    name: 'the local S3 stand-in',
    start: async () => ({ endpoint: inject('endpoints').s3, stop: async () => {} }),
  },
  { name: 'moto_server', start: requireMoto },
];

for (const server of servers) {
  describe(`S3Purger on ${server.name} (versioned bucket)`, () => {
    const motoBucket = `caseline-purge-${uid()}`;
    let moto: { endpoint: string; stop(): Promise<void> } | undefined;
    let s3: S3Client;
    const clientFor = (endpoint: string) =>
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { ...S3_CREDENTIALS },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
    const put = async (key: string, body: string) => {
      const { VersionId } = await s3.send(new PutObjectCommand({ Bucket: motoBucket, Key: key, Body: body }));
      if (!VersionId) throw new Error('moto returned no version id: is versioning on?');
      return VersionId;
    };
    const remove = async (key: string) => {
      const { VersionId, DeleteMarker } = await s3.send(
        new DeleteObjectCommand({ Bucket: motoBucket, Key: key }),
      );
      if (!VersionId || !DeleteMarker) throw new Error('moto wrote no delete marker');
      return VersionId;
    };

    beforeAll(async () => {
      moto = await server.start();
      s3 = clientFor(moto.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket: motoBucket }));
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: motoBucket,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
    }, 40_000);

    afterAll(async () => {
      s3?.destroy();
      await moto?.stop();
    });

    it('purges every version and delete marker of the order, and only those', async () => {
      const run = uid();
      const prefix = orderPrefix(`${run}-ord_1`);
      const scan = `${prefix}inputs/scan.stl`;
      const design = `${prefix}design/crown.stl`;
      const report = `${prefix}design/report.pdf`;
      const expected: PurgedObject[] = [];
      for (const body of ['scan v1', 'scan v2, longer', 'scan v3, the longest one']) {
        expected.push({ key: scan, versionId: await put(scan, body), sizeBytes: body.length });
      }
      expected.push({ key: design, versionId: await put(design, 'crown'), sizeBytes: 5 });
      expected.push({ key: design, versionId: await remove(design), sizeBytes: 0, deleteMarker: true });
      expected.push({ key: report, versionId: await put(report, '%PDF report'), sizeBytes: 11 });
      // Neighbours: another order, the prefix-extension order, and the slashless key.
      const neighbourPrefixes = [orderPrefix(`${run}-ord_2`), orderPrefix(`${run}-ord_10`)];
      for (const p of neighbourPrefixes) {
        await put(`${p}inputs/scan.stl`, 'n1');
        await put(`${p}inputs/scan.stl`, 'n2');
        await put(`${p}design/crown.stl`, 'n3');
        await remove(`${p}design/crown.stl`);
      }
      await put(`orders/${run}-ord_1`, 'slashless');

      const purger = new S3Purger(s3, motoBucket);
      const neighboursBefore = await Promise.all(neighbourPrefixes.map((p) => purger.remaining(p)));
      expect(neighboursBefore.map((n) => n.length)).toEqual([4, 4]);
      const before = await purger.remaining(prefix);
      expect(sorted(before).map(({ etag: _, ...o }) => o)).toEqual(sorted(expected));

      const purged = await purger.purgePrefix(prefix);

      expect(sorted(purged)).toEqual(sorted(before));
      expect(new Set(purged.map((o) => o.versionId))).toEqual(new Set(expected.map((o) => o.versionId)));
      expect(purged.filter((o) => o.deleteMarker)).toEqual([
        { key: design, versionId: expected[4]?.versionId, sizeBytes: 0, deleteMarker: true },
      ]);
      expect(purged.filter((o) => !o.deleteMarker).every((o) => /^"[0-9a-f]{32}"$/.test(o.etag ?? ''))).toBe(
        true,
      );
      expect(await purger.remaining(prefix)).toEqual([]);
      const { Versions, DeleteMarkers } = await s3.send(
        new ListObjectVersionsCommand({ Bucket: motoBucket, Prefix: prefix }),
      );
      expect([...(Versions ?? []), ...(DeleteMarkers ?? [])]).toEqual([]);
      for (const [i, p] of neighbourPrefixes.entries()) {
        expect(sorted(await purger.remaining(p))).toEqual(sorted(neighboursBefore[i] ?? []));
      }
      const slashless = await s3.send(
        new ListObjectVersionsCommand({ Bucket: motoBucket, Prefix: `orders/${run}-ord_1` }),
      );
      expect((slashless.Versions ?? []).map((v) => v.Key)).toContain(`orders/${run}-ord_1`);

      expect(await purger.purgePrefix(prefix)).toEqual([]);
      expect(await new S3Purger(s3, motoBucket).purgePrefix(prefix)).toEqual([]);
    });

    it('pages by KeyMarker/VersionIdMarker and deletes in batches', async () => {
      const run = uid();
      const prefix = orderPrefix(`${run}-ord_paged`);
      const expected: PurgedObject[] = [];
      for (const name of ['a.stl', 'b.stl', 'c.stl']) {
        const key = `${prefix}${name}`;
        for (let v = 0; v < 4; v++) {
          const body = `${name} version ${v}`;
          expected.push({ key, versionId: await put(key, body), sizeBytes: body.length });
        }
        expected.push({ key, versionId: await remove(key), sizeBytes: 0, deleteMarker: true });
      }
      const neighbour = `${orderPrefix(`${run}-ord_paged2`)}a.stl`;
      await put(neighbour, 'keep me');

      const client = clientFor(moto?.endpoint ?? '');
      const commands = recordCommands(client);
      try {
        // 15 entries, pages of 4: the markers fall inside keys (between versions), not only between them.
        const purger = new S3Purger(client, motoBucket, { pageSize: 4 });
        const purged = await purger.purgePrefix(prefix);
        expect(sorted(purged).map(({ etag: _, ...o }) => o)).toEqual(sorted(expected));
        expect(new Set(purged.map((o) => o.versionId)).size).toBe(15);
        expect(commands.filter((c) => c === 'ListObjectVersionsCommand')).toHaveLength(4 + 1);
        expect(commands.filter((c) => c === 'DeleteObjectsCommand')).toHaveLength(4);
        expect(await purger.remaining(prefix)).toEqual([]);
        expect((await purger.remaining(orderPrefix(`${run}-ord_paged2`))).map((o) => o.key)).toEqual([
          neighbour,
        ]);
      } finally {
        client.destroy();
      }
    });

    it('finishes a purge that stopped halfway, returning only what it deleted itself', async () => {
      const run = uid();
      const prefix = orderPrefix(`${run}-ord_1`);
      for (let v = 0; v < 3; v++) await put(`${prefix}scan.stl`, `v${v}`);
      await put(`${prefix}report.pdf`, 'r');
      const purger = new S3Purger(s3, motoBucket);
      const all = await purger.remaining(prefix);
      // A crash after the first deletions: delete two versions by hand, as the first run would have.
      const [first, second, ...rest] = sorted(all);
      for (const o of [first, second]) {
        await s3.send(new DeleteObjectCommand({ Bucket: motoBucket, Key: o?.key, VersionId: o?.versionId }));
      }
      const purged = await purger.purgePrefix(prefix);
      expect(sorted(purged)).toEqual(rest);
      expect(await purger.remaining(prefix)).toEqual([]);
    });
  });
}
