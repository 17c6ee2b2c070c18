/**
 * Retention, deletion on request and account termination, end to end on a local stack of this
 * file's own (it moves the clock years ahead). Every purge must leave nothing of the order under
 * its prefix, touch nothing outside it, strip PHI from the record, and end in a certificate that
 * verifies with the published key while a tampered copy does not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, localTableName } from '../../common/definitions';
import type { SignedCertificate } from '../../lambdas/domain/certificate';
import { verifyCertificate } from '../../lambdas/domain/certificate';
import { DRAFT_IDLE_DAYS } from '../../lambdas/domain/retention';
import { readConfig } from '../../lambdas/runtime/config';
import { makeS3Client } from '../../lambdas/runtime/sdk/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, putPresigned, sha256Hex } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { claim, draftOrder, handIn, queuedOrder, waitForStatus } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

let stack: LocalStack;
let api: Api;
let ddb: DynamoDBDocumentClient;
let s3: ReturnType<typeof makeS3Client>;
const bucket = BUCKETS.caseFiles.localName;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
  s3 = makeS3Client(readConfig(stack.env));
});

afterAll(async () => {
  await stack?.stop();
});

const keysUnder = async (prefix: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map(
    (o) => o.Key,
  );

const records = async (orderId: string) =>
  (
    await ddb.send(
      new QueryCommand({
        TableName: localTableName('orders'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    )
  ).Items ?? [];

const advance = (body: Record<string, number>) =>
  api.call('POST', '/local/clock/advance', { as: 'operator.omar', body });

/** An order taken all the way to ARCHIVED (design delivered and accepted). */
const archivedOrder = async (as = 'lab.acme', patientRef = 'PT-777') => {
  const { orderId } = await queuedOrder(api, as, { patientRef });
  await claim(api, 'designer.priya');
  await handIn(api, 'designer.priya', orderId, { seed: Math.floor(Math.random() * 1000) });
  await waitForStatus(api, orderId, ['DELIVERED'], as);
  await api.call('POST', `/orders/${orderId}/accept`, { as });
  await waitForStatus(api, orderId, ['ARCHIVED'], as);
  return orderId;
};

const publicKeyPem = async () =>
  (await api.call<{ publicKeyPem: string }>('GET', '/certificates/public-key')).body.publicKeyPem;

