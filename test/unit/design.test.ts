/** Design-half domain rules with in-memory ports: skills, capacity, leases, revisions, sweeps. */
import { describe, expect, it, vi } from 'vitest';
import { releaseAssignment } from '../../lambdas/domain/design/assignments';
import { claimNext } from '../../lambdas/domain/design/claim';
import { acceptDelivery, MAX_REVISIONS, requestRevision } from '../../lambdas/domain/design/decisions';
import { declareOutput, submitDesign } from '../../lambdas/domain/design/hand-in';
import { sweepAutoAccept, sweepLeases } from '../../lambdas/domain/design/sweeps';
import { awaitDesign, deliverAndAwaitDecision, qaDesign } from '../../lambdas/domain/design/workflow-tasks';
import type { Order } from '../../lambdas/domain/order';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import { queueSortKey } from '../../lambdas/domain/recovery';
import { TaskTokenRefusedError } from '../../lambdas/kernel/errors';
import { statusOf } from '../../lambdas/runtime/http';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDesignDeps, makeDesigner, sha256 } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';

const lab = makeActor();
const priya = makeDesigner('priya');
const marco = makeDesigner('marco');

const setup = () => makeDesignDeps({ priya: { skills: ['crown', 'bridge'] }, marco: { skills: ['veneer'] } });

let n = 0;
/** An order as ingest leaves it (QUEUED with dueAt), placed in the queue by the design wait. */
const queued = async (deps: ReturnType<typeof setup>, overrides: Record<string, unknown> = {}) => {
  const { orderId } = await createOrder(
    deps,
    lab,
    parseCreateOrder(makeCreateOrderRequest({ caseRef: `U-${++n}`, ...overrides })),
  );
  const now = deps.clock.now().toISOString();
  // As submit and ingest leave it: the draft's timer gone, in the workflow.
  await deps.orders.transition(
    orderId,
    ['DRAFT'],
    { status: 'QUEUED', submittedAt: now, dueAt: new Date(Date.parse(now) + 86_400_000).toISOString() },
    { indexes: { pending: null, watch: { at: now } } },
  );
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
  await deliverAndAwaitDecision(deps, { orderId, accountId: 'lab-acme', taskToken: `dec-${orderId}-${++n}` });
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
    await expect(submitDesign(deps, priya, orderId)).rejects.toHaveProperty('name', 'NotFoundError');
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
        name: 'ValidationError',
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
    expect(await sweepAutoAccept(deps)).toEqual({ autoAccepted: 0, failed: 0 });
    deps.clock.advance(2 * 86_400_000);
    expect(await sweepAutoAccept(deps)).toEqual({ autoAccepted: 1, failed: 0 });
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'ACCEPTED', autoAccepted: true });
    expect(await acceptDelivery(deps, lab, orderId)).toEqual({ orderId, status: 'ACCEPTED' });
  });

  it('alerts operators when an auto-accept fails, and accepts on the next sweep', async () => {
    // Prepare: a delivery past its window, and Step Functions unreachable for one call
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    await handIn(deps, orderId);
    await deliver(deps, orderId);
    deps.clock.advance(8 * 86_400_000);
    deps.workflow.failNext.set(
      'completeTask',
      Object.assign(new Error('unreachable'), { name: 'ServiceUnavailable' }),
    );
    // Act
    const first = await sweepAutoAccept(deps);
    // Assess: counted, alerted with ids only, still DELIVERED and due
    expect(first).toEqual({ autoAccepted: 0, failed: 1 });
    expect(deps.notifier.sent).toContainEqual({
      kind: 'alert:Auto-accept failed; the next sweep retries it',
      facts: { orderId, errorName: expect.any(String) },
    });
    expect(deps.orders.orders.get(orderId)?.status).toBe('DELIVERED');
    expect(await sweepAutoAccept(deps)).toEqual({ autoAccepted: 1, failed: 0 });
  });
});

// ---------------------------------------------------------------- all or nothing

type Setup = ReturnType<typeof setup>;

/** Everything an action may change: the order, its index entries, timeline, slots, signals. */
const snapshot = (deps: Setup, orderId: string) => ({
  order: structuredClone(deps.orders.orders.get(orderId)),
  // An index entry set to null and one never set mean the same: the order is not in that index.
  indexes: Object.fromEntries(
    Object.entries(deps.orders.indexes.get(orderId) ?? {}).filter(([, v]) => v !== null && v !== undefined),
  ),
  timeline: deps.orders.events.filter((e) => e.orderId === orderId).length,
  slots: [...deps.designers.all.values()].map((d) => `${d.designerId}:${d.activeJobs}`),
  signals: deps.workflow.completed.length,
});

