/**
 * The scheduled sweeps of the design half, each reading one timer of the orders table: expired
 * leases go back to the queue and expired revision offers open to everyone (LEASE, OFFER),
 * deliveries not decided in time are accepted (DECISION), and operators hear of orders near or
 * past their turnaround (the due index).
 */
import type { Deps, DesignDeps } from '../ports';
import { queueSortKey } from '../recovery';
import { requeue } from './assignments';
import { acceptDelivery, type DecisionDeps } from './decisions';

/** Expired leases go back to the queue; expired revision offers open to every designer. */
export const sweepLeases = async (deps: Pick<DesignDeps, 'orders' | 'clock' | 'notifier' | 'designers'>) => {
  const now = deps.clock.now().toISOString();
  let expired = 0;
  for (const orderId of await deps.orders.pendingBefore('LEASE', now, 100)) {
    const order = await deps.orders.get(orderId);
    if (
      order?.status === 'ASSIGNED' &&
      (order.leaseExpiresAt ?? '') < now &&
      // A requeue that failed was undone; the next run tries again, the other orders go on now.
      (await requeue(deps, order, 'lease-sweep', 'LEASE_EXPIRED').catch(() => false))
    ) {
      expired++;
      if (order.assignee)
        await deps.notifier.notify('assignment.lease-expired', { orderId, designerId: order.assignee });
    }
  }
  let offers = 0;
  for (const orderId of await deps.orders.pendingBefore('OFFER', now, 100)) {
    const order = await deps.orders.get(orderId);
    if (order?.status !== 'QUEUED') continue;
    const moved = await deps.orders.transition(
      orderId,
      ['QUEUED'],
      {},
      {
        remove: ['offerTo', 'offerExpiresAt'],
        indexes: { queue: { lane: 'QUEUE', sortKey: queueSortKey(order, true) }, pending: null },
      },
    );
    if (moved) offers++;
  }
  return { expiredLeases: expired, openedOffers: offers };
};

/**
 * Deliveries neither accepted nor revised in time are accepted automatically. One that fails stays
 * due (the next sweep tries again) and is an operator alert, never silence: a delivery the lab
 * never decided on must not wait on a fault nobody sees.
 */
export const sweepAutoAccept = async (deps: Omit<DecisionDeps, 'audit'>) => {
  let accepted = 0;
  let failed = 0;
  for (const orderId of await deps.orders.pendingBefore('DECISION', deps.clock.now().toISOString(), 100)) {
    try {
      // No actor: acceptDelivery audits only a person's decision, so the sweep needs no audit log.
      const result = await acceptDelivery(deps as DecisionDeps, undefined, orderId, true);
      if (result.status === 'ACCEPTED') accepted++;
    } catch (error) {
      failed++;
      await deps.notifier.operatorAlert('Auto-accept failed; the next sweep retries it', {
        orderId,
        errorName: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  return { autoAccepted: accepted, failed };
};

/** The longest a turnaround runs in wall-clock time (rush or standard across a weekend), for the due query. */
const MAX_TURNAROUND_WALL_MS = 5 * 86_400_000;

/** Operators hear when an order has used 80% of its time without a design, and when it is overdue. */
export const sweepTurnaround = async (deps: Pick<Deps, 'orders' | 'clock' | 'notifier'>) => {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + MAX_TURNAROUND_WALL_MS * 0.2).toISOString();
  let warned = 0;
  let overdue = 0;
  for (const orderId of await deps.orders.dueBefore(horizon, 200)) {
    const order = await deps.orders.get(orderId);
    if (!order?.dueAt || !order.submittedAt || !['QUEUED', 'ASSIGNED', 'QA'].includes(order.status)) continue;
    const start = Date.parse(order.submittedAt);
    const due = Date.parse(order.dueAt);
    const facts = {
      orderId,
      accountId: order.accountId,
      turnaround: order.turnaround,
      dueAt: order.dueAt,
      status: order.status,
    };
    if (now.getTime() >= due && !order.dueAlertOverdueAt) {
      await deps.orders.transition(orderId, [order.status], { dueAlertOverdueAt: now.toISOString() });
      await deps.notifier.operatorAlert('Order overdue', facts);
      overdue++;
    } else if (now.getTime() >= start + 0.8 * (due - start) && !order.dueAlert80At && now.getTime() < due) {
      await deps.orders.transition(orderId, [order.status], { dueAlert80At: now.toISOString() });
      await deps.notifier.operatorAlert('Order at 80% of its turnaround without a design', facts);
      warned++;
    }
  }
  return { warned, overdue };
};
