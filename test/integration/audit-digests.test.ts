/**
 * Signed audit digests end to end on a local stack of this file's own: audit events written by the
 * API are sealed by the sealer job, an auditor fetches an account's events and digests with the
 * CLI, and `caseline verify-audit` accepts them, and refuses, naming the failing item, every kind
 * of tampering an operator with table access (or whoever holds the files) could try. Events are
 * sealed by write order: one written late, or claiming a time before the last digest, still lands
 * in exactly one digest, and so do 50 written concurrently with a sealing run.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DeleteObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, localTableName, SEQUENCE_KEY } from '../../common/definitions';
import {
  type AccountDigest,
  type GlobalDigest,
  sequencePartition,
  sequenceSortKey,
} from '../../lambdas/domain/audit-digest';
import { readConfig } from '../../lambdas/runtime/config';
import { makeS3Client } from '../../lambdas/runtime/sdk/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api } from '../support/api';
import { localDocumentClient } from '../support/local-clients';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'caseline-audit-'));
const keyFile = join(work, 'audit-key.json');

let stack: LocalStack;
let api: Api;
let ddb: DynamoDBDocumentClient;
let from: string;
let to: string;
const AUDIT = localTableName('audit');

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

const seal = async () => {
  const res = await api.call<{ ok: boolean; result?: { sealed: boolean; digestNo: number } }>(
    'POST',
    '/local/jobs/sealAudit',
    { as: 'operator.omar' },
  );
  expect(res.body.ok).toBe(true);
  expect(res.body.result?.sealed).toBe(true);
  return res.body.result as { sealed: true; digestNo: number };
};

/** One audit event per call: a lab listing its orders is audited against its account. */
const audited = async (as: string, n: number) => {
  for (let i = 0; i < n; i++) expect((await api.call('GET', '/orders', { as })).status).toBe(200);
};

const acmeEvents = async () =>
  (
    await ddb.send(
      new QueryCommand({
        TableName: AUDIT,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#lab-acme' },
      }),
    )
  ).Items ?? [];

let dirCount = 0;
/** The account's events and digests for the range, fetched by an auditor with the CLI. */
const fetchDir = async (accountId = 'lab-acme', range = { from, to }) => {
  const dir = join(work, `fetch-${dirCount++}`);
  const res = await caselineAs(
    'auditor.ann',
    'audit-fetch',
    '--account',
    accountId,
    '--from',
    range.from,
    '--to',
    range.to,
    '--out',
    dir,
  );
  expect(res.code, res.stderr).toBe(0);
  return dir;
};

const verify = (dir: string) => caselineAs(undefined, 'verify-audit', dir, '--key', keyFile);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
  from = new Date(Date.now() - 60_000).toISOString();
  // Three runs: acme in each, bright in the first two; the third run starts the clock an hour on.
  await audited('lab.acme', 4);
  await audited('lab.bright', 2);
  await seal();
  await audited('lab.acme', 3);
  await audited('lab.bright', 1);
  await seal();
  await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { hours: 1 } });
  await audited('lab.acme', 2);
  await seal();
  to = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
  writeFileSync(keyFile, JSON.stringify((await api.call('GET', '/audit/public-key')).body));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('audit digests: sealed, fetched, verified offline', () => {
  it('every run writes a global digest (even an empty one) and account digests for accounts with events, in the Object Lock bucket', async () => {
    const empty = await seal();
    const s3 = makeS3Client(readConfig(stack.env));
    const { Versions = [] } = await s3.send(
      new ListObjectVersionsCommand({ Bucket: BUCKETS.auditDigests.localName }),
    );
    const keys = Versions.map((v) => v.Key ?? '');
    expect(keys.filter((k) => k.startsWith('global/')).length).toBeGreaterThanOrEqual(empty.digestNo);
    expect(keys.filter((k) => k.startsWith('accounts/lab-acme/'))).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith('accounts/lab-bright/'))).toHaveLength(2);
    // Compliance mode: nobody deletes a digest version before its retention ends.
    const locked = Versions.find((v) => v.Key?.startsWith('global/'));
    await expect(
      s3.send(
        new DeleteObjectCommand({
          Bucket: BUCKETS.auditDigests.localName,
          Key: locked?.Key,
          VersionId: locked?.VersionId,
        }),
      ),
    ).rejects.toThrow();
  });

  it('verify-audit accepts an untouched fetch and says what it checked', async () => {
    const dir = await fetchDir();
    const res = await verify(dir);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^OK: 9 events of lab-acme in 3 account digests/);
  });

  it('refuses a directory checked against another key', async () => {
    const dir = await fetchDir();
    const other = join(work, 'certificate-key.json');
    writeFileSync(other, JSON.stringify((await api.call('GET', '/certificates/public-key')).body));
    const res = await caselineAs(undefined, 'verify-audit', dir, '--key', other);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/signed by another key/);
  });
});

