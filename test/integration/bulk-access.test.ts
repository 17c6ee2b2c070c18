/**
 * The bulk-access rule over the wire, on a local stack of this file's own (it counts incidents and
 * scopes a designer's whole trail): a designer that claims, downloads the inputs and releases more
 * distinct orders within the hour than BULK_CAPACITY_FACTOR times its capacity opens an incident
 * naming it, scoped to exactly those orders; one order fewer opens none; orders it handed a design
 * in for do not count. The releases are what make this possible at all: a released order is not
 * offered back to the designer that let it go, so "claim next" walks down the queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_CAPACITY_FACTOR } from '../../lambdas/domain/detection/thresholds';
import type { LocalStack } from '../../local/stack';
import { Api, eventually, outboxMessages } from '../support/api';
import { advanceDetector, startDetectionStack } from '../support/detection-stack';
import { claim, handIn, queuedOrder } from '../support/lifecycle';

let stack: LocalStack;
let api: Api;

beforeAll(async () => {
  stack = await startDetectionStack();
  api = new Api(stack.apiUrl);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Moves the stack's clock; the scheduled detector runs on it. Returns the detector's run. */
const advance = (minutes: number) => advanceDetector(api, minutes);

const setCapacity = async (sub: string, capacity: number) => {
  const res = await api.call('PATCH', `/designers/${sub}`, { as: 'operator.omar', body: { capacity } });
  expect(res.status).toBe(200);
};

const incidents = async () => {
  const res = await api.call<{ incidents: { incidentId: string; kinds: string[]; signalCount: number }[] }>(
    'GET',
    '/incidents',
    {
      as: 'officer.olivia',
    },
  );
  expect(res.status).toBe(200);
  // What identifies each incident and its signals (msLeft, a countdown, moves with the clock).
  return res.body.incidents.map(({ incidentId, kinds, signalCount }) => ({ incidentId, kinds, signalCount }));
};

/** Claim next, download the inputs, and (unless told to hand in) give the order back. */
const harvestOne = async (designer: string) => {
  const { orderId } = await claim(api, designer);
  const inputs = await api.call<{ files: { url: string }[] }>('GET', `/assignments/${orderId}/inputs`, {
    as: designer,
  });
  expect(inputs.status).toBe(200);
  expect(inputs.body.files.length).toBeGreaterThan(0);
  return orderId;
};
const release = async (designer: string, orderId: string) =>
  expect((await api.call('POST', `/assignments/${orderId}/release`, { as: designer })).status).toBe(200);

// Marco at capacity 2 may fetch the inputs of 4 orders an hour without handing in; Priya at 3, 6.
const MARCO = { as: 'designer.marco', sub: 'u-des-marco', capacity: 2 };
const PRIYA = { as: 'designer.priya', sub: 'u-des-priya', capacity: 3 };
const limitOf = (d: { capacity: number }) => BULK_CAPACITY_FACTOR * d.capacity;

describe('bulk access', () => {
  it('one order over the limit opens an incident naming the designer, scoped to exactly those orders; at the limit, none', async () => {
    // Prepare: a queue of orders of two labs, more than either designer's limit.
    await setCapacity(MARCO.sub, MARCO.capacity);
    await setCapacity(PRIYA.sub, PRIYA.capacity);
    const labs = ['lab.acme', 'lab.bright'];
    for (let i = 0; i <= limitOf(PRIYA); i++) await queuedOrder(api, labs[i % 2]);
    // Act 1: marco claims, downloads and releases as many orders as the limit: normal enough.
    const harvested: string[] = [];
    for (let i = 0; i < limitOf(MARCO); i++) {
      const orderId = await harvestOne(MARCO.as);
      await release(MARCO.as, orderId);
      harvested.push(orderId);
    }
    // Assess 1: each claim handed over another order; the detector saw the fetches and raised nothing.
    expect(new Set(harvested).size).toBe(limitOf(MARCO));
    const quiet = await advance(5);
    expect(quiet?.events).toBeGreaterThan(0);
    expect(quiet?.signals).toEqual({});
    expect(await incidents()).toEqual([]);
    // Act 2: one more, within the hour.
    const last = await harvestOne(MARCO.as);
    await release(MARCO.as, last);
    harvested.push(last);
    const run = await advance(5);
    // Assess 2: one signal, one incident naming marco; its scope is exactly the harvested orders.
    expect(run?.signals).toEqual({ 'bulk-access': 1 });
    const opened = await incidents();
    expect(opened.map((i) => i.kinds)).toEqual([['bulk-access']]);
    const incidentId = opened[0]?.incidentId ?? '';
    const scoped = await eventually(async () => {
      const res = await api.call<{
        status: string;
        signals: { kind: string; actor?: { sub: string }; detail?: Record<string, unknown> }[];
        scope?: { accounts: { accountId: string; orderIds: string[] }[]; orderCount: number };
      }>('GET', `/incidents/${incidentId}`, { as: 'officer.olivia' });
      return res.body.scope ? res.body : undefined;
    }, 20_000);
    expect(scoped.signals).toEqual([
      expect.objectContaining({ kind: 'bulk-access', actor: expect.objectContaining({ sub: MARCO.sub }) }),
    ]);
    expect(scoped.signals[0]?.detail).toMatchObject({
      orders: limitOf(MARCO) + 1,
      limit: limitOf(MARCO),
      capacity: MARCO.capacity,
    });
    expect(scoped.scope?.accounts.map((a) => a.accountId)).toEqual(['lab-acme', 'lab-bright']);
    expect(scoped.scope?.accounts.flatMap((a) => a.orderIds).sort()).toEqual([...harvested].sort());
    const page = await eventually(async () =>
      (await outboxMessages(api, 'caseline-notifications'))
        .map((m) => JSON.parse(m) as Record<string, string>)
        .find((m) => m.kind === 'incident.page' && m.incidentId === incidentId),
    );
    expect(page.kinds).toBe('bulk-access');
  });

  it('orders the designer handed a design in for do not count', async () => {
    // Prepare
    const before = await incidents();
    // Act: priya fetches the inputs of one order more than her limit, and hands one of them in.
    const released: string[] = [];
    for (let i = 0; i < limitOf(PRIYA); i++) {
      const orderId = await harvestOne(PRIYA.as);
      await release(PRIYA.as, orderId);
      released.push(orderId);
    }
    const worked = await harvestOne(PRIYA.as);
    expect((await handIn(api, PRIYA.as, worked)).body).toMatchObject({ status: 'QA' });
    const run = await advance(5);
    // Assess: limit + 1 distinct orders fetched, one of them work: nothing raised.
    expect(new Set([...released, worked]).size).toBe(limitOf(PRIYA) + 1);
    expect(run?.signals).toEqual({});
    expect(await incidents()).toEqual(before);
  });
});
