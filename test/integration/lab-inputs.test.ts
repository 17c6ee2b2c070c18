/**
 * A lab's links to its own input scans (GET /orders/{orderId}/inputs) over the wire: the bytes it
 * uploaded come back (a draft's scan as it stands, a checked scan at the version ingest checked),
 * each link is on the account's audit trail, another lab gets the same 404 as a missing order, and
 * files asked to be deleted, purged or removed with a cancelled draft are refused with a 409. This
 * file runs its own local stack: it claims from the queue and moves the clock a month ahead.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, putPresigned, sha256Hex } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { claim, draftOrder, handIn, waitForStatus } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';

interface InputLinks {
  orderId: string;
  expiresAt: string;
  files: { fileId: string; format: string; sizeBytes: number; sha256: string; url: string }[];
}
type Refusal = { code?: string; message: string; requestId?: string };

let stack: LocalStack;
let api: Api;
let ddb: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
});

afterAll(async () => {
  await stack?.stop();
});

const inputs = <T = InputLinks>(orderId: string, as = 'lab.acme') =>
  api.call<T>('GET', `/orders/${orderId}/inputs`, { as });

const download = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

const acmeAudit = async () =>
  (
    await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#lab-acme' },
      }),
    )
  ).Items ?? [];

let seed = 9090;

/** A draft with one scan uploaded and completed (as the console does), not submitted. */
const completedDraft = async () => {
  const created = await api.call<{ orderId: string }>('POST', '/orders', {
    as: 'lab.acme',
    body: makeCreateOrderRequest({ caseRef: `LI-${Date.now().toString(36)}-${seed}` }),
  });
  const { orderId } = created.body;
  // A scan of its own each time: the same bytes twice in one account are refused as a duplicate.
  const scan = meshBytes('stl-binary', { triangles: 240, seed: ++seed });
  const declared = await api.call<{
    fileId: string;
    upload: { url: string; headers: Record<string, string> };
  }>('POST', `/orders/${orderId}/uploads`, {
    as: 'lab.acme',
    body: { name: 'upper.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
  });
  expect((await putPresigned(declared.body.upload, scan)).status).toBe(200);
  const done = await api.call('POST', `/orders/${orderId}/uploads/${declared.body.fileId}/complete`, {
    as: 'lab.acme',
    body: {},
  });
  expect(done.status).toBe(200);
  return { orderId, scan, fileId: declared.body.fileId };
};

describe('GET /orders/{orderId}/inputs', () => {
  it('hands the lab its own scan, audited, before and after ingest checked it', async () => {
    // Prepare
    const { orderId, scan, fileId } = await completedDraft();

    // Act: the draft's scan, then the same scan once submitted and checked.
    const draft = await inputs(orderId);
    await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['QUEUED']);
    const queued = await inputs(orderId);

    // Assess: the bytes it uploaded, the checked one pinned to a version; one audit event per link.
    expect(draft.status).toBe(200);
    expect(draft.body.files.map((f) => [f.fileId, f.format, f.sizeBytes])).toEqual([
      [fileId, 'stl', scan.length],
    ]);
    expect(sha256Hex(await download(draft.body.files[0]?.url ?? ''))).toBe(sha256Hex(scan));
    expect(queued.status).toBe(200);
    const pinned = queued.body.files[0]?.url ?? '';
    expect(new URL(pinned).searchParams.get('versionId')).toBeTruthy();
    expect(Number(new URL(pinned).searchParams.get('X-Amz-Expires'))).toBe(900);
    expect((await download(pinned)).equals(scan)).toBe(true);
    const allowed = (await acmeAudit()).filter(
      (e) => e.action === 'order.inputs' && e.outcome === 'ALLOWED' && e.orderId === orderId,
    );
    expect(allowed.map((e) => [e.orderId, e.fileId, e.actorSub])).toEqual([
      [orderId, fileId, 'u-lab-acme-1'],
      [orderId, fileId, 'u-lab-acme-1'],
    ]);
  });

  it("answers another lab exactly as a missing order, audits it, and admits the account's lab-admin", async () => {
    const { orderId } = await completedDraft();
    const ghost = `ord_${'0'.repeat(12)}${randomBytes(8).toString('hex')}`;

    const foreign = await inputs<Refusal>(orderId, 'lab.bright');
    const missing = await inputs<Refusal>(ghost, 'lab.bright');
    const designer = await inputs<Refusal>(orderId, 'designer.priya');
    const admin = await inputs(orderId, 'admin.acme');

    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const { requestId: _a, ...f } = foreign.body;
    const { requestId: _b, ...m } = missing.body;
    expect(JSON.parse(JSON.stringify(f).replaceAll(orderId, 'X'))).toEqual(
      JSON.parse(JSON.stringify(m).replaceAll(ghost, 'X')),
    );
    expect(designer.status).toBe(403);
    expect(admin.status).toBe(200);
    expect(admin.body.files).toHaveLength(1);
    const denied = (await acmeAudit()).filter(
      (e) => e.action === 'order.inputs' && e.outcome === 'DENIED' && e.orderId === orderId,
    );
    expect(denied.map((e) => [e.orderId, e.actorAccountId, e.reason])).toEqual([
      [orderId, 'lab-bright', 'NOT_OWNER'],
    ]);
  });

  it('refuses files asked to be deleted, then purged, and a cancelled draft (409)', async () => {
    // Prepare: an order taken to ARCHIVED, and a cancelled draft.
    const { orderId } = await completedDraft();
    await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['QUEUED']);
    // The first test's order waits in the queue ahead of it: handed in too, to reach this one.
    for (let held = await claim(api, 'designer.priya'); held.orderId !== orderId; ) {
      expect((await handIn(api, 'designer.priya', held.orderId, { seed: 30 })).status).toBe(202);
      held = await claim(api, 'designer.priya');
    }
    expect((await handIn(api, 'designer.priya', orderId, { seed: 31 })).status).toBe(202);
    await waitForStatus(api, orderId, ['DELIVERED']);
    await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['ARCHIVED']);
    expect((await inputs(orderId)).status).toBe(200);
    const cancelled = (await draftOrder(api, 'lab.acme')).orderId;
    expect((await api.call('DELETE', `/orders/${cancelled}`, { as: 'lab.acme' })).status).toBe(200);
    const removed = await inputs<Refusal>(cancelled);
    expect([removed.status, removed.body.code]).toEqual([409, 'FILES_REMOVED']);

    // Act + Assess: asked to delete, then the grace period (30 days) runs out and the purge runs.
    expect((await api.call('DELETE', `/orders/${orderId}/files`, { as: 'lab.acme' })).status).toBe(202);
    const asked = await inputs<Refusal>(orderId);
    expect([asked.status, asked.body.code]).toEqual([409, 'DELETION_REQUESTED']);
    await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { days: 31 } });
    const purged = await inputs<Refusal>(orderId);
    expect([purged.status, purged.body.code]).toEqual([409, 'FILES_PURGED']);
    expect(purged.body.message).toContain(`/orders/${orderId}/certificate`);
  });
});