describe('purge after retention', () => {
  it('deletes every object of the order, keeps its neighbours, strips PHI, and certifies it', async () => {
    // Prepare: one archived order, and a neighbour archived by a lab with a longer retention (a
    // draft would not do: it expires long before 731 days, see the draft retention test).
    const orderId = await archivedOrder('lab.acme', 'PT-1001');
    const neighbour = await archivedOrder('lab.coast', 'PT-1002');
    const prefix = `orders/${orderId}/`;
    const before = await keysUnder(prefix);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const neighbourKeys = await keysUnder(`orders/${neighbour}/`);
    // Act: retention (730 days) passes; advancing the clock runs the purge sweep.
    await advance({ days: 731 });
    // Assess
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await keysUnder(`orders/${neighbour}/`)).toEqual(neighbourKeys);
    const items = await records(orderId);
    const meta = items.find((i) => i.sk === 'META');
    expect(meta?.status).toBe('PURGED');
    expect(meta).not.toHaveProperty('phi');
    expect(meta).not.toHaveProperty('caseRef');
    expect(items.filter((i) => String(i.sk).startsWith('FILE#')).every((f) => !('nameCipher' in f))).toBe(
      true,
    );
    expect(JSON.stringify(items)).not.toContain('PT-1001');
    const view = await api.call<{ message: string }>('GET', `/orders/${orderId}`, { as: 'lab.acme' });
    expect(view.status).toBe(404);
    // The certificate names every object, verifies with the published key, and a tampered copy fails.
    const cert = await api.call<SignedCertificate>('GET', `/orders/${orderId}/certificate`, {
      as: 'lab.acme',
    });
    expect(cert.status).toBe(200);
    expect(cert.body.certificate).toMatchObject({
      orderId,
      accountId: 'lab-acme',
      reason: 'retention-expired',
    });
    expect(cert.body.certificate.objects.map((o) => o.key).sort()).toEqual([...before].sort());
    expect(Date.parse(cert.body.certificate.backupsClearBy)).toBeGreaterThan(
      Date.parse(cert.body.certificate.deletedAt),
    );
    const pem = await publicKeyPem();
    expect(verifyCertificate(cert.body, pem)).toMatchObject({ valid: true });
    const tampered = structuredClone(cert.body);
    tampered.certificate.objects.pop();
    expect(verifyCertificate(tampered, pem).valid).toBe(false);
    // Another lab cannot fetch it.
    expect((await api.call('GET', `/orders/${orderId}/certificate`, { as: 'lab.bright' })).status).toBe(404);
    // Anyone with the public key verifies it offline with the CLI, which fails loudly on a tampered copy.
    const dir = mkdtempSync(join(tmpdir(), 'caseline-cert-'));
    try {
      writeFileSync(join(dir, 'cert.json'), JSON.stringify(cert.body, null, 2));
      writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
      writeFileSync(join(dir, 'key.pem'), pem);
      const cli = (file: string) =>
        run(
          process.execPath,
          [
            join(ROOT, 'cli', 'caseline.mjs'),
            'verify-certificate',
            join(dir, file),
            '--key',
            join(dir, 'key.pem'),
          ],
          {
            cwd: ROOT,
          },
        ).then(
          (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            out: e.stdout,
            err: e.stderr,
          }),
        );
      const good = await cli('cert.json');
      expect(good.code).toBe(0);
      expect(good.out).toContain(orderId);
      const bad = await cli('tampered.json');
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finishes a purge that crashed halfway on the next sweep', async () => {
    const orderId = await archivedOrder('lab.acme', 'PT-2002');
    const now = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    // A sweep that died after marking the order: PURGING, timer still due.
    await ddb.send(
      new UpdateCommand({
        TableName: localTableName('orders'),
        Key: { pk: `ORDER#${orderId}`, sk: 'META' },
        UpdateExpression: 'SET #s = :s, gsi2pk = :p, gsi2sk = :k',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'PURGING', ':p': 'PURGE#PENDING', ':k': `${now}#${orderId}` },
      }),
    );
    await api.call('POST', '/local/jobs/purgeSweep', { as: 'operator.omar' });
    expect((await records(orderId)).find((i) => i.sk === 'META')?.status).toBe('PURGED');
    expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
    // Idempotent: another sweep finds nothing due and changes nothing.
    const again = await api.call<{ result: { due: number } }>('POST', '/local/jobs/purgeSweep', {
      as: 'operator.omar',
    });
    expect(again.body.result.due).toBe(0);
  });
});

describe('deletion on request', () => {
  it('hides the order at once, lets the lab withdraw in the grace period, then purges on a new request', async () => {
    const orderId = await archivedOrder('lab.acme', 'PT-4004');
    // Act: the lab asks for the whole order to go.
    const requested = await api.call<{ purgeAt: string }>('DELETE', `/orders/${orderId}`, { as: 'lab.acme' });
    expect(requested.status).toBe(202);
    // Assess: hidden from views, listings and downloads at once.
    expect((await api.call('GET', `/orders/${orderId}`, { as: 'lab.acme' })).status).toBe(404);
    const listed = await api.call<{ orders: { orderId: string }[] }>('GET', '/orders?limit=100', {
      as: 'lab.acme',
    });
    expect(listed.body.orders.map((o) => o.orderId)).not.toContain(orderId);
    expect((await api.call('GET', `/orders/${orderId}/deliverables`, { as: 'lab.acme' })).status).toBe(409);
    // Withdrawn within the grace period: visible again, nothing deleted.
    expect((await api.call('DELETE', `/orders/${orderId}/deletion-request`, { as: 'lab.acme' })).status).toBe(
      200,
    );
    expect((await api.call('GET', `/orders/${orderId}`, { as: 'lab.acme' })).status).toBe(200);
    await advance({ days: 31 });
    expect((await records(orderId)).find((i) => i.sk === 'META')?.status).toBe('ARCHIVED');
    // A new request runs its grace period out: purged, with a certificate naming the request.
    await api.call('DELETE', `/orders/${orderId}/files`, { as: 'lab.acme' });
    await advance({ days: 29 });
    expect((await records(orderId)).find((i) => i.sk === 'META')?.status).toBe('ARCHIVED');
    await advance({ days: 2 });
    const cert = await api.call<SignedCertificate>('GET', `/orders/${orderId}/certificate`, {
      as: 'lab.acme',
    });
    expect(cert.body.certificate.reason).toBe('lab-request');
    expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
    expect(verifyCertificate(cert.body, await publicKeyPem())).toMatchObject({ valid: true });
  });

  it('refuses a deletion request before delivery, and another lab gets 404', async () => {
    const { orderId } = await queuedOrder(api, 'lab.acme');
    const early = await api.call<{ code: string }>('DELETE', `/orders/${orderId}/files`, { as: 'lab.acme' });
    expect(early.status).toBe(409);
    expect((await api.call('DELETE', `/orders/${orderId}`, { as: 'lab.bright' })).status).toBe(404);
    // Leave the queue empty for the others.
    const held = await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', held.orderId, { seed: 5 });
    await waitForStatus(api, held.orderId, ['DELIVERED']);
  });
});