/** Faults a dependency can raise at one step of an action, each the once. */
const FAULTS = {
  audit: (d: Setup) => {
    d.audit.failing = true;
    return () => {
      d.audit.failing = false;
    };
  },
  transition: (d: Setup) => {
    vi.spyOn(d.orders, 'transition').mockRejectedValueOnce(
      Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }),
    );
  },
  queuePage: (d: Setup) => {
    vi.spyOn(d.orders, 'queuePage').mockRejectedValueOnce(
      Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }),
    );
  },
  decrypt: (d: Setup) => {
    vi.spyOn(d.phi, 'decrypt').mockRejectedValueOnce(
      Object.assign(new Error('key disabled'), { name: 'DisabledException' }),
    );
  },
  encrypt: (d: Setup) => {
    vi.spyOn(d.phi, 'encrypt').mockRejectedValueOnce(
      Object.assign(new Error('kms down'), { name: 'KMSInternalException' }),
    );
  },
  signal: (d: Setup) => {
    d.workflow.failNext.set(
      'completeTask',
      Object.assign(new Error('connect ECONNREFUSED'), { name: 'ECONNREFUSED' }),
    );
  },
  releaseSlot: (d: Setup) => {
    vi.spyOn(d.designers, 'releaseSlot').mockRejectedValueOnce(new Error('designers table unavailable'));
  },
} satisfies Record<string, (d: Setup) => unknown>;

type Fault = keyof typeof FAULTS;

/** An order in the state each action starts from, and the action itself. */
const ACTIONS: Record<
  string,
  {
    prepare: (d: Setup) => Promise<string>;
    run: (d: Setup, orderId: string) => Promise<unknown>;
    faults: Fault[];
    done: (d: Setup, orderId: string) => void;
  }
> = {
  claim: {
    prepare: (d) => queued(d),
    run: async (d, orderId) => {
      const view = await claimNext(d, priya);
      expect(view?.orderId).toBe(orderId);
    },
    faults: ['queuePage', 'transition', 'audit', 'decrypt'],
    done: (d, orderId) => {
      expect(d.orders.orders.get(orderId)).toMatchObject({ status: 'ASSIGNED', assignee: 'priya' });
      expect(d.designers.all.get('priya')?.activeJobs).toBe(1);
    },
  },
  release: {
    prepare: async (d) => {
      const orderId = await queued(d);
      await claimNext(d, priya);
      return orderId;
    },
    run: (d, orderId) => releaseAssignment(d, priya, orderId),
    faults: ['audit', 'transition', 'releaseSlot'],
    done: (d, orderId) => {
      expect(d.orders.orders.get(orderId)?.status).toBe('QUEUED');
      expect(d.orders.indexes.get(orderId)?.queue?.lane).toBe('QUEUE');
      expect(d.designers.all.get('priya')?.activeJobs).toBe(0);
      // Remembered only by the release that went through: an undone one leaves no trace.
      expect(d.orders.orders.get(orderId)?.releases?.map((r) => r.sub)).toEqual(['priya']);
    },
  },
  'hand-in': {
    prepare: async (d) => {
      const orderId = await queued(d);
      await claimNext(d, priya);
      const body = meshBytes('stl-binary', { triangles: 20, seed: ++n });
      const out = await declareOutput(d, priya, orderId, {
        name: 'd.stl',
        sizeBytes: body.length,
        sha256: sha256(body),
      });
      const file = (await d.orders.files(orderId)).find((f) => f.fileId === out.fileId);
      d.files.objects.set(file?.key ?? '', body);
      return orderId;
    },
    run: (d, orderId) => submitDesign(d, priya, orderId),
    faults: ['audit', 'transition', 'signal'],
    done: (d, orderId) => {
      expect(d.orders.orders.get(orderId)?.status).toBe('QA');
      expect(d.workflow.completed.map((c) => c.token)).toEqual([`tok-${orderId}`]);
    },
  },
  accept: {
    prepare: async (d) => {
      const orderId = await queued(d);
      await claimNext(d, priya);
      await handIn(d, orderId);
      await deliver(d, orderId);
      return orderId;
    },
    run: (d, orderId) => acceptDelivery(d, lab, orderId),
    faults: ['audit', 'transition', 'signal'],
    done: (d, orderId) => {
      expect(d.orders.orders.get(orderId)?.status).toBe('ACCEPTED');
      expect(d.workflow.completed.at(-1)?.output).toEqual({ orderId, decision: 'accept' });
    },
  },
  revise: {
    prepare: async (d) => {
      const orderId = await queued(d);
      await claimNext(d, priya);
      await handIn(d, orderId);
      await deliver(d, orderId);
      return orderId;
    },
    run: (d, orderId) =>
      requestRevision(d, lab, orderId, { reason: 'contacts', comment: 'Open the distal contact.' }),
    faults: ['audit', 'decrypt', 'encrypt', 'transition', 'signal'],
    done: (d, orderId) => {
      const order = d.orders.orders.get(orderId);
      expect(order).toMatchObject({ status: 'QUEUED', revisionCount: 1 });
      expect(order?.decisionTaskToken).toBeUndefined();
      expect(d.workflow.completed.at(-1)?.output).toEqual({ orderId, decision: 'revise' });
    },
  },
};

