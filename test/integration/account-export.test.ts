/**
 * Data portability over the wire: a lab administrator asks for its account's export, the export
 * workflow (statemachines/account-export.asl.json) writes the zip into S3, the status route hands
 * out a presigned GET, and the archive checks out offline: every order and file present, the
 * manifest's signature valid, a tampered file refused. Another account's administrator gets 404,
 * a lab user 403. The account (lab-echo) is the export tests' own: no other suite purges there.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyExportArchive } from '../../cli/export';
import { accountKeyAlias, localTableName } from '../../common/definitions';
import { type ExportManifest, MANIFEST_PATH, type SignedManifest } from '../../lambdas/domain/export';
import { S3_CREDENTIALS } from '../../local/s3';
import { Api, eventually, putPresigned, sha256Hex } from '../support/api';
import { draftOrder } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';
import { undescribedFields } from '../support/openapi-contract';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const api = new Api(inject('apiUrl'));
const ddb = localDocumentClient(inject('endpoints').dynamodb);
const dir = mkdtempSync(join(tmpdir(), 'caseline-export-'));
const run = promisify(execFile);

const ADMIN = 'admin.echo';
const ACCOUNT = 'lab-echo';

interface ExportView {
  exportId: string;
  status: string;
  duplicate?: boolean;
  orderCount?: number;
  fileCount?: number;
  sizeBytes?: number;
  download?: { url: string; fileName: string; expiresAt: string };
}

const waitReady = (exportId: string) =>
  eventually(async () => {
    const res = await api.call<ExportView>('GET', `/accounts/${ACCOUNT}/exports/${exportId}`, { as: ADMIN });
    if (res.body.status === 'FAILED') throw new Error(`export failed: ${JSON.stringify(res.body)}`);
    return res.body.status === 'READY' ? res.body : undefined;
  }, 60_000);

const cli = async (args: string[], token: string) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'cli', 'caseline.mjs'), ...args], {
      cwd: dir,
      env: { ...process.env, CASELINE_API: inject('apiUrl'), CASELINE_HOME: dir, CASELINE_TOKEN: token },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** Orders of the account: two drafts with scans (one of them 20 MB, several upload parts), one cancelled. */
let orders: { orderId: string; scans: Buffer[] }[] = [];
let cancelledId = '';
let publicKeyPem = '';

