/** Design-half domain rules with in-memory ports: skills, capacity, leases, revisions, sweeps. */
import { describe, expect, it } from 'vitest';
import {
  acceptDelivery,
  awaitDesign,
  claimNext,
  type DesignDeps,
  declareOutput,
  deliverAndAwaitDecision,
  MAX_REVISIONS,
  qaDesign,
  queueSortKey,
  requestRevision,
  submitDesign,
  sweepAutoAccept,
  sweepLeases,
} from '../../lambdas/domain/design';
import type { Designer, DesignerRegistry } from '../../lambdas/domain/designers';
import type { Order } from '../../lambdas/domain/order';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDeps, sha256 } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';

class MemoryDesigners implements DesignerRegistry {
  readonly all = new Map<string, Designer>();
  add(id: string, skills: string[], capacity = 2) {
    this.all.set(id, {
      designerId: id,
      username: id,
      displayName: id,
      skills,
      capacity,
      activeJobs: 0,
      country: 'IN',
      enabled: true,
      createdAt: '',
      updatedAt: '',
    });
  }
  async get(id: string) {
    return this.all.get(id);
  }
  async list() {
    return [...this.all.values()];
  }
  async create(): Promise<Designer> {
    throw new Error('unused');
  }
  async update(): Promise<Designer> {
    throw new Error('unused');
  }
  async acquireSlot(id: string) {
    const d = this.all.get(id);
    if (!d?.enabled || d.activeJobs >= d.capacity) return false;
    this.all.set(id, { ...d, activeJobs: d.activeJobs + 1 });
    return true;
  }
  async releaseSlot(id: string) {
    const d = this.all.get(id);
    if (d) this.all.set(id, { ...d, activeJobs: Math.max(0, d.activeJobs - 1) });
  }
}

const lab = makeActor();
const priya = makeActor({
  sub: 'priya',
  username: 'designer.priya',
  roles: ['designer'],
  accountId: 'caseline',
});
const marco = makeActor({
  sub: 'marco',
  username: 'designer.marco',
  roles: ['designer'],
  accountId: 'caseline',
});

const setup = () => {
  const base = makeDeps();
  const designers = new MemoryDesigners();
  designers.add('priya', ['crown', 'bridge']);
  designers.add('marco', ['veneer']);
  const deps: DesignDeps & typeof base & { designers: MemoryDesigners } = {
    ...base,
    designers,
    policies: {
      policyFor: async () => ({ retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 }),
      setPolicy: async () => undefined,
    },
  };
  return deps;
};

let n = 0;
/** An order as ingest leaves it (QUEUED with dueAt), placed in the queue by the design wait. */
const queued = async (deps: ReturnType<typeof setup>, overrides: Record<string, unknown> = {}) => {
  const { orderId } = await createOrder(
    deps,
    lab,
    parseCreateOrder(makeCreateOrderRequest({ caseRef: `U-${++n}`, ...overrides })),
  );
  const now = deps.clock.now().toISOString();
  await deps.orders.transition(orderId, ['DRAFT'], {
    status: 'QUEUED',
    submittedAt: now,
    dueAt: new Date(Date.parse(now) + 86_400_000).toISOString(),
  });
  await awaitDesign(deps, { orderId, accountId: 'lab-acme', taskToken: `tok-${orderId}` });
  return orderId;
};

const handIn = async (deps: ReturnType<typeof setup>, orderId: string, actor = priya) => {
  const body = meshBytes('stl-binary', { triangles: 20, seed: ++n });
  const out = await declareOutput(deps, actor, orderId, {
    name: 'd.stl',
    sizeBytes: body.length,
    sha256: sha256(body),
  });
  const file = (await deps.orders.files(orderId)).find((f) => f.fileId === out.fileId);
  deps.files.objects.set(file?.key ?? '', body);
  return submitDesign(deps, actor, orderId);
};

const deliver = async (deps: ReturnType<typeof setup>, orderId: string) => {
  expect((await qaDesign(deps, { orderId, accountId: 'lab-acme' })).passed).toBe(true);
  await deliverAndAwaitDecision(deps, { orderId, accountId: 'lab-acme', taskToken: `dec-${orderId}` });
};

