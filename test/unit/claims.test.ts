/**
 * Claims with in-memory ports: a claimer alone always gets the most urgent order it may take,
 * and many claimers at once spread out over the equally urgent orders instead of fighting over
 * the head, with every order held at most once, skills and capacity respected.
 */
import { describe, expect, it, vi } from 'vitest';
import { releaseAssignment } from '../../lambdas/domain/design/assignments';
import { claimNext } from '../../lambdas/domain/design/claim';
import { requestRevision } from '../../lambdas/domain/design/decisions';
import { declareOutput, submitDesign } from '../../lambdas/domain/design/hand-in';
import { MAX_RELEASES_KEPT, RELEASE_COOLDOWN_MINUTES } from '../../lambdas/domain/design/shared';
import { sweepLeases } from '../../lambdas/domain/design/sweeps';
import { awaitDesign, deliverAndAwaitDecision, qaDesign } from '../../lambdas/domain/design/workflow-tasks';
import type { OrderItemRequest } from '../../lambdas/domain/order-input';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import type { Actor } from '../../lambdas/kernel/identity';
import { makeCreateOrderRequest, makeOrderItemRequest } from '../support/factories';
import { makeActor, makeDesignDeps, makeDesigner, sha256 } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';

const lab = makeActor();
const model = { type: 'model', arch: 'both', material: 'print-resin' } as OrderItemRequest;
const designer = makeDesigner;

const setup = (designers: Record<string, { skills: string[]; capacity: number }>) =>
  makeDesignDeps(designers);
type Setup = ReturnType<typeof setup>;

let n = 0;
/** An order as ingest and the design wait leave it: QUEUED, due `dueInMinutes` from now, in the queue. */
const queued = async (
  deps: Setup,
  opts: { turnaround?: 'standard' | 'rush'; dueInMinutes?: number; items?: OrderItemRequest[] } = {},
) => {
  const { orderId } = await createOrder(
    deps,
    lab,
    parseCreateOrder(
      makeCreateOrderRequest({
        caseRef: `C-${++n}`,
        turnaround: opts.turnaround ?? 'standard',
        items: opts.items ?? [makeOrderItemRequest()],
      }),
    ),
  );
  const now = deps.clock.now();
  await deps.orders.transition(
    orderId,
    ['DRAFT'],
    {
      status: 'QUEUED',
      submittedAt: now.toISOString(),
      dueAt: new Date(now.getTime() + (opts.dueInMinutes ?? 24 * 60) * 60_000).toISOString(),
    },
    { indexes: { pending: null, watch: { at: now.toISOString() } } },
  );
  await awaitDesign(deps, { orderId, accountId: 'lab-acme', taskToken: `tok-${orderId}` });
  return orderId;
};

/** Claims until told there is nothing more; the order ids in the order received. */
const claimAll = async (deps: Setup, actor: Actor) => {
  const got: string[] = [];
  for (let view = await claimNext(deps, actor); view; view = await claimNext(deps, actor))
    got.push(view.orderId);
  return got;
};