beforeAll(async () => {
  const first = await draftOrder(api, 'lab.echo');
  const second = await draftOrder(api, 'lab.echo');
  const large = meshBytes('stl-binary', { triangles: 400_000, seed: 7 });
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${second.orderId}/uploads`,
    { as: 'lab.echo', body: { name: 'upper arch.stl', sizeBytes: large.length, sha256: sha256Hex(large) } },
  );
  expect((await putPresigned(declared.body.upload, large)).status).toBe(200);
  await api.call(
    'POST',
    `/orders/${second.orderId}/uploads/${(declared.body as { fileId?: string }).fileId}/complete`,
    {
      as: 'lab.echo',
    },
  );
  const cancelled = await draftOrder(api, 'lab.echo');
  expect((await api.call('DELETE', `/orders/${cancelled.orderId}`, { as: 'lab.echo' })).status).toBe(200);
  cancelledId = cancelled.orderId;
  orders = [
    { orderId: first.orderId, scans: [first.scan] },
    { orderId: second.orderId, scans: [second.scan, large] },
  ];
  publicKeyPem = (await api.call<{ publicKeyPem: string }>('GET', '/certificates/public-key')).body
    .publicKeyPem;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('account export (data portability)', () => {
  it('refuses a lab user (403, audited at the edge) and answers another account 404, audited for the owner', async () => {
    // Act
    const labUser = await api.call<{ code: string }>('POST', `/accounts/${ACCOUNT}/exports`, {
      as: 'lab.echo',
    });
    const otherAdmin = await api.call<{ code: string }>('POST', `/accounts/${ACCOUNT}/exports`, {
      as: 'admin.acme',
    });
    const otherStatus = await api.call('GET', `/accounts/${ACCOUNT}/exports/exp_nothing`, {
      as: 'admin.acme',
    });
    // Assess
    expect(labUser.status).toBe(403);
    expect(otherAdmin.status).toBe(404);
    expect(otherAdmin.body.code).toBe('NOT_FOUND');
    expect(otherStatus.status).toBe(404);
    const { Items = [] } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACCOUNT}` },
      }),
    );
    expect(Items.some((e) => e.action === 'access.forbidden' && e.actorSub === 'u-lab-echo-1')).toBe(true);
    expect(
      Items.some(
        (e) => e.action === 'export.request' && e.outcome === 'DENIED' && e.actorAccountId === 'lab-acme',
      ),
    ).toBe(true);
  });

  it('writes one archive with every order and file, a signed manifest, audited reads; a tampered file fails', async () => {
    // Act: a double click starts one export.
    const [a, b] = await Promise.all([
      api.call<ExportView>('POST', `/accounts/${ACCOUNT}/exports`, { as: ADMIN }),
      api.call<ExportView>('POST', `/accounts/${ACCOUNT}/exports`, { as: ADMIN }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.exportId).toBe(b.body.exportId);
    expect([a.body.duplicate, b.body.duplicate].sort()).toEqual([false, true]);
    const ready = await waitReady(a.body.exportId);
    expect(ready.download?.url).toBeDefined();
    const got = await fetch(ready.download?.url ?? '');
    // The archive holds the account's PHI: it is under the account's own key, shredded with it.
    const kms = new KMSClient({
      region: 'us-east-1',
      endpoint: inject('endpoints').kms,
      credentials: { ...S3_CREDENTIALS },
    });
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: accountKeyAlias(ACCOUNT) }));
    kms.destroy();
    expect(got.headers.get('x-amz-server-side-encryption-aws-kms-key-id')).toBe(KeyMetadata?.Arn);
    const zipBytes = Buffer.from(await got.arrayBuffer());
    expect(zipBytes.length).toBe(ready.sizeBytes);
    const zipPath = join(dir, 'export.zip');
    writeFileSync(zipPath, zipBytes);

    // Assess: the archive verifies, and holds every order and every uploaded scan.
    const check = await verifyExportArchive(zipPath, publicKeyPem);
    expect(check).toMatchObject({ ok: true });
    const yauzl = (await import('yauzl')).default;
    const manifestText = await new Promise<string>((resolveText, reject) =>
      yauzl.fromBuffer(zipBytes, { lazyEntries: true }, (error, zip) => {
        if (error) return reject(error);
        zip.on('entry', (entry: { fileName: string }) => {
          if (entry.fileName !== MANIFEST_PATH) return zip.readEntry();
          zip.openReadStream(entry as never, (e, stream) => {
            if (e) return reject(e);
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('end', () => resolveText(Buffer.concat(chunks).toString('utf8')));
          });
        });
        zip.readEntry();
      }),
    );
    const { manifest } = JSON.parse(manifestText) as SignedManifest;
    const m: ExportManifest = manifest;
    expect(m.accountId).toBe(ACCOUNT);
    const exportedIds = m.orders.map((o) => o.orderId);
    for (const { orderId, scans } of orders) {
      expect(exportedIds).toContain(orderId);
      expect(m.files.map((f) => f.path)).toContain(`orders/${orderId}/order.json`);
      expect(m.files.map((f) => f.path)).toContain(`orders/${orderId}/timeline.json`);
      const inputs = m.files.filter((f) => f.path.startsWith(`orders/${orderId}/inputs/`));
      expect(inputs.map((f) => f.sha256).sort()).toEqual(scans.map((s) => sha256Hex(s)).sort());
    }
    // The cancelled draft: its record, no files (its uploads were removed when it was cancelled).
    expect(m.orders.find((o) => o.orderId === cancelledId)).toMatchObject({ status: 'CANCELLED', files: 0 });
    expect(ready.orderCount).toBe(m.orders.length);

    // Every file read was audited first, as the administrator who asked.
    const { Items = [] } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACCOUNT}` },
      }),
    );
    const fileReads = Items.filter((e) => e.action === 'export.file' && e.actorSub === 'u-lab-echo-admin');
    const inputCount = m.files.filter((f) => f.path.includes('/inputs/')).length;
    expect(fileReads.length).toBeGreaterThanOrEqual(inputCount);
    expect(Items.some((e) => e.action === 'export.download' && e.reason === a.body.exportId)).toBe(true);

    // Tampered: one byte of the large scan, stored as it is in the zip, flipped in place.
    const large = orders[1]?.scans[1] ?? Buffer.alloc(0);
    const at = zipBytes.indexOf(large.subarray(100_000, 100_064));
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(zipBytes);
    tampered[at] = (tampered[at] ?? 0) ^ 0xff;
    const tamperedPath = join(dir, 'tampered.zip');
    writeFileSync(tamperedPath, tampered);
    const refused = await verifyExportArchive(tamperedPath, publicKeyPem);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/does not match its SHA-256/);

    // And through the CLI: `export verify` exits 1 on the tampered copy, 0 on the original.
    writeFileSync(join(dir, 'key.pem'), publicKeyPem);
    const token = await api.token(ADMIN);
    expect((await cli(['export', 'verify', zipPath, '--key', join(dir, 'key.pem')], token)).code).toBe(0);
    const bad = await cli(['export', 'verify', tamperedPath, '--key', join(dir, 'key.pem')], token);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('INVALID');
  }, 90_000);

  it('the CLI requests, follows and downloads an export with progress, and checks it', async () => {
    const token = await api.token(ADMIN);
    const requested = await cli(['export', 'request'], token);
    expect(requested.code).toBe(0);
    const exportId = /Export (exp_\w+)/.exec(requested.stdout)?.[1] ?? '';
    expect(exportId).not.toBe('');
    await waitReady(exportId);
    const status = await cli(['export', 'status', exportId], token);
    expect(JSON.parse(status.stdout)).toMatchObject({ exportId, status: 'READY' });
    const downloaded = await cli(['export', 'download', exportId, '--out', 'mine.zip'], token);
    expect(downloaded.code).toBe(0);
    expect(downloaded.stderr).toMatch(/mine\.zip 100%/);
    expect(downloaded.stdout).toMatch(/is valid/);
    expect(readFileSync(join(dir, 'mine.zip')).subarray(0, 2).toString()).toBe('PK');
  }, 90_000);

  it('lists the account’s exports newest first with status, a page at a time; another account 404, a lab user 403', async () => {
    // Prepare: the exports the tests above wrote (a double click and the CLI's: two, both READY).
    interface Listed {
      exports: { exportId: string; status: string; requestedAt: string; download?: unknown }[];
      nextCursor?: string;
    }
    const path = `/accounts/${ACCOUNT}/exports`;
    // Act
    const all = await api.call<Listed>('GET', path, { as: ADMIN });
    const first = await api.call<Listed>('GET', `${path}?limit=1`, { as: ADMIN });
    const second = await api.call<Listed>(
      'GET',
      `${path}?limit=1&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
      { as: ADMIN },
    );
    const otherAdmin = await api.call<{ code: string }>('GET', path, { as: 'admin.acme' });
    const labUser = await api.call('GET', path, { as: 'lab.echo' });
    const forged = await api.call<{ fields?: { field: string }[] }>(
      'GET',
      `${path}?cursor=aex_${'0'.repeat(28)}`,
      {
        as: ADMIN,
      },
    );
    const printed = await cli(['export', 'list', '--limit', '1'], await api.token(ADMIN));
    // Assess
    expect(all.status).toBe(200);
    expect(undescribedFields('GET /accounts/{accountId}/exports', 200, all.body)).toEqual([]);
    expect(undescribedFields('GET /accounts/{accountId}/exports', 200, first.body)).toEqual([]);
    const ids = all.body.exports.map((e) => e.exportId);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(ids).toEqual([...ids].sort().reverse());
    const times = all.body.exports.map((e) => e.requestedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(all.body.exports.slice(0, 2).map((e) => e.status)).toEqual(['READY', 'READY']);
    expect(all.body.exports.some((e) => 'download' in e)).toBe(false);
    expect(first.body.exports.map((e) => e.exportId)).toEqual([ids[0]]);
    expect(second.body.exports.map((e) => e.exportId)).toEqual([ids[1]]);
    expect([otherAdmin.status, otherAdmin.body.code, labUser.status]).toEqual([404, 'NOT_FOUND', 403]);
    expect(forged.status).toBe(400);
    expect(forged.body.fields?.map((f) => f.field)).toEqual(['cursor']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`${ids[0]}  READY`);
    expect(printed.stdout).toContain(`caseline export list --cursor ${ids[0]}`);
  });
});