const cases = Object.entries(ACTIONS).flatMap(([action, spec]) =>
  spec.faults.map((fault) => ({ action, fault, spec })),
);

describe('every action that changes an order is all or nothing', () => {
  it.each(cases)(
    '$action with a $fault fault leaves the order exactly as it was; a retry works',
    async ({ fault, spec }) => {
      // Prepare
      const deps = setup();
      const orderId = await spec.prepare(deps);
      const before = snapshot(deps, orderId);
      const heal = FAULTS[fault](deps) as (() => void) | undefined;
      // Act
      const failed = await spec.run(deps, orderId).then(
        () => undefined,
        (error: unknown) => error,
      );
      heal?.();
      // Assess: refused (a 503 the caller may retry; a write that failed outright is the table's
      // own error, a 500), nothing changed, nothing signalled, and a retry succeeds.
      expect(failed).toBeInstanceOf(Error);
      if (fault !== 'transition' && fault !== 'queuePage') expect(statusOf(failed)).toBe(503);
      expect(snapshot(deps, orderId)).toEqual(before);
      vi.restoreAllMocks();
      await spec.run(deps, orderId);
      spec.done(deps, orderId);
    },
  );

  it('alerts operators when the undo itself cannot be written', async () => {
    // Prepare
    const deps = setup();
    const orderId = await ACTIONS.accept?.prepare(deps);
    deps.workflow.failNext.set('completeTask', new Error('ECONNRESET'));
    const transition = deps.orders.transition.bind(deps.orders);
    let calls = 0;
    vi.spyOn(deps.orders, 'transition').mockImplementation((...args) =>
      ++calls === 2 ? Promise.reject(new Error('table unavailable')) : transition(...args),
    );
    // Act
    const result = acceptDelivery(deps, lab, orderId ?? '');
    // Assess
    await expect(result).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
    expect(deps.notifier.sent.map((m) => m.kind)).toContain('alert:Order change could not be undone');
    vi.restoreAllMocks();
  });

  it('answers a completed action even when its timeline entry cannot be written, and alerts', async () => {
    const deps = setup();
    const orderId = await ACTIONS.accept?.prepare(deps);
    vi.spyOn(deps.orders, 'addTimeline').mockRejectedValueOnce(new Error('throttled'));
    await expect(acceptDelivery(deps, lab, orderId ?? '')).resolves.toMatchObject({ status: 'ACCEPTED' });
    expect(deps.notifier.sent.map((m) => m.kind)).toContain('alert:Order timeline entry not written');
    vi.restoreAllMocks();
  });
});

describe('a task token Step Functions refuses', () => {
  it.each([
    ['hand-in', 'TaskDoesNotExist', 'QUEUED'],
    ['accept', 'TaskTimedOut', 'ACCEPTED'],
    ['revise', 'InvalidToken', 'QUEUED'],
  ] as const)(
    '%s: the order goes STUCK at once (%s), operators are alerted, the slot is given back',
    async (action, reason, resumeFrom) => {
      // Prepare
      const deps = setup();
      const spec = ACTIONS[action];
      const orderId = (await spec?.prepare(deps)) ?? '';
      vi.spyOn(deps.workflow, 'completeTask').mockRejectedValueOnce(new TaskTokenRefusedError(reason));
      // Act
      const result = spec?.run(deps, orderId);
      // Assess: a clear refusal, not a silent 202.
      await expect(result).rejects.toMatchObject({ name: 'OrderStuckError', code: 'ORDER_STUCK' });
      const order = deps.orders.orders.get(orderId);
      expect(order).toMatchObject({ status: 'STUCK', closedReason: 'WORKFLOW_LOST', resumeFrom });
      expect(order?.designTaskToken).toBeUndefined();
      expect(order?.decisionTaskToken).toBeUndefined();
      expect(order?.assignee).toBeUndefined();
      const indexes = deps.orders.indexes.get(orderId);
      expect([indexes?.queue, indexes?.assignee, indexes?.due, indexes?.watch]).toEqual([
        null,
        null,
        null,
        null,
      ]);
      expect(indexes?.pending?.name).toBe('PURGE');
      expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
      const alert = deps.notifier.sent.find((m) => m.kind.startsWith('alert:Order stuck'));
      expect(alert?.facts).toMatchObject({ orderId, errorName: reason });
      vi.restoreAllMocks();
    },
  );
});