describe('tampering in the table (as an operator with table access would), each named by verify-audit', () => {
  let restore: Record<string, unknown>[] = [];
  let remove: Record<string, unknown>[] = [];
  afterEach(async () => {
    for (const Item of restore) await ddb.send(new PutCommand({ TableName: AUDIT, Item }));
    for (const Key of remove) await ddb.send(new DeleteCommand({ TableName: AUDIT, Key }));
    restore = [];
    remove = [];
    expect((await verify(await fetchDir())).code).toBe(0);
  });

  it('an event edited', async () => {
    const [event] = await acmeEvents();
    if (!event) throw new Error('no event');
    restore.push(event);
    await ddb.send(
      new UpdateCommand({
        TableName: AUDIT,
        Key: { pk: event.pk, sk: event.sk },
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': event.outcome === 'DENIED' ? 'ALLOWED' : 'DENIED' },
      }),
    );
    const res = await verify(await fetchDir());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`event ${event.eventId} (seq ${event.seq}) does not match its hash`);
  });

  it('an event deleted', async () => {
    const events = await acmeEvents();
    const event = events[2];
    if (!event) throw new Error('no event');
    restore.push(event);
    await ddb.send(new DeleteCommand({ TableName: AUDIT, Key: { pk: event.pk, sk: event.sk } }));
    const res = await verify(await fetchDir());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`event ${event.eventId} (seq ${event.seq}`);
    expect(res.stderr).toContain('is missing: deleted');
  });

  it('an event inserted (with a write-order number another account’s event holds)', async () => {
    const [event] = await acmeEvents();
    if (!event) throw new Error('no event');
    const forged: Record<string, unknown> = {
      ...event,
      eventId: 'aud_forged000000000000000000',
      sk: `${event.at}#aud_forged000000000000000000`,
      gsi1sk: `${event.at}#aud_forged000000000000000000`,
      seq: 5,
      gsi2pk: sequencePartition(5),
      gsi2sk: sequenceSortKey(5),
    };
    remove.push({ pk: forged.pk, sk: forged.sk });
    await ddb.send(new PutCommand({ TableName: AUDIT, Item: forged }));
    const res = await verify(await fetchDir());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('event aud_forged000000000000000000 (seq 5) is in no digest: inserted');
  });

  it('two events swapped (their write-order places exchanged)', async () => {
    const events = await acmeEvents();
    const [a, b] = [events[0], events[1]];
    if (!a || !b) throw new Error('no events');
    restore.push(a, b);
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      await ddb.send(
        new UpdateCommand({
          TableName: AUDIT,
          Key: { pk: x.pk, sk: x.sk },
          UpdateExpression: 'SET seq = :s, gsi2pk = :p, gsi2sk = :k',
          ExpressionAttributeValues: { ':s': y.seq, ':p': y.gsi2pk, ':k': y.gsi2sk },
        }),
      );
    }
    const res = await verify(await fetchDir());
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /event aud_\w+ \(seq \d+\) does not match its hash in account digest #1: edited or swapped/,
    );
  });
});