describe('the queue', () => {
  it('orders revisions before rush before standard, then by due date', () => {
    const base = { orderId: 'o', createdAt: '2026-01-01', dueAt: '2026-01-03' } as Order;
    const keys = [
      queueSortKey({ ...base, turnaround: 'standard', dueAt: '2026-01-02' }),
      queueSortKey({ ...base, turnaround: 'rush' }),
      queueSortKey({ ...base, turnaround: 'standard' }, true),
    ].sort();
    expect(keys.map((k) => k[0])).toEqual(['0', '1', '2']);
  });

  it('gives a designer only orders whose every item is within its skills', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    expect(await claimNext(deps, marco)).toBeUndefined();
    expect((await claimNext(deps, priya))?.orderId).toBe(orderId);
    expect(deps.designers.all.get('marco')?.activeJobs).toBe(0);
  });

  it('answers nothing when the designer is at capacity, and takes no slot', async () => {
    const deps = setup();
    await queued(deps);
    await queued(deps);
    await queued(deps);
    expect(await claimNext(deps, priya)).toBeDefined();
    expect(await claimNext(deps, priya)).toBeDefined();
    expect(await claimNext(deps, priya)).toBeUndefined();
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(2);
  });
});

describe('hand-in and decision', () => {
  it('completes the waiting task exactly once with ids only', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    const result = await handIn(deps, orderId);
    expect(result).toMatchObject({ status: 'QA', version: 1 });
    expect(deps.workflow.completed).toEqual([{ token: `tok-${orderId}`, output: { orderId, version: 1 } }]);
    await expect(submitDesign(deps, priya, orderId)).rejects.toHaveProperty('statusCode', 404);
  });

  it('refuses a hand-in without a design mesh', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    await expect(submitDesign(deps, priya, orderId)).rejects.toMatchObject({ code: 'NO_DESIGN' });
  });

  it('caps revisions and screens the comment for identifiers', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    for (let i = 0; i < MAX_REVISIONS; i++) {
      await claimNext(deps, priya);
      await handIn(deps, orderId);
      await deliver(deps, orderId);
      await expect(
        requestRevision(deps, lab, orderId, { reason: 'anatomy', comment: 'email me at jane@example.com' }),
      ).rejects.toMatchObject({
        statusCode: 400,
      });
      await requestRevision(deps, lab, orderId, { reason: 'anatomy', comment: 'Deeper fissures.' });
      await awaitDesign(deps, { orderId, accountId: 'lab-acme', taskToken: `tok-${i}` });
    }
    await claimNext(deps, priya);
    await handIn(deps, orderId);
    await deliver(deps, orderId);
    await expect(requestRevision(deps, lab, orderId, { reason: 'anatomy' })).rejects.toMatchObject({
      code: 'REVISION_LIMIT',
    });
    expect(deps.orders.orders.get(orderId)?.designVersion).toBe(MAX_REVISIONS + 1);
  });
});

describe('sweeps', () => {
  it('returns an order with an expired lease to the queue and frees the slot', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    deps.clock.advance(121 * 60_000);
    expect(await sweepLeases(deps)).toEqual({ expiredLeases: 1, openedOffers: 0 });
    expect(deps.orders.orders.get(orderId)?.status).toBe('QUEUED');
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
    expect((await claimNext(deps, priya))?.orderId).toBe(orderId);
  });

  it('accepts an undecided delivery after the window, not before', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    await handIn(deps, orderId);
    await deliver(deps, orderId);
    deps.clock.advance(6 * 86_400_000);
    expect(await sweepAutoAccept(deps)).toEqual({ autoAccepted: 0 });
    deps.clock.advance(2 * 86_400_000);
    expect(await sweepAutoAccept(deps)).toEqual({ autoAccepted: 1 });
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'ACCEPTED', autoAccepted: true });
    expect(await acceptDelivery(deps, lab, orderId)).toEqual({ orderId, status: 'ACCEPTED' });
  });
});
