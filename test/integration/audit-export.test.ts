/**
 * Audit exports over the wire (docs/audit.md, "Audit exports"): a lab-admin of the account, or a
 * staff auditor for any account, asks for a range; the audit-export workflow writes the zip; the
 * status route hands it out by a presigned GET; unpacked, it verifies offline with verify-audit
 * (manifest signature, each file's hash, digests, chain, events) and an edited line fails. A lab
 * user and a designer get 403, another account's admin 404. No canary PHI of the fixtures (the
 * patient reference and notes of test/support/factories.ts) is anywhere in it. Its own stack: the
 * sealer is global, and the range must be covered by the runs this file makes.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { verifyAuditDir } from '../../cli/verify-audit';
import { localTableName, STATE_MACHINES } from '../../common/definitions';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, eventually } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { draftOrder } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { undescribedFields } from '../support/openapi-contract';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const ACCOUNT = 'lab-bright';
const ADMIN = 'admin.bright';
const work = mkdtempSync(join(tmpdir(), 'caseline-audit-export-'));
const keyFile = join(work, 'audit-key.json');

let stack: LocalStack;
let api: Api;
let ddb: ReturnType<typeof localDocumentClient>;
let from = '';
let to = '';

interface AuditExportView {
  exportId: string;
  status: string;
  duplicate?: boolean;
  sizeBytes?: number;
  download?: { url: string; fileName: string; expiresAt: string };
}

/** The canaries: every PHI field of the fixture's prescription. */
const request = makeCreateOrderRequest({});
const CANARIES = [request.patientRef, request.notes ?? ''].filter((c) => c.length > 0);

const seal = async () => {
  const res = await api.call<{ ok: boolean; result?: { sealed: boolean } }>('POST', '/local/jobs/sealAudit', {
    as: 'operator.omar',
  });
  expect(res.body.result?.sealed).toBe(true);
};

const waitReady = (exportId: string, as: string) =>
  eventually(async () => {
    const res = await api.call<AuditExportView>('GET', `/accounts/${ACCOUNT}/audit-exports/${exportId}`, {
      as,
    });
    if (res.body.status === 'FAILED') throw new Error(`export failed: ${JSON.stringify(res.body)}`);
    return res.body.status === 'READY' ? res.body : undefined;
  }, 60_000);

/** Unzips the archive into a directory of its own. */
const unzip = (bytes: Buffer, into: string) =>
  new Promise<void>((resolveAll, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      zip.on('end', () => resolveAll());
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const path = join(into, entry.fileName);
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    }),
  );

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });

const exportAs = async (as: string, into: string) => {
  const asked = await api.call<AuditExportView>('POST', `/accounts/${ACCOUNT}/audit-exports`, {
    as,
    body: { from, to },
  });
  expect(asked.status, JSON.stringify(asked.body)).toBe(202);
  const ready = await waitReady(asked.body.exportId, as);
  const got = await fetch(ready.download?.url ?? '');
  expect(got.status).toBe(200);
  const bytes = Buffer.from(await got.arrayBuffer());
  expect(bytes.length).toBe(ready.sizeBytes);
  mkdirSync(into, { recursive: true });
  await unzip(bytes, into);
  return { asked, ready };
};