describe('tampering with the fetched files, each named by verify-audit', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = await fetchDir();
  });
  const copy = () => {
    const dir = join(work, `copy-${dirCount++}`);
    cpSync(pristine, dir, { recursive: true });
    return dir;
  };
  const files = (dir: string, kind: 'global' | 'accounts') =>
    readdirSync(join(dir, 'digests', kind))
      .sort()
      .map((f) => join(dir, 'digests', kind, f));

  it('a global digest deleted', async () => {
    const dir = copy();
    const globals = files(dir, 'global');
    const middle = globals[1] as string;
    const removed = JSON.parse(readFileSync(middle, 'utf8')) as GlobalDigest;
    rmSync(middle);
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`global digest #${removed.digestNo} is missing`);
  });

  it('a digest edited', async () => {
    const dir = copy();
    const file = files(dir, 'accounts')[0] as string;
    const digest = JSON.parse(readFileSync(file, 'utf8')) as AccountDigest;
    writeFileSync(
      file,
      JSON.stringify({ ...digest, count: digest.count - 1, events: digest.events.slice(1) }),
    );
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`account digest #${digest.digestNo} signature does not match its content`);
  });

  it('the last runs removed, with their digests and events: the range is not covered', async () => {
    const dir = copy();
    const globals = files(dir, 'global');
    const last = JSON.parse(readFileSync(globals.at(-1) as string, 'utf8')) as GlobalDigest;
    const kept = JSON.parse(readFileSync(globals.at(-2) as string, 'utf8')) as GlobalDigest;
    rmSync(globals.at(-1) as string);
    writeFileSync(
      join(dir, 'range.json'),
      JSON.stringify({ accountId: 'lab-acme', from, to: last.window.to }),
    );
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`the digests end at ${kept.window.to}`);
    expect(res.stderr).toContain(`global digest #${last.digestNo} is missing`);
  });

  it('a whole hour of one account removed (its digest and its events)', async () => {
    const dir = copy();
    const file = files(dir, 'accounts')[2] as string;
    const digest = JSON.parse(readFileSync(file, 'utf8')) as AccountDigest;
    rmSync(file);
    const gone = new Set(digest.events.map((e) => e.eventId));
    const eventsFile = join(dir, 'events.jsonl');
    writeFileSync(
      eventsFile,
      readFileSync(eventsFile, 'utf8')
        .split('\n')
        .filter((line) => line && !gone.has((JSON.parse(line) as { eventId: string }).eventId))
        .map((line) => `${line}\n`)
        .join(''),
    );
    const res = await verify(dir);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `account digest #${digest.digestNo} of lab-acme is missing (global digest #${digest.digestNo} lists one)`,
    );
  });
});