describe('account termination', () => {
  it('purges every order of the account, certifies each, and signs one summary', async () => {
    // Prepare: Bright Smile has an archived order and a draft with a scan; Acme has a draft too.
    const archived = await archivedOrder('lab.bright', 'PT-3003');
    const draft = (await queuedOrder(api, 'lab.bright')).orderId;
    const acme = (await draftOrder(api, 'lab.acme')).orderId;
    const acmeKeys = await keysUnder(`orders/${acme}/`);
    // An object under an order id that extends one of Bright's: the classic prefix bug.
    const lookalike = `orders/${archived}x/inputs/a.stl`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: lookalike, Body: 'x' }));
    // A designer holds Bright's open order when the account ends.
    expect((await claim(api, 'designer.marco')).orderId).toBe(draft);
    const slots = async () =>
      (
        await api.call<{ designers: { designerId: string; activeJobs: number }[] }>('GET', '/designers', {
          as: 'operator.omar',
        })
      ).body.designers.find((d) => d.designerId === 'u-des-marco')?.activeJobs;
    expect(await slots()).toBe(1);
    // Act
    expect((await api.call('POST', '/accounts/lab-bright/terminate', { as: 'lab.bright' })).status).toBe(403);
    const res = await api.call<SignedCertificate>('POST', '/accounts/lab-bright/terminate', {
      as: 'operator.omar',
    });
    // Assess
    expect(res.status).toBe(200);
    const summary = res.body.certificate;
    expect(summary).toMatchObject({
      kind: 'account-summary',
      accountId: 'lab-bright',
      reason: 'account-termination',
    });
    const listed = (summary.orderCertificates ?? []).map((c) => c.orderId);
    expect(listed).toEqual(expect.arrayContaining([archived, draft]));
    const pem = await publicKeyPem();
    expect(verifyCertificate(res.body, pem)).toMatchObject({ valid: true });
    for (const orderId of listed) {
      const cert = await api.call<SignedCertificate>('GET', `/orders/${orderId}/certificate`, {
        as: 'lab.bright',
      });
      expect(verifyCertificate(cert.body, pem)).toMatchObject({ valid: true });
    }
    for (const orderId of listed) expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
    expect(await keysUnder(`orders/${acme}/`)).toEqual(acmeKeys);
    expect(await slots()).toBe(0);
    expect((await api.call('GET', '/assignments', { as: 'designer.marco' })).body).toEqual({
      assignments: [],
    });
    // The order whose id starts the same is untouched.
    expect(await keysUnder(`orders/${archived}x/`)).toEqual([lookalike]);
  });
});

