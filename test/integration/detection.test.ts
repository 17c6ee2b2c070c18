/**
 * Breach detection over the wire, on a local stack of this file's own (it counts every incident):
 * a normal lifecycle (three labs, two designers claiming, downloading inputs, handing in, the labs
 * accepting) raises no incident; a designer's token used to probe other labs' orders opens one,
 * and pages the officers, after a clock advance of 5 minutes (the scheduled detector runs on it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { Api, eventually, outboxMessages } from '../support/api';
import { advanceDetector, startDetectionStack } from '../support/detection-stack';
import { claim, handIn, queuedOrder, waitForStatus } from '../support/lifecycle';

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

interface Summary {
  incidentId: string;
  kinds: string[];
  status: string;
  pagedAt?: string;
}

const incidents = async () => {
  const res = await api.call<{ incidents: Summary[] }>('GET', '/incidents', { as: 'officer.olivia' });
  expect(res.status).toBe(200);
  return res.body.incidents;
};

describe('no false alarms on normal work', () => {
  it('a lifecycle of three labs and two designers, then the clock moved on, raises no incident', async () => {
    // Prepare: two orders from each of three labs.
    const labs = ['lab.acme', 'lab.bright', 'lab.coast'];
    const owner = new Map<string, string>();
    for (const lab of labs) for (let i = 0; i < 2; i++) owner.set((await queuedOrder(api, lab)).orderId, lab);
    // A lab mistypes an order id once: refused, and that is normal too.
    expect((await api.call('GET', '/orders/ord_doesnotexist0000', { as: 'lab.acme' })).status).toBe(404);
    // Act: the designers take turns: claim, download the inputs, hand in; each lab reads and accepts.
    for (let i = 0; i < owner.size; i++) {
      const designer = i % 2 ? 'designer.marco' : 'designer.priya';
      const { orderId } = await claim(api, designer);
      const lab = owner.get(orderId) ?? 'lab.acme';
      const inputs = await api.call<{ files: { url: string }[] }>('GET', `/assignments/${orderId}/inputs`, {
        as: designer,
      });
      expect(inputs.status).toBe(200);
      expect((await fetch(inputs.body.files[0]?.url ?? '')).status).toBe(200);
      expect((await handIn(api, designer, orderId)).body).toMatchObject({ status: 'QA' });
      await waitForStatus(api, orderId, ['DELIVERED'], lab);
      expect((await api.call('GET', `/orders/${orderId}/deliverables`, { as: lab })).status).toBe(200);
      expect((await api.call('POST', `/orders/${orderId}/accept`, { as: lab })).status).toBe(200);
    }
    await api.call('GET', '/orders', { as: 'lab.bright' });
    const first = await advance(5);
    const later = await advance(60);
    // Assess: the detector read the lifecycle's events and raised nothing.
    expect(first?.ran).toBe(true);
    expect(first?.events).toBeGreaterThan(50);
    expect(first?.signals).toEqual({});
    expect(later?.signals).toEqual({});
    expect(await incidents()).toEqual([]);
  });
});

describe('probing', () => {
  it('a designer’s token used on other labs’ orders opens an incident, officers paged, within 5 minutes', async () => {
    // Prepare: orders of two labs, held by nobody the prober is.
    const targets = [
      (await queuedOrder(api, 'lab.acme')).orderId,
      (await queuedOrder(api, 'lab.bright')).orderId,
    ];
    const before = await incidents();
    // Act: six refused asks, on real orders of other labs and on made-up ids.
    const asks = [...targets, ...targets, 'ord_guess00000001', 'ord_guess00000002'];
    for (const orderId of asks) {
      const res = await api.call('GET', `/assignments/${orderId}/inputs`, { as: 'designer.lin' });
      expect(res.status).toBe(404);
    }
    const run = await advance(5);
    // Assess
    expect(run?.signals).toEqual({ probing: 1 });
    const opened = (await incidents()).filter((i) => !before.some((b) => b.incidentId === i.incidentId));
    expect(opened.map((i) => i.kinds)).toEqual([['probing']]);
    const incidentId = opened[0]?.incidentId ?? '';
    const detail = await api.call<{
      signals: { kind: string; actor?: { sub: string }; accountIds: string[] }[];
    }>('GET', `/incidents/${incidentId}`, { as: 'officer.olivia' });
    expect(detail.body.signals).toEqual([
      expect.objectContaining({ kind: 'probing', actor: expect.objectContaining({ sub: 'u-des-lin' }) }),
    ]);
    expect(detail.body.signals[0]?.accountIds).toEqual(['lab-acme', 'lab-bright']);
    const page = await eventually(async () =>
      (await outboxMessages(api, 'caseline-notifications'))
        .map((m) => JSON.parse(m) as Record<string, string>)
        .find((m) => m.kind === 'incident.page' && m.incidentId === incidentId),
    );
    expect(page.kinds).toBe('probing');
    // The same refusals read again by a later run open nothing more.
    const again = await advance(5);
    expect(again?.signals).toEqual({});
    expect((await incidents()).length).toBe(before.length + 1);
  });
});