describe('sealing by write order', () => {
  const leavesOf = async (accountId: string, range: { from: string; to: string }) => {
    const dir = await fetchDir(accountId, range);
    const accounts = files(dir);
    return { dir, leaves: accounts.flatMap((d) => d.events.map((e) => ({ ...e, digestNo: d.digestNo }))) };
  };
  const files = (dir: string) =>
    readdirSync(join(dir, 'digests', 'accounts')).map(
      (f) => JSON.parse(readFileSync(join(dir, 'digests', 'accounts', f), 'utf8')) as AccountDigest,
    );

  it('a number taken before a run and written after it, claiming a time before the last digest, is sealed once, by the next run', async () => {
    const start = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    // A write in flight: its number taken from the counter, its put not yet made.
    const { Attributes } = await ddb.send(
      new UpdateCommand({
        TableName: localTableName('auditSequence'),
        Key: { pk: SEQUENCE_KEY },
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'next' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Attributes?.next as number;
    await audited('lab.coast', 1);
    const first = await seal();
    // The late put lands now, claiming a time an hour before the run that skipped it.
    const at = new Date(Date.parse(start) - 3_600_000).toISOString();
    const eventId = 'aud_late00000000000000000000';
    await ddb.send(
      new PutCommand({
        TableName: AUDIT,
        Item: {
          pk: 'ACCOUNT#lab-coast',
          sk: `${at}#${eventId}`,
          gsi1pk: 'ACTOR#late-writer',
          gsi1sk: `${at}#${eventId}`,
          gsi2pk: sequencePartition(seq),
          gsi2sk: sequenceSortKey(seq),
          eventId,
          at,
          accountId: 'lab-coast',
          actorSub: 'late-writer',
          actorRole: 'lab',
          actorAccountId: 'lab-coast',
          action: 'order.list',
          outcome: 'ALLOWED',
          sourceIp: '127.0.0.1',
          seq,
        },
      }),
    );
    const second = await seal();
    const end = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    await seal();
    const { dir, leaves } = await leavesOf('lab-coast', { from: at, to: end });
    const late = leaves.filter((l) => l.seq === seq);
    expect(late).toEqual([expect.objectContaining({ eventId, digestNo: second.digestNo })]);
    expect(second.digestNo).toBe(first.digestNo + 1);
    const res = await verify(dir);
    expect(res.code, res.stderr).toBe(0);
  });

  it('50 concurrent audit writes spanning a sealing run: every event in exactly one digest', async () => {
    const start = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    let done = 0;
    const writes = Array.from({ length: 50 }, () =>
      api.call('GET', '/orders', { as: 'lab.coast' }).then((r) => {
        done++;
        return r.status;
      }),
    );
    // The run starts while the writes are in flight (some done, some not).
    while (done < 10) await new Promise((r) => setTimeout(r, 5));
    await seal();
    expect(await Promise.all(writes)).toEqual(Array(50).fill(200));
    await seal();
    const end = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    await seal();
    const written = (
      await ddb.send(
        new QueryCommand({
          TableName: AUDIT,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':pk': 'ACCOUNT#lab-coast', ':a': start, ':b': `${end}$` },
        }),
      )
    ).Items?.map((i) => i.eventId as string);
    expect(written).toHaveLength(50);
    const { dir, leaves } = await leavesOf('lab-coast', { from: start, to: end });
    const counts = new Map<string, number>();
    for (const leaf of leaves) counts.set(leaf.eventId, (counts.get(leaf.eventId) ?? 0) + 1);
    for (const id of written ?? []) expect(counts.get(id), id).toBe(1);
    const res = await verify(dir);
    expect(res.code, res.stderr).toBe(0);
  });
});

describe("the auditor's view: GET /audit/events and /audit/digests", () => {
  it('an auditor reads any account by account and by actor, paged from the key and the byActor index', async () => {
    const first = await api.call<{ events: { eventId: string; accountId: string }[]; cursor?: string }>(
      'GET',
      `/audit/events?accountId=lab-bright&limit=2`,
      { as: 'auditor.ann' },
    );
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(2);
    expect(first.body.events.every((e) => e.accountId === 'lab-bright')).toBe(true);
    const next = await api.call<{ events: { eventId: string }[] }>(
      'GET',
      `/audit/events?accountId=lab-bright&limit=2&cursor=${first.body.cursor}`,
      { as: 'auditor.ann' },
    );
    expect(next.status).toBe(200);
    const ids = [...first.body.events, ...next.body.events].map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    const [anyBright] = first.body.events as unknown as { actorSub: string }[];
    const byActor = await api.call<{ events: { actorSub: string }[] }>(
      'GET',
      `/audit/events?actor=${anyBright?.actorSub}`,
      { as: 'auditor.ann' },
    );
    expect(byActor.status).toBe(200);
    expect(byActor.body.events.length).toBeGreaterThan(0);
    expect(byActor.body.events.every((e) => e.actorSub === anyBright?.actorSub)).toBe(true);
  });

  it('every read of the trail is itself audited, against the account read', async () => {
    const before = (await acmeEvents()).filter((e) => e.action === 'audit.read').length;
    await api.call('GET', '/audit/events?accountId=lab-acme', { as: 'auditor.ann' });
    const after = (await acmeEvents()).filter((e) => e.action === 'audit.read');
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ actorRole: 'auditor', outcome: 'ALLOWED' });
  });

  it.each([
    ['lab.acme', 'a lab user, even on its own account'],
    ['designer.priya', 'a designer'],
    ['operator.omar', 'an operator'],
  ])('%s (%s) gets 403, and the refusal is audited', async (username) => {
    for (const path of ['/audit/events?accountId=lab-acme', '/audit/digests?accountId=lab-acme']) {
      const res = await api.call('GET', path, { as: username });
      expect(res.status, path).toBe(403);
    }
    const refusals = (await acmeEvents()).filter(
      (e) => e.action === 'access.forbidden' && String(e.route).startsWith('GET /audit/'),
    );
    expect(refusals.length).toBeGreaterThan(0);
  });

  it('refuses a forged cursor and a bad range with a field-level 400', async () => {
    const forged = Buffer.from('lab-bright|2026-01-01T00:00:00.000Z#aud_x', 'utf8').toString('base64url');
    const res = await api.call<{ fields: { field: string }[] }>(
      'GET',
      `/audit/events?accountId=lab-acme&cursor=${forged}`,
      { as: 'auditor.ann' },
    );
    expect(res.status).toBe(400);
    expect(res.body.fields[0]?.field).toBe('cursor');
    const range = await api.call<{ fields: { field: string }[] }>(
      'GET',
      '/audit/events?accountId=lab-acme&from=yesterday',
      { as: 'auditor.ann' },
    );
    expect(range.status).toBe(400);
    expect(range.body.fields[0]?.field).toBe('from');
  });
});

