/**
 * The design half of the workflow end to end, over HTTP: claim, inputs, hand-in, QA, delivery,
 * deliverables, accept and archive; revisions; leases; auto-accept; turnaround alerts; claims
 * under concurrency. This file runs its own local stack, because it moves the clock and drains
 * the queue, which would disturb the shared stack's other tests.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, eventually, waitForOutbox } from '../support/api';
import { claim, handIn, queuedOrder, viewOf, waitForStatus } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';

let stack: LocalStack;
let api: Api;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const outbox = async (topic: string) =>
  (await api.call<{ message: string }[]>('GET', `/local/outbox?topic=${topic}`)).body.map((m) => m.message);

const advance = (body: Record<string, number>) =>
  api.call<{ jobs: { job: string; ok: boolean; result: unknown }[] }>('POST', '/local/clock/advance', {
    as: 'operator.omar',
    body,
  });

describe('design lifecycle', () => {
  it('takes an order from the queue to a delivered, accepted and archived design', async () => {
    // Prepare
    const { orderId, scan } = await queuedOrder(api);
    // Act: a designer claims it and sees only the prescription and the pseudonym.
    const assignment = (await claim(api, 'designer.priya')) as unknown as Record<string, unknown>;
    expect(assignment.orderId).toBe(orderId);
    expect(assignment).toHaveProperty('patientRef');
    expect(assignment).not.toHaveProperty('caseRef');
    expect(assignment).not.toHaveProperty('accountId');
    // ...downloads the inputs through short-lived URLs...
    const inputs = await api.call<{ files: { url: string; sha256: string }[] }>(
      'GET',
      `/assignments/${orderId}/inputs`,
      {
        as: 'designer.priya',
      },
    );
    expect(inputs.status).toBe(200);
    const downloaded = Buffer.from(await (await fetch(inputs.body.files[0]?.url ?? '')).arrayBuffer());
    expect(downloaded.equals(scan)).toBe(true);
    expect(new URL(inputs.body.files[0]?.url ?? '').searchParams.get('X-Amz-Expires')).toBe('900');
    // ...and hands a design in.
    const submitted = await handIn(api, 'designer.priya', orderId);
    expect(submitted.body).toMatchObject({ status: 'QA', version: 1 });
    // Assess: QA passes, the lab is told, and the deliverables carry the version.
    await waitForStatus(api, orderId, ['DELIVERED']);
    // Published after the status is written: wait for it rather than read the outbox once.
    const told = await waitForOutbox(
      api,
      'caseline-notifications',
      (m) => m.includes(orderId) && m.includes('order.delivered'),
    );
    expect(told).toContain(orderId);
    const deliverables = await api.call<{
      version: number;
      versions: number[];
      files: { format: string; url: string }[];
    }>('GET', `/orders/${orderId}/deliverables`, { as: 'lab.acme' });
    expect(deliverables.body.version).toBe(1);
    expect(deliverables.body.files.map((f) => f.format).sort()).toEqual(['pdf', 'stl']);
    expect((await fetch(deliverables.body.files[0]?.url ?? '')).status).toBe(200);
    // The lab accepts: archived with a purge date from the account's retention (730 days by default).
    expect((await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' })).status).toBe(200);
    const archived = (await waitForStatus(api, orderId, ['ARCHIVED'])) as unknown as {
      archivedAt: string;
      purgeAfter: string;
    };
    const full = await viewOf<{ archivedAt: string; purgeAfter: string; timeline: { type: string }[] }>(
      api,
      orderId,
    );
    expect(Math.round((Date.parse(full.purgeAfter) - Date.parse(full.archivedAt)) / 86_400_000)).toBe(730);
    expect(full.timeline.map((t) => t.type)).toEqual(
      expect.arrayContaining(['QUEUED', 'ASSIGNED', 'DESIGN_SUBMITTED', 'DELIVERED', 'ACCEPTED', 'ARCHIVED']),
    );
    expect(archived).toBeDefined();
  });

  it('sends a revision back to the same designer first, and numbers every version', async () => {
    const { orderId } = await queuedOrder(api, 'lab.acme', {
      items: [{ type: 'crown', teeth: [46], material: 'zirconia', shade: 'A3' }],
    });
    const first = await claim(api, 'designer.priya');
    expect(first.orderId).toBe(orderId);
    await handIn(api, 'designer.priya', orderId, { seed: 2 });
    await waitForStatus(api, orderId, ['DELIVERED']);
    // Act
    const bad = await api.call<{ fields: { field: string }[] }>('POST', `/orders/${orderId}/revisions`, {
      as: 'lab.acme',
      body: { reason: 'colour', comment: 'call 555-201-3344' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.field)).toEqual(['reason', 'comment']);
    const revised = await api.call<{ revision: number }>('POST', `/orders/${orderId}/revisions`, {
      as: 'lab.acme',
      body: { reason: 'contacts', comment: 'Open the distal contact slightly.' },
    });
    expect(revised.status).toBe(202);
    // Assess: offered first to priya; marco, who could make crowns, is not offered it.
    await waitForStatus(api, orderId, ['QUEUED']);
    // It sits in priya's offer lane of the queue index (and nowhere else) before anyone claims.
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    await eventually(async () => {
      const { Item } = await ddb.send(
        new GetCommand({ TableName: 'caseline-orders', Key: { pk: `ORDER#${orderId}`, sk: 'META' } }),
      );
      return Item?.gsi3pk === 'OFFER#u-des-priya' ? true : undefined;
    });
    const marco = await api.call('POST', '/queue/claim', { as: 'designer.marco' });
    expect(marco.status).toBe(204);
    const again = (await claim(api, 'designer.priya')) as unknown as {
      orderId: string;
      revision: number;
      notes: string;
      version: number;
    };
    expect(again).toMatchObject({ orderId, revision: 1, version: 2 });
    expect(again.notes).toContain('Open the distal contact slightly.');
    await handIn(api, 'designer.priya', orderId, { seed: 3 });
    await waitForStatus(api, orderId, ['DELIVERED']);
    const deliverables = await api.call<{ version: number; versions: number[] }>(
      'GET',
      `/orders/${orderId}/deliverables`,
      { as: 'lab.acme' },
    );
    expect(deliverables.body).toMatchObject({ version: 2, versions: [1, 2] });
    await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['ARCHIVED']);
  });

  it('sends a failed QA back to the designer, who fixes it', async () => {
    const { orderId } = await queuedOrder(api);
    await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', orderId, { broken: true });
    const back = await eventually(async () => {
      const res = await api.call<{ status: string; qaProblems?: string[] }>(
        'GET',
        `/assignments/${orderId}`,
        { as: 'designer.priya' },
      );
      return res.body.status === 'ASSIGNED' && res.body.qaProblems ? res.body : undefined;
    });
    expect(back.qaProblems?.join(' ')).toMatch(/truncated|triangles/i);
    await handIn(api, 'designer.priya', orderId, { seed: 9 });
    await waitForStatus(api, orderId, ['DELIVERED']);
    await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
    await waitForStatus(api, orderId, ['ARCHIVED']);
  });

  it('returns an order to the queue when its lease expires, and frees the designer', async () => {
    const { orderId } = await queuedOrder(api);
    await claim(api, 'designer.priya');
    const beat = await api.call<{ leaseExpiresAt: string }>('POST', `/assignments/${orderId}/heartbeat`, {
      as: 'designer.priya',
    });
    expect(beat.status).toBe(200);
    // Act: two hours and a minute pass without a heartbeat.
    const moved = await advance({ minutes: 121 });
    // Assess
    expect(moved.body.jobs).toContainEqual(expect.objectContaining({ job: 'leaseSweep', ok: true }));
    expect((await viewOf(api, orderId)).status).toBe('QUEUED');
    expect((await api.call('GET', `/assignments/${orderId}/inputs`, { as: 'designer.priya' })).status).toBe(
      404,
    );
    const next = await claim(api, 'designer.marco');
    expect(next.orderId).toBe(orderId);
    await api.call('POST', `/assignments/${orderId}/release`, { as: 'designer.marco' });
    expect((await viewOf(api, orderId)).status).toBe('QUEUED');
    // Leave the queue empty for the next test.
    const last = await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', last.orderId, { seed: 4 });
    await waitForStatus(api, last.orderId, ['DELIVERED']);
  });

  it('accepts a delivery automatically when the lab does not decide within the window', async () => {
    const { orderId } = await queuedOrder(api);
    await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', orderId, { seed: 5 });
    await waitForStatus(api, orderId, ['DELIVERED']);
    await advance({ days: 8 });
    await waitForStatus(api, orderId, ['ARCHIVED']);
    const view = await viewOf<{ timeline: { type: string }[] }>(api, orderId);
    expect(view.timeline.map((t) => t.type)).toContain('AUTO_ACCEPTED');
  });

  it('alerts operators at 80% of the turnaround and when an order is overdue', async () => {
    const { orderId } = await queuedOrder(api, 'lab.acme', { turnaround: 'rush' });
    const view = await viewOf<{ submittedAt: string; dueAt: string }>(api, orderId);
    const total = Date.parse(view.dueAt) - Date.parse(view.submittedAt);
    await advance({ ms: Math.ceil(total * 0.85) });
    const warned = await outbox('caseline-operator-alerts');
    expect(warned.some((m) => m.includes(orderId) && m.includes('80%'))).toBe(true);
    await advance({ ms: Math.ceil(total * 0.2) });
    const alerts = await outbox('caseline-operator-alerts');
    expect(alerts.some((m) => m.includes(orderId) && m.includes('overdue'))).toBe(true);
    // Hand it in so the queue is empty for the next test.
    const held = await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', held.orderId, { seed: 6 });
  });

  it("archives with the lab account's own retention when its agreement sets one", async () => {
    const { orderId } = await queuedOrder(api, 'lab.coast');
    await claim(api, 'designer.priya');
    await handIn(api, 'designer.priya', orderId, { seed: 8 });
    await waitForStatus(api, orderId, ['DELIVERED'], 'lab.coast');
    await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.coast' });
    await waitForStatus(api, orderId, ['ARCHIVED'], 'lab.coast');
    const view = await viewOf<{ archivedAt: string; purgeAfter: string }>(api, orderId, 'lab.coast');
    expect(Math.round((Date.parse(view.purgeAfter) - Date.parse(view.archivedAt)) / 86_400_000)).toBe(3650);
  });

  it('never lets two designers hold the same order under 50 concurrent claims', async () => {
    // Prepare: 12 queued orders; two designers with room for 20 each.
    for (const id of ['u-des-priya', 'u-des-marco']) {
      const res = await api.call('PATCH', `/designers/${id}`, {
        as: 'operator.omar',
        body: { capacity: 20 },
      });
      expect(res.status).toBe(200);
    }
    const orders: string[] = [];
    for (let i = 0; i < 12; i++) orders.push((await queuedOrder(api, 'lab.bright')).orderId);
    // The workflow puts each order in the queue index just after it shows QUEUED: wait for all 12.
    // The index holds the keys and the items a claim checks skills against, never PHI.
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    const lane = await eventually(async () => {
      const { Items = [] } = await ddb.send(
        new QueryCommand({
          TableName: 'caseline-orders',
          IndexName: 'byQueueItems',
          KeyConditionExpression: 'gsi3pk = :lane',
          ExpressionAttributeValues: { ':lane': 'QUEUE' },
        }),
      );
      const listed = new Set(Items.map((i) => String(i.pk).replace(/^ORDER#/, '')));
      return orders.every((id) => listed.has(id)) ? Items : undefined;
    });
    for (const entry of lane)
      expect(Object.keys(entry).sort()).toEqual(['gsi3pk', 'gsi3sk', 'items', 'pk', 'sk']);
    // Act
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.call<{ orderId: string }>('POST', '/queue/claim', {
          as: i % 2 ? 'designer.priya' : 'designer.marco',
        }),
      ),
    );
    // Assess: by the claim answers and by each designer's own list, one holder per order.
    const won = claims.filter((c) => c.status === 200).map((c) => c.body.orderId);
    expect(new Set(won).size).toBe(won.length);
    expect(won.filter((id) => orders.includes(id)).length).toBe(orders.length);
    expect(claims.filter((c) => c.status !== 200 && c.status !== 204)).toEqual([]);
    const lists = await Promise.all(
      ['designer.priya', 'designer.marco'].map(async (as) =>
        (
          await api.call<{ assignments: { orderId: string }[] }>('GET', '/assignments', { as })
        ).body.assignments.map((a) => a.orderId),
      ),
    );
    const listed = lists.flat().filter((id) => orders.includes(id));
    expect(listed.sort()).toEqual([...orders].sort());
  });
});