describe('a claimer alone', () => {
  it('always gets the most urgent order it may take: offers, then rush, then standard; then due date; then age', async () => {
    // Prepare: priya (crowns, bridges) made a design the lab sent back: it is offered to her.
    const deps = setup({ priya: { skills: ['crown', 'bridge'], capacity: 20 } });
    const priya = designer('priya');
    const revised = await queued(deps, { dueInMinutes: 3 * 24 * 60 });
    await claimNext(deps, priya);
    const body = meshBytes('stl-binary', { triangles: 20, seed: 1 });
    const out = await declareOutput(deps, priya, revised, {
      name: 'd.stl',
      sizeBytes: body.length,
      sha256: sha256(body),
    });
    const file = (await deps.orders.files(revised)).find((f) => f.fileId === out.fileId);
    deps.files.objects.set(file?.key ?? '', body);
    await submitDesign(deps, priya, revised);
    expect((await qaDesign(deps, { orderId: revised, accountId: 'lab-acme' })).passed).toBe(true);
    await deliverAndAwaitDecision(deps, { orderId: revised, accountId: 'lab-acme', taskToken: 'dec-1' });
    await requestRevision(deps, lab, revised, { reason: 'contacts' });
    await awaitDesign(deps, { orderId: revised, accountId: 'lab-acme', taskToken: 'tok-rev' });
    // Orders queued in a jumbled order, a minute apart; all but two due within the same hour,
    // so a claimer that picked at random among equally urgent orders would be caught.
    const queue: { id: string; rank: number }[] = [];
    const plan: { rank: number; turnaround?: 'rush'; dueInMinutes: number; items?: OrderItemRequest[] }[] = [
      { rank: 5, dueInMinutes: 24 * 60 + 30 },
      { rank: 2, dueInMinutes: 24 * 60 + 10, turnaround: 'rush' },
      { rank: -1, dueInMinutes: 60, items: [makeOrderItemRequest({ type: 'veneer' })] },
      { rank: 4, dueInMinutes: 24 * 60 + 20 },
      { rank: 1, dueInMinutes: 24 * 60 + 5, turnaround: 'rush' },
      { rank: 6, dueInMinutes: 24 * 60 + 31 },
      { rank: 3, dueInMinutes: 24 * 60 + 15 },
      { rank: 7, dueInMinutes: 24 * 60 + 31 },
      { rank: 8, dueInMinutes: 5 * 24 * 60 },
      { rank: -1, dueInMinutes: 30, items: [makeOrderItemRequest(), model] },
    ];
    for (const p of plan) {
      deps.clock.advance(60_000);
      // Due dates count from the first order, so the clock moving does not reorder them.
      queue.push({
        id: await queued(deps, { ...p, dueInMinutes: p.dueInMinutes - queue.length }),
        rank: p.rank,
      });
    }
    // Act
    const got = await claimAll(deps, priya);
    // Assess: the revision first, then by rank; never an order with an item outside her skills.
    const expected = queue
      .filter((q) => q.rank >= 0)
      .sort((a, b) => a.rank - b.rank)
      .map((q) => q.id);
    expect(got).toEqual([revised, ...expected]);
  });

  it('reads past a page of orders it may not take to the first it may', async () => {
    // Prepare: 120 veneers ahead of one crown (the claim pages through the queue index).
    const deps = setup({ priya: { skills: ['crown'], capacity: 2 } });
    for (let i = 0; i < 120; i++) await queued(deps, { items: [makeOrderItemRequest({ type: 'veneer' })] });
    deps.clock.advance(60_000);
    const crown = await queued(deps);
    // Act and assess
    expect((await claimNext(deps, designer('priya')))?.orderId).toBe(crown);
  });
});