const caselineAs = async (username: string | undefined, ...args: string[]) => {
  const token = username ? await api.token(username) : '';
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'cli', 'caseline.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CASELINE_API: stack.apiUrl, CASELINE_HOME: work, CASELINE_TOKEN: token },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const accountEvents = async () =>
  (
    await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${ACCOUNT}` },
      }),
    )
  ).Items ?? [];

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
  from = new Date(Date.now() - 60_000).toISOString();
  // An order with the fixture's PHI, read back (audited), a designer refused on it: all in the range.
  const order = await draftOrder(api, 'lab.bright');
  expect((await api.call('GET', `/orders/${order.orderId}`, { as: 'lab.bright' })).status).toBe(200);
  expect((await api.call('GET', `/orders/${order.orderId}`, { as: 'admin.acme' })).status).toBe(404);
  await seal();
  await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { hours: 1 } });
  expect((await api.call('GET', '/orders', { as: 'lab.bright' })).status).toBe(200);
  // The range ends at or before the last run's window: read the clock, then seal.
  to = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
  await seal();
  writeFileSync(keyFile, JSON.stringify((await api.call('GET', '/audit/public-key')).body));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('audit exports', () => {
  it('refuses a lab user and a designer (403), answers another account’s admin 404, checks the range field by field', async () => {
    // Act
    const post = (as: string, body: unknown = { from, to }) =>
      api.call<{ code?: string; fields?: { field: string }[] }>(
        'POST',
        `/accounts/${ACCOUNT}/audit-exports`,
        {
          as,
          body,
        },
      );
    const labUser = await post('lab.bright');
    const designer = await post('designer.lin');
    const otherAdmin = await post('admin.acme');
    const otherStatus = await api.call('GET', `/accounts/${ACCOUNT}/audit-exports/aex_nothing`, {
      as: 'admin.acme',
    });
    const badRange = await post(ADMIN, { from: '2020-01-01T00:00:00.000Z', to });
    // Assess
    expect([labUser.status, designer.status, otherAdmin.status, otherStatus.status]).toEqual([
      403, 403, 404, 404,
    ]);
    expect(badRange.status).toBe(400);
    expect(JSON.stringify(badRange.body)).toContain('"to"');
    const events = await accountEvents();
    expect(
      events.some(
        (e) =>
          e.action === 'audit.export-request' && e.outcome === 'DENIED' && e.actorAccountId === 'lab-acme',
      ),
    ).toBe(true);
  });

  it('the account’s admin exports once on a double click; it verifies offline, holds no PHI, and an edited line fails', async () => {
    // Prepare: a double click.
    const [a, b] = await Promise.all([
      api.call<AuditExportView>('POST', `/accounts/${ACCOUNT}/audit-exports`, {
        as: ADMIN,
        body: { from, to },
      }),
      api.call<AuditExportView>('POST', `/accounts/${ACCOUNT}/audit-exports`, {
        as: ADMIN,
        body: { from, to },
      }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.exportId).toBe(b.body.exportId);
    expect([a.body.duplicate, b.body.duplicate].sort()).toEqual([false, true]);
    const dir = join(work, 'admin');
    // Act
    await waitReady(a.body.exportId, ADMIN);
    await exportAs(ADMIN, dir);
    const verified = await verifyAuditDir(dir, keyFile);
    // Assess: it verifies, and holds the account's events (the refusal by another lab included).
    expect(verified, verified.message).toMatchObject({ ok: true });
    const jsonl = readFileSync(join(dir, 'events.jsonl'), 'utf8');
    expect(jsonl).toContain('"action":"order.view"');
    expect(readFileSync(join(dir, 'events.csv'), 'utf8')).toContain('DENIED');
    // The record of processing for the range rides along, listed (and so signed) in the manifest.
    const record = JSON.parse(readFileSync(join(dir, 'processing-record.json'), 'utf8'));
    expect(record).toMatchObject({ controller: { accountId: ACCOUNT }, range: { from, to } });
    expect(record.subProcessors.length).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toContain('processing-record.json');
    expect(CANARIES.length).toBeGreaterThanOrEqual(2);
    for (const path of filesUnder(dir)) {
      const text = readFileSync(path, 'utf8');
      for (const canary of CANARIES) expect(text, `${path} holds PHI`).not.toContain(canary);
    }
    // The request and the download link were audited.
    const events = await accountEvents();
    expect(events.some((e) => e.action === 'audit.export-request' && e.outcome === 'ALLOWED')).toBe(true);
    expect(events.some((e) => e.action === 'audit.export-download')).toBe(true);

    // Act: one line edited after export.
    writeFileSync(join(dir, 'events.jsonl'), jsonl.replace('"order.view"', '"order.list"'));
    const tampered = await verifyAuditDir(dir, keyFile);
    // Assess
    expect(tampered).toEqual({
      ok: false,
      message: 'INVALID: events.jsonl does not match its SHA-256 in manifest.json (edited)',
    });
  });

  it('an auditor exports any account with the CLI, which unpacks and verifies it; verify names an edited line', async () => {
    // Act
    const dir = join(work, 'auditor');
    const exported = await caselineAs(
      'auditor.ann',
      'audit',
      'export',
      '--account',
      ACCOUNT,
      '--from',
      from,
      '--to',
      to,
      '--out',
      dir,
      '--key',
      keyFile,
    );
    const path = join(dir, 'events.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"ALLOWED"', '"DENIED"'));
    const tampered = await caselineAs(undefined, 'audit', 'verify', dir, '--key', keyFile);
    // Assess
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^Audit export aex_\S+ of lab-bright: \d+ files in /);
    expect(exported.stdout).toMatch(/OK: \d+ events of lab-bright/);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain(
      'INVALID: events.jsonl does not match its SHA-256 in manifest.json (edited)',
    );
  });

  it('names another lab’s user and account by pseudonym only: neither its sub nor its account id is in any file', async () => {
    // Prepare: the refusal by Acme’s admin is stored with its sub and account (the auditor’s view).
    const refusal = (await accountEvents()).find(
      (e) => e.actorAccountId === 'lab-acme' && e.outcome === 'DENIED' && e.action === 'order.view',
    );
    expect(refusal?.actorSub).toEqual(expect.any(String));
    const dir = join(work, 'pseudonyms');
    // Act
    await exportAs(ADMIN, dir);
    // Assess
    for (const path of filesUnder(dir)) {
      const text = readFileSync(path, 'utf8');
      expect(text, path).not.toContain(String(refusal?.actorSub));
      expect(text, path).not.toContain('lab-acme');
    }
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
    const line = lines.map((l) => JSON.parse(l)).find((e) => e.eventId === refusal?.eventId);
    expect(line).toMatchObject({ actor: expect.stringMatching(/^lab-[0-9a-f]{32}$/), outcome: 'DENIED' });
    expect((await verifyAuditDir(dir, keyFile)).ok).toBe(true);
  });

  it('a range not sealed yet waits for the next run, beside a portability export of the same account', async () => {
    // Prepare: a range ending now, after the last run.
    const now = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    const asked = await api.call<AuditExportView>('POST', `/accounts/${ACCOUNT}/audit-exports`, {
      as: ADMIN,
      body: { from, to: now },
    });
    expect(asked.status).toBe(202);
    const sfn = new SFNClient({
      endpoint: stack.endpoints.sfn,
      region: 'us-east-1',
      credentials: { ...S3_CREDENTIALS },
    });
    const executionArn = `${stack.env[STATE_MACHINES.auditExport.envVar]?.replace(':stateMachine:', ':execution:')}:${asked.body.exportId}`;
    // The first try found the range unsealed, and waits to try again.
    await eventually(async () => {
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn })).catch(() => undefined);
      return history?.events?.some((e) => e.taskFailedEventDetails?.error === 'RangeNotSealedError')
        ? true
        : undefined;
    }, 30_000);
    // Act: a portability export is not held up by it; a sealing run, and the clock moves on to the retry.
    const portability = await api.call<{ exportId: string; duplicate: boolean }>(
      'POST',
      `/accounts/${ACCOUNT}/exports`,
      { as: ADMIN },
    );
    const running = await api.call<AuditExportView>(
      'GET',
      `/accounts/${ACCOUNT}/audit-exports/${asked.body.exportId}`,
      { as: ADMIN },
    );
    await seal();
    await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { minutes: 11 } });
    const ready = await waitReady(asked.body.exportId, ADMIN);
    // Assess
    expect(portability.status).toBe(202);
    expect(portability.body.duplicate).toBe(false);
    expect(portability.body.exportId).not.toBe(asked.body.exportId);
    expect(running.body.status).toBe('RUNNING');
    expect(ready.status).toBe('READY');
    const dir = join(work, 'waited');
    const got = await fetch(ready.download?.url ?? '');
    mkdirSync(dir, { recursive: true });
    await unzip(Buffer.from(await got.arrayBuffer()), dir);
    const verified = await verifyAuditDir(dir, keyFile);
    expect(verified, verified.message).toMatchObject({ ok: true });
  });

  it('an event edited in DynamoDB before the export (as an operator with table access could) fails verification, named', async () => {
    // Prepare: the lab user's read of its order, turned into a refusal in the table itself.
    const original = (await accountEvents()).find(
      (e) => e.action === 'order.view' && e.outcome === 'ALLOWED' && e.actorAccountId === ACCOUNT,
    );
    expect(original).toBeDefined();
    const table = localTableName('audit');
    await ddb.send(new PutCommand({ TableName: table, Item: { ...original, outcome: 'DENIED' } }));
    const dir = join(work, 'edited-in-table');
    try {
      // Act
      await exportAs(ADMIN, dir);
      const verified = await verifyAuditDir(dir, keyFile);
      // Assess: the archive is whole (its manifest holds), the event is not the one sealed.
      expect(verified.ok).toBe(false);
      expect(verified.message).toMatch(
        new RegExp(
          `^INVALID: event ${String(original?.eventId)} \\(seq ${String(original?.seq)}\\) does not match its hash in account digest #\\d+: edited or swapped$`,
        ),
      );
    } finally {
      await ddb.send(new PutCommand({ TableName: table, Item: original }));
    }
  });

  it('lists the account’s audit exports newest first with range and status, apart from its portability exports; a page at a time', async () => {
    // Prepare: the audit exports above (the admin's, the auditor's, the one that waited) and the portability export.
    interface Listed {
      exports: { exportId: string; status: string; from?: string; to?: string; download?: unknown }[];
      nextCursor?: string;
    }
    const path = `/accounts/${ACCOUNT}/audit-exports`;
    // Act
    const all = await api.call<Listed>('GET', path, { as: ADMIN });
    const byAuditor = await api.call<Listed>('GET', path, { as: 'auditor.ann' });
    const first = await api.call<Listed>('GET', `${path}?limit=2`, { as: ADMIN });
    const rest = await api.call<Listed>('GET', `${path}?cursor=${first.body.nextCursor ?? ''}`, {
      as: ADMIN,
    });
    const portability = await api.call<Listed>('GET', `/accounts/${ACCOUNT}/exports`, { as: ADMIN });
    const otherAdmin = await api.call('GET', path, { as: 'admin.acme' });
    const designer = await api.call('GET', path, { as: 'designer.lin' });
    // Assess
    expect(undescribedFields('GET /accounts/{accountId}/audit-exports', 200, all.body)).toEqual([]);
    expect(undescribedFields('GET /accounts/{accountId}/audit-exports', 200, first.body)).toEqual([]);
    const ids = all.body.exports.map((e) => e.exportId);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(ids.every((id) => id.startsWith('aex_'))).toBe(true);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(all.body.exports.every((e) => e.from && e.to && !('download' in e))).toBe(true);
    expect(all.body.exports.map((e) => e.status)).toContain('READY');
    expect(byAuditor.body.exports.map((e) => e.exportId)).toEqual(ids);
    expect([...first.body.exports, ...rest.body.exports].map((e) => e.exportId)).toEqual(ids);
    expect(first.body.exports).toHaveLength(2);
    expect(portability.body.exports.length).toBeGreaterThanOrEqual(1);
    expect(portability.body.exports.every((e) => e.exportId.startsWith('exp_'))).toBe(true);
    expect([otherAdmin.status, designer.status]).toEqual([404, 403]);
    expect(
      (await accountEvents()).some(
        (e) => e.action === 'audit.export-list' && e.outcome === 'DENIED' && e.actorAccountId === 'lab-acme',
      ),
    ).toBe(true);
  });
});
