/**
 * The orders a designer holds: list them, read one, download its inputs, keep the lease alive
 * with a heartbeat, or give the order back to the queue. The hand-in is in hand-in.ts.
 */
import type { Actor } from '../../kernel/identity';
import { type AuditDeps, recordAudit } from '../audit';
import type { Order } from '../order';
import type { Deps, DesignDeps } from '../ports';
import { noteTimeline, queueSortKey } from '../recovery';
import {
  addMinutes,
  assignmentView,
  LEASE_MINUTES,
  loadHeld,
  notHeld,
  orUndo,
  presignedGets,
  withRelease,
} from './shared';

/** Giving an order back: the order, and the designer's slot with it (undone together). */
type RequeueDeps = Pick<DesignDeps, 'orders' | 'clock' | 'notifier' | 'designers'>;

export const heartbeat = async (deps: AuditDeps & Pick<Deps, 'orders'>, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.heartbeat');
  const lease = addMinutes(deps.clock.now(), LEASE_MINUTES).toISOString();
  const moved = await deps.orders.transition(
    orderId,
    ['ASSIGNED'],
    { leaseExpiresAt: lease },
    { expect: { assignee: actor.sub }, indexes: { pending: { name: 'LEASE', at: lease } } },
  );
  if (!moved) throw notHeld(order.orderId);
  return { orderId, leaseExpiresAt: lease };
};

export const listAssignments = async (deps: AuditDeps & Pick<Deps, 'orders' | 'phi'>, actor: Actor) => {
  const ids = await deps.orders.assignedTo(actor.sub);
  const orders = (await Promise.all(ids.map((id) => deps.orders.get(id)))).filter(
    (o): o is Order => o !== undefined && o.assignee === actor.sub,
  );
  for (const o of orders)
    await recordAudit(deps, actor, {
      accountId: o.accountId,
      action: 'assignment.list',
      outcome: 'ALLOWED',
      orderId: o.orderId,
    });
  return { assignments: await Promise.all(orders.map((o) => assignmentView(deps, o))) };
};

export const getAssignment = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'phi'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.view', ['ASSIGNED', 'QA']);
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.view',
    outcome: 'ALLOWED',
    orderId,
  });
  return assignmentView(deps, order);
};

export const inputsOf = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.inputs');
  const inputs = (await deps.orders.files(orderId)).filter((f) => f.role === 'input' && f.check?.ok);
  return presignedGets(deps, actor, order, inputs, 'assignment.inputs');
};

/**
 * Gives an order back to the queue, in its place (the designer's choice, an expired lease, the
 * containment of a suspended designer). `released`: the holder let it go itself, so the order
 * remembers it and the queue does not offer it back to that designer for the cool-down
 * (RELEASE_COOLDOWN_MINUTES); a lapsed lease or a containment is not a release.
 */
export const requeue = async (
  deps: RequeueDeps,
  order: Order,
  by: string,
  reason: string,
  opts: { released?: boolean } = {},
) => {
  const at = deps.clock.now();
  const now = at.toISOString();
  const releases = opts.released && order.assignee ? withRelease(order, order.assignee, at) : undefined;
  const moved = await deps.orders.transition(
    order.orderId,
    ['ASSIGNED'],
    { status: 'QUEUED', updatedAt: now, ...(releases ? { releases } : {}) },
    {
      expect: { assignee: order.assignee ?? '' },
      remove: ['assignee', 'leaseExpiresAt', 'claimedAt'],
      indexes: {
        queue: { lane: 'QUEUE', sortKey: queueSortKey(order, (order.revisionCount ?? 0) > 0) },
        assignee: null,
        pending: null,
      },
    },
  );
  if (!moved) return false;
  const assignee = order.assignee;
  // The slot and the order go back together: a slot that cannot be given back undoes the requeue.
  if (assignee) await orUndo(deps, order, moved, reason, () => deps.designers.releaseSlot(assignee));
  await noteTimeline(deps, order.orderId, reason, by);
  return true;
};

export const releaseAssignment = async (deps: AuditDeps & RequeueDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.release');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.release',
    outcome: 'ALLOWED',
    orderId,
  });
  if (!(await requeue(deps, order, actor.sub, 'RELEASED', { released: true }))) throw notHeld(orderId);
  return { orderId, status: 'QUEUED' as const };
};