describe('without Caseline: the openssl and jq recipe of docs/audit.md', () => {
  const sh = (script: string, cwd: string) => {
    const r = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
    return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
  };

  it('verifies a digest signature, its chain link and an event hash; a changed digest fails', async () => {
    const dir = await fetchDir();
    writeFileSync(join(dir, 'audit-key.json'), readFileSync(keyFile));
    const globals = readdirSync(join(dir, 'digests', 'global')).sort();
    const accounts = readdirSync(join(dir, 'digests', 'accounts')).sort();
    const D = `digests/accounts/${accounts[0]}`;
    const signature = [
      'jq -r .publicKeyPem audit-key.json > audit-key.pem',
      `jq -cS 'del(.signature.value)' "${D}" | tr -d '\\n' > signed.json`,
      `jq -r .signature.value "${D}" | base64 -d > signature.der`,
      'openssl dgst -sha256 -verify audit-key.pem -signature signature.der signed.json',
    ].join(' && ');
    expect(sh(signature, dir)).toEqual({ code: 0, out: 'Verified OK' });

    const G = `digests/global/${globals[0]}`;
    const link = sh(
      `jq -cS 'del(.signature.value)' "${G}" | tr -d '\\n' | openssl dgst -sha256 -r | cut -d' ' -f1; jq -r .previous.sha256 "digests/global/${globals[1]}"`,
      dir,
    ).out.split('\n');
    expect(link[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(link[1]).toBe(link[0]);

    const digest = JSON.parse(readFileSync(join(dir, D), 'utf8')) as AccountDigest;
    const firstEvent = JSON.parse(
      readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')[0] as string,
    ) as {
      seq: number;
    };
    const hash = sh(
      `sed -n 1p events.jsonl | jq -cS . | tr -d '\\n' | openssl dgst -sha256 -r | cut -d' ' -f1`,
      dir,
    );
    expect(hash.out).toBe(digest.events.find((e) => e.seq === firstEvent.seq)?.sha256);

    writeFileSync(join(dir, D), JSON.stringify({ ...digest, count: digest.count + 1 }));
    const refused = sh(signature, dir);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('Verification failure');
  });
});