/** A draft whose only scan is truncated, submitted: ingest rejects it. */
const rejectedOrder = async (as = 'lab.acme') => {
  const created = await api.call<{ orderId: string }>('POST', '/orders', {
    as,
    body: makeCreateOrderRequest({
      caseRef: `RJ-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    }),
  });
  const { orderId } = created.body;
  const scan = meshBytes('stl-binary-truncated', { triangles: 200, seed: Date.now() % 1000 });
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${orderId}/uploads`,
    { as, body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) } },
  );
  await putPresigned(declared.body.upload, scan);
  await api.call('POST', `/orders/${orderId}/submit`, { as });
  await waitForStatus(api, orderId, ['REJECTED'], as);
  return orderId;
};

const meta = async (orderId: string) => (await records(orderId)).find((i) => i.sk === 'META');

describe('every order state has a retention path', () => {
  it('purges rejected and cancelled orders after their window, and takes a deletion request for a rejected one', async () => {
    // Prepare: two rejected orders (one the lab asks to delete) and a cancelled draft.
    const kept = await rejectedOrder();
    const asked = await rejectedOrder();
    const cancelled = (await draftOrder(api, 'lab.acme')).orderId;
    expect((await api.call('DELETE', `/orders/${cancelled}`, { as: 'lab.acme' })).status).toBe(200);
    for (const orderId of [kept, cancelled]) {
      const m = await meta(orderId);
      expect(m?.gsi2pk).toBe('PURGE#PENDING');
      expect(String(m?.gsi2sk)).toBe(`${m?.purgeAfter}#${orderId}`);
    }
    expect((await keysUnder(`orders/${kept}/`)).length).toBe(1);
    // The lab sees when its rejected order goes.
    const keptView = await api.call<{ purgeAfter?: string }>('GET', `/orders/${kept}`, { as: 'lab.acme' });
    expect(keptView.body.purgeAfter).toBe((await meta(kept))?.purgeAfter);
    // Act: a rejected order can be deleted on request (it used to answer 409).
    const requested = await api.call('DELETE', `/orders/${asked}`, { as: 'lab.acme' });
    expect(requested.status).toBe(202);
    expect((await api.call('GET', `/orders/${asked}`, { as: 'lab.acme' })).status).toBe(404);
    await advance({ days: 31 });
    // Assess: all three purged and certified, scans gone.
    for (const orderId of [kept, asked, cancelled]) {
      expect((await meta(orderId))?.status).toBe('PURGED');
      expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
    }
    const reasonOf = async (orderId: string) =>
      (await api.call<SignedCertificate>('GET', `/orders/${orderId}/certificate`, { as: 'lab.acme' })).body
        .certificate.reason;
    expect(await reasonOf(kept)).toBe('retention-expired');
    expect(await reasonOf(asked)).toBe('lab-request');
    expect(JSON.stringify(await records(cancelled))).not.toContain('PT-00123');
  });

  it('writes a draft on its expiry timer; once idle for DRAFT_IDLE_DAYS it is cancelled and its uploads removed', async () => {
    // Prepare: a draft with a scan, never submitted.
    const { orderId } = await draftOrder(api, 'lab.acme');
    const created = await meta(orderId);
    const expiresAt = new Date(Date.parse(String(created?.createdAt)) + DRAFT_IDLE_DAYS * 86_400_000);
    expect(created).toMatchObject({ status: 'DRAFT', gsi2pk: 'PURGE#PENDING' });
    expect(String(created?.gsi2sk)).toBe(`${expiresAt.toISOString()}#${orderId}`);
    expect((await keysUnder(`orders/${orderId}/`)).length).toBe(1);
    // Act: the window passes; advancing the clock runs the purge sweep.
    await advance({ days: DRAFT_IDLE_DAYS + 1 });
    // Assess: cancelled, uploads gone, the record on the CANCELLED window's timer.
    const m = await meta(orderId);
    expect(m).toMatchObject({ status: 'CANCELLED', closedReason: 'DRAFT_EXPIRED', gsi2pk: 'PURGE#PENDING' });
    expect(String(m?.gsi2sk)).toBe(`${m?.purgeAfter}#${orderId}`);
    expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
  });

  it('never lets a files-only request decide a delivery, hides file names, and keeps the record on the timer', async () => {
    const { orderId } = await queuedOrder(api, 'lab.acme');
    await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', orderId, { seed: 77 });
    await waitForStatus(api, orderId, ['DELIVERED']);
    // A decision is pending: refused, the design neither accepted nor archived.
    for (const path of [`/orders/${orderId}/files`, `/orders/${orderId}`]) {
      const refused = await api.call<{ code: string }>('DELETE', path, { as: 'lab.acme' });
      expect(refused).toMatchObject({ status: 409, body: { code: 'DECISION_PENDING' } });
    }
    const view = await api.call<{ status: string; timeline: { type: string }[] }>(
      'GET',
      `/orders/${orderId}`,
      {
        as: 'lab.acme',
      },
    );
    expect(view.body.status).toBe('DELIVERED');
    expect(view.body.timeline.map((e) => e.type)).not.toContain('ACCEPTED');
    // Decided: the files request is taken and the names disappear from the order at once.
    await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['ARCHIVED']);
    expect(JSON.stringify((await api.call('GET', `/orders/${orderId}`, { as: 'lab.acme' })).body)).toContain(
      'scan.stl',
    );
    expect((await api.call('DELETE', `/orders/${orderId}/files`, { as: 'lab.acme' })).status).toBe(202);
    const hiddenView = await api.call<{ files: unknown[] }>('GET', `/orders/${orderId}`, { as: 'lab.acme' });
    expect(hiddenView.body.files).toEqual([]);
    expect(JSON.stringify(hiddenView.body)).not.toContain('scan.stl');
    // After the grace period: files purged, the record back on the PURGE timer at its retention date.
    await advance({ days: 31 });
    expect(await keysUnder(`orders/${orderId}/`)).toEqual([]);
    const m = await meta(orderId);
    expect(m).toMatchObject({ status: 'ARCHIVED', gsi2pk: 'PURGE#PENDING' });
    expect(m?.filesPurgedAt).toBeDefined();
    expect(String(m?.gsi2sk)).toBe(`${m?.purgeAfter}#${orderId}`);
    // The lab still sees the order, without files; the deliverables are gone, with a reason.
    const after = await api.call<{ status: string; files: unknown[] }>('GET', `/orders/${orderId}`, {
      as: 'lab.acme',
    });
    expect(after.body).toMatchObject({ status: 'ARCHIVED', files: [] });
    const gone = await api.call<{ code: string }>('GET', `/orders/${orderId}/deliverables`, {
      as: 'lab.acme',
    });
    expect(gone).toMatchObject({ status: 409, body: { code: 'FILES_PURGED' } });
  });
});

