/**
 * A designer claims the most urgent order it may take: a revision offered to it first, then the
 * shared queue, passing over the orders it released itself within the cool-down
 * (RELEASE_COOLDOWN_MINUTES, design/shared.ts). Priority order (revisions, rush, dueAt, age) holds for a claimer alone; claimers
 * that collide spread out over equally urgent orders instead of fighting for one (`pickEntry`),
 * and one conditional write per attempt means no order is ever held twice.
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditDeps, recordAudit } from '../audit';
import type { Designer } from '../designers';
import type { DesignDeps, QueueEntry } from '../ports';
import { noteTimeline } from '../recovery';
import { addMinutes, assignmentView, LEASE_MINUTES, orUndo, releasedBy } from './shared';

/**
 * Queue entries per page, and pages per lane, a claim reads at most: it reads an index (keys and
 * item types), never a table, and fetches only the orders it goes for.
 */
const CLAIM_PAGE = 50;
const CLAIM_MAX_PAGES = 4;

/**
 * A claim reads the queue and the registry, takes a slot and audits; `notifier` alerts operators
 * when an undo or the timeline entry after a claim fails.
 */
type ClaimDeps = AuditDeps & Pick<DesignDeps, 'orders' | 'designers' | 'phi' | 'notifier'>;

const canTake = (designer: Designer, itemTypes: readonly string[]) =>
  itemTypes.every((type) => (designer.skills as readonly string[]).includes(type));

/** Equally urgent: the same priority class, due within the same hour (queueSortKey's first two parts). */
const urgency = (sortKey: string) => {
  const [priority = '', dueAt = ''] = sortKey.split('#', 2);
  return `${priority}#${dueAt.slice(0, 13)}`;
};

/**
 * Which of `entries` (most urgent first) a claimer goes for. One that has not lost a race takes
 * the head, so a claimer alone always gets the most urgent order it may take. One that has lost
 * (another claimer took an order it went for) picks at random among the entries as urgent as the
 * head: claimers that collided spread out over the equally urgent orders instead of all moving
 * on to the next one together, which is what made 12 claimers fight over one order at a time.
 */
const pickEntry = (entries: readonly QueueEntry[], contended: boolean) => {
  const head = entries[0];
  if (!contended || !head) return 0;
  const level = urgency(head.sortKey);
  let same = 1;
  while (same < entries.length && urgency(entries[same]?.sortKey ?? '') === level) same++;
  return Math.floor(Math.random() * same);
};

/** tryClaim's answer for an order this designer released within the cool-down: passed over, not lost. */
const RELEASED_BY_YOU = 'released-by-you';

/**
 * One attempt on one order: read it (the index lags the table and holds no more than keys and
 * item types), then one conditional write. Undefined when it is no longer there to take;
 * RELEASED_BY_YOU when the designer released it lately (only the order itself says so).
 */
const tryClaim = async (deps: ClaimDeps, actor: Actor, designer: Designer, lane: string, orderId: string) => {
  const before = await deps.orders.get(orderId);
  // Taken since the page was read (or changed so this designer may not take it): no write at all.
  const types = before?.items.map((i) => i.type) ?? [];
  if (before?.status !== 'QUEUED' || !canTake(designer, types)) return undefined;
  const now = deps.clock.now();
  if (releasedBy(before, actor.sub, now)) return RELEASED_BY_YOU;
  const lease = addMinutes(now, LEASE_MINUTES).toISOString();
  // The condition (still QUEUED, still in this lane) is what makes two designers never hold one
  // order; the unchanged updatedAt makes `before` exactly what an undo puts back.
  const claimed = await deps.orders.transition(
    orderId,
    ['QUEUED'],
    {
      status: 'ASSIGNED',
      assignee: actor.sub,
      claimedAt: now.toISOString(),
      leaseExpiresAt: lease,
      updatedAt: now.toISOString(),
    },
    {
      expect: { gsi3pk: lane, updatedAt: before.updatedAt },
      remove: ['offerTo', 'offerExpiresAt'],
      indexes: {
        queue: null,
        assignee: { sub: actor.sub, since: now.toISOString() },
        pending: { name: 'LEASE', at: lease },
      },
    },
  );
  if (!claimed) return undefined;
  // All or nothing: an audit or a decryption that fails undoes the claim (and the slot is
  // given back by the caller), so the order is back in its lane exactly as it was.
  const view = await orUndo(deps, before, claimed, 'queue.claim', async () => {
    await recordAudit(deps, actor, {
      accountId: claimed.accountId,
      action: 'queue.claim',
      outcome: 'ALLOWED',
      orderId: claimed.orderId,
    });
    return assignmentView(deps, claimed);
  });
  await noteTimeline(deps, claimed.orderId, 'ASSIGNED', actor.sub, {
    revision: claimed.revisionCount ?? 0,
  });
  return view;
};

/** Leases the most urgent order this designer may take, or undefined (204) when none fits or at capacity. */
export const claimNext = async (deps: ClaimDeps, actor: Actor) => {
  const lanes = [`OFFER#${actor.sub}`, 'QUEUE'];
  // The registry and the first page of each lane at once: one round trip before the first
  // attempt, not four (a designer at capacity pays for two index pages it does not use).
  const [registered, slot, ...firstPages] = await Promise.allSettled([
    deps.designers.get(actor.sub),
    deps.designers.acquireSlot(actor.sub),
    ...lanes.map((lane) => deps.orders.queuePage(lane, CLAIM_PAGE)),
  ] as const);
  const held = slot.status === 'fulfilled' && slot.value;
  try {
    if (registered.status === 'rejected') throw registered.reason;
    if (!registered.value?.enabled) {
      throw new ConflictError(
        'You are not an active designer in the registry; ask an operator.',
        'DESIGNER_INACTIVE',
      );
    }
    if (slot.status === 'rejected') throw slot.reason;
    if (!held) return undefined;
    const designer = registered.value;
    let contended = false;
    for (const [i, lane] of lanes.entries()) {
      const first = firstPages[i];
      if (first?.status === 'rejected') throw first.reason;
      let result = first?.value;
      for (let page = 0; result && page < CLAIM_MAX_PAGES; page++) {
        const open = result.entries.filter((e) => canTake(designer, e.itemTypes));
        while (open.length) {
          const [entry] = open.splice(pickEntry(open, contended), 1);
          const view = entry && (await tryClaim(deps, actor, designer, lane, entry.orderId));
          // Its own release is no race lost: the claimer still goes for the head of what is left.
          if (view === RELEASED_BY_YOU) continue;
          if (view) return view;
          contended = true;
        }
        const more = result.cursor && page + 1 < CLAIM_MAX_PAGES;
        result = more ? await deps.orders.queuePage(lane, CLAIM_PAGE, result.cursor) : undefined;
      }
    }
  } catch (error) {
    if (held) await deps.designers.releaseSlot(actor.sub);
    throw error;
  }
  await deps.designers.releaseSlot(actor.sub);
  return undefined;
};