describe('an order a designer released', () => {
  it('is not offered back to that designer, who gets the next one; another designer gets it in its place', async () => {
    // Prepare: three crowns, a minute apart (oldest most urgent).
    const deps = setup({
      priya: { skills: ['crown'], capacity: 3 },
      marco: { skills: ['crown'], capacity: 3 },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      deps.clock.advance(60_000);
      ids.push(await queued(deps, { dueInMinutes: 24 * 60 - i }));
    }
    const [first, second, third] = ids;
    // Act: priya claims the head and lets it go, twice over.
    expect((await claimNext(deps, designer('priya')))?.orderId).toBe(first);
    await releaseAssignment(deps, designer('priya'), first ?? '');
    const next = await claimNext(deps, designer('priya'));
    await releaseAssignment(deps, designer('priya'), second ?? '');
    const after = await claimNext(deps, designer('priya'));
    // Assess: each claim moved on; marco gets the released orders, most urgent first, as before.
    expect(next?.orderId).toBe(second);
    expect(after?.orderId).toBe(third);
    expect((await claimNext(deps, designer('marco')))?.orderId).toBe(first);
    expect((await claimNext(deps, designer('marco')))?.orderId).toBe(second);
    expect(deps.orders.orders.get(first ?? '')?.releases).toEqual([{ sub: 'priya', at: expect.any(String) }]);
  });

  it('leaves a designer whose only candidates it released with nothing to claim, slot given back, until the cool-down ends', async () => {
    // Prepare
    const deps = setup({ priya: { skills: ['crown'], capacity: 3 } });
    const a = await queued(deps);
    const b = await queued(deps);
    for (const id of [a, b]) {
      await claimNext(deps, designer('priya'));
      await releaseAssignment(deps, designer('priya'), id);
    }
    // Act and assess: nothing to claim (no error), no slot held, both still queued.
    expect(await claimNext(deps, designer('priya'))).toBeUndefined();
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
    expect([a, b].map((id) => deps.orders.orders.get(id)?.status)).toEqual(['QUEUED', 'QUEUED']);
    deps.clock.advance((RELEASE_COOLDOWN_MINUTES - 1) * 60_000);
    expect(await claimNext(deps, designer('priya'))).toBeUndefined();
    deps.clock.advance(2 * 60_000);
    expect((await claimNext(deps, designer('priya')))?.orderId).toBe(a);
  });

  it('is offered back after a lapsed lease: a lapse is not a release', async () => {
    // Prepare
    const deps = setup({ priya: { skills: ['crown'], capacity: 3 } });
    const orderId = await queued(deps);
    await claimNext(deps, designer('priya'));
    deps.clock.advance(121 * 60_000);
    expect((await sweepLeases(deps)).expiredLeases).toBe(1);
    // Act and assess
    expect(deps.orders.orders.get(orderId)?.releases).toBeUndefined();
    expect((await claimNext(deps, designer('priya')))?.orderId).toBe(orderId);
  });

  it('keeps a bounded record: the newest releases within the cool-down', async () => {
    // Prepare: more designers than the record keeps release the same order in turn.
    const subs = Array.from({ length: MAX_RELEASES_KEPT + 3 }, (_, i) => `d${i}`);
    const deps = setup(Object.fromEntries(subs.map((s) => [s, { skills: ['crown'], capacity: 1 }])));
    const orderId = await queued(deps);
    // The first one released long ago: past the cool-down by the time the others have.
    for (const [i, sub] of subs.entries()) {
      expect((await claimNext(deps, designer(sub)))?.orderId).toBe(orderId);
      await releaseAssignment(deps, designer(sub), orderId);
      deps.clock.advance(i === 0 ? RELEASE_COOLDOWN_MINUTES * 60_000 : 60_000);
    }
    // Assess: the newest MAX_RELEASES_KEPT, oldest first; the one pushed out may claim it again.
    const releases = deps.orders.orders.get(orderId)?.releases ?? [];
    expect(releases.map((r) => r.sub)).toEqual(subs.slice(-MAX_RELEASES_KEPT));
    expect((await claimNext(deps, designer('d1')))?.orderId).toBe(orderId);
  });
});

describe('a claim that fails', () => {
  it.each(['designers.get', 'queuePage'] as const)(
    'gives back the slot it took alongside a read that failed (%s)',
    async (failing) => {
      // Prepare
      const deps = setup({ priya: { skills: ['crown'], capacity: 2 } });
      const orderId = await queued(deps);
      const throttled = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      if (failing === 'queuePage') vi.spyOn(deps.orders, 'queuePage').mockRejectedValueOnce(throttled);
      else vi.spyOn(deps.designers, 'get').mockRejectedValueOnce(throttled);
      // Act
      await expect(claimNext(deps, designer('priya'))).rejects.toBe(throttled);
      // Assess: no slot held, the order still queued; the retry takes it.
      expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
      expect(deps.orders.orders.get(orderId)?.status).toBe('QUEUED');
      vi.restoreAllMocks();
      expect((await claimNext(deps, designer('priya')))?.orderId).toBe(orderId);
    },
  );
});

describe('many claimers at once', () => {
  it('hold every order at most once, within skills and capacity, spread out instead of fighting over the head', async () => {
    // Prepare: 40 crowns and 20 models, all equally urgent; priya and marco take crowns (20 each),
    // lin models; four claims in flight per designer, as in the bench.
    const deps = setup({
      priya: { skills: ['crown'], capacity: 20 },
      marco: { skills: ['crown', 'veneer'], capacity: 20 },
      lin: { skills: ['model'], capacity: 20 },
    });
    for (let i = 0; i < 60; i++) await queued(deps, i % 3 === 2 ? { items: [model] } : {});
    // One extra crown that nobody has room for once the crowns are shared out.
    await queued(deps);
    const transition = deps.orders.transition.bind(deps.orders);
    let lostWrites = 0;
    vi.spyOn(deps.orders, 'transition').mockImplementation(async (...args) => {
      const moved = await transition(...args);
      if (!moved && args[2].status === 'ASSIGNED') lostWrites++;
      return moved;
    });
    // Act
    const claimers = ['priya', 'marco', 'lin'].flatMap((sub) =>
      Array.from({ length: 4 }, async () => ({ sub, got: await claimAll(deps, designer(sub)) })),
    );
    const results = await Promise.all(claimers);
    // Assess: one holder per order, the one the order names; skills; capacity; nothing left
    // that someone with room could take.
    const won = results.flatMap((r) => r.got.map((orderId) => ({ orderId, sub: r.sub })));
    expect(new Set(won.map((w) => w.orderId)).size).toBe(won.length);
    for (const w of won) {
      const order = deps.orders.orders.get(w.orderId);
      expect(order).toMatchObject({ status: 'ASSIGNED', assignee: w.sub });
      const skills = deps.designers.all.get(w.sub)?.skills ?? [];
      expect(order?.items.every((item) => skills.includes(item.type))).toBe(true);
    }
    for (const sub of ['priya', 'marco', 'lin']) {
      const held = won.filter((w) => w.sub === sub).length;
      expect(held).toBe(20);
      expect(deps.designers.all.get(sub)?.activeJobs).toBe(held);
    }
    expect([...deps.orders.orders.values()].filter((o) => o.status === 'QUEUED')).toHaveLength(1);
    // Claimers that all walk on from the head together lose more writes than they win orders
    // (98 lost for 60 won here, even skipping what a read shows taken); spread out, about one
    // claim in two loses a write (30-33 here), on its first go at the head.
    expect(lostWrites).toBeLessThan(won.length);
  });
});