describe('account termination refusals and resumption', () => {
  it('refuses an unknown account and the staff account, and answers 404 for an unknown policy', async () => {
    const unknown = await api.call('POST', '/accounts/lab-nowhere/terminate', { as: 'operator.omar' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).not.toHaveProperty('signature');
    const staff = await api.call<{ code: string }>('POST', '/accounts/caseline/terminate', {
      as: 'operator.omar',
    });
    expect(staff).toMatchObject({ status: 409, body: { code: 'STAFF_ACCOUNT' } });
    expect((await api.call('GET', '/accounts/lab-nowhere/policy', { as: 'operator.omar' })).status).toBe(404);
  });

  it('a terminated lab cannot create orders; one killed midway is finished by the purge sweep', async () => {
    // lab-bright was terminated above.
    const refused = await api.call<{ code: string }>('POST', '/orders', {
      as: 'lab.bright',
      body: makeCreateOrderRequest({ caseRef: 'AFTER-END-1' }),
    });
    expect(refused).toMatchObject({ status: 409, body: { code: 'ACCOUNT_TERMINATED' } });
    // Coast: a draft, then a termination killed right after it was recorded.
    const draft = (await draftOrder(api, 'lab.coast')).orderId;
    const now = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    await ddb.send(
      new UpdateCommand({
        TableName: localTableName('accounts'),
        Key: { accountId: 'lab-coast', sk: 'ACCOUNT' },
        UpdateExpression: 'SET accountStatus = :s, terminationStartedAt = :at, gsi2pk = :p, gsi2sk = :k',
        ExpressionAttributeValues: {
          ':s': 'TERMINATING',
          ':at': now,
          ':p': 'TERMINATION#PENDING',
          ':k': `${now}#lab-coast`,
        },
      }),
    );
    expect(
      (
        await api.call('POST', '/orders', {
          as: 'lab.coast',
          body: makeCreateOrderRequest({ caseRef: 'MID-1' }),
        })
      ).status,
    ).toBe(409);
    // Act
    await api.call('POST', '/local/jobs/purgeSweep', { as: 'operator.omar' });
    // Assess: finished, with a summary; a re-run returns that same summary.
    expect((await meta(draft))?.status).toBe('PURGED');
    expect(await keysUnder(`orders/${draft}/`)).toEqual([]);
    const policy = await api.call<{ status: string }>('GET', '/accounts/lab-coast/policy', {
      as: 'operator.omar',
    });
    expect(policy.body.status).toBe('TERMINATED');
    const again = await api.call<SignedCertificate>('POST', '/accounts/lab-coast/terminate', {
      as: 'operator.omar',
    });
    expect(again.status).toBe(200);
    expect(again.body.certificate.orderCertificates?.map((c) => c.orderId)).toContain(draft);
    expect(verifyCertificate(again.body, await publicKeyPem())).toMatchObject({ valid: true });
    const settings = (
      await ddb.send(
        new QueryCommand({
          TableName: localTableName('accounts'),
          KeyConditionExpression: 'accountId = :a AND sk = :sk',
          ExpressionAttributeValues: { ':a': 'lab-coast', ':sk': 'ACCOUNT' },
        }),
      )
    ).Items?.[0];
    expect(settings?.certificateId).toBe(again.body.certificate.certificateId);
    // The security contacts' personal data goes with the account's data.
    expect(settings?.contacts).toEqual([]);
  });
});
