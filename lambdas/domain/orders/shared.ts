/**
 * What the order use cases share: the ownership check every lab-facing read and action starts
 * with (also used by design/decisions.ts and purge.ts), the check that its files are still there to
 * hand out, the summary a lab sees of an order, the DRAFT check, the timeline entry, and how long a
 * presigned URL lives.
 */
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditAction, type AuditDeps, recordAudit } from '../audit';
import type { Order, OrderStatus, TimelineEntry } from '../order';
import type { Deps } from '../ports';

/** Presigned URLs live at most this long (seed 000: 15-minute sessions). */
export const URL_TTL_SECONDS = 15 * 60;

const notFound = (orderId: string) =>
  new NotFoundError(
    `No order ${orderId} in your account. Check the id, or list your orders with GET /orders.`,
  );

export const timeline = (deps: Pick<Deps, 'orders' | 'clock'>, entry: Omit<TimelineEntry, 'at'>) =>
  deps.orders.addTimeline({ ...entry, at: deps.clock.now().toISOString() });

/**
 * Loads an order the actor's account owns. Another account's order answers exactly like a
 * missing one (404), and the attempt is audited against the owner's account.
 */
export const loadOwnedOrder = async (
  deps: AuditDeps & Pick<Deps, 'orders'>,
  actor: Actor,
  orderId: string,
  action: AuditAction,
): Promise<Order> => {
  const order = await deps.orders.get(orderId);
  if (!order || order.accountId !== actor.accountId) {
    await recordAudit(deps, actor, {
      accountId: order?.accountId ?? actor.accountId,
      action,
      outcome: 'DENIED',
      orderId,
      reason: order ? 'NOT_OWNER' : 'NOT_FOUND',
    });
    throw notFound(orderId);
  }
  return order;
};

/**
 * The case files of an order are there to hand out: not asked to be deleted (hidden from the lab at
 * once), not purged. A 409 the lab can act on: withdraw the request, or read the certificate.
 */
export const requireFilesKept = (order: Order) => {
  const { orderId } = order;
  if (order.filesPurgedAt || order.status === 'PURGED') {
    throw new ConflictError(
      `The files of order ${orderId} were deleted at your request; see GET /orders/${orderId}/certificate.`,
      'FILES_PURGED',
    );
  }
  if (order.deletionRequest) {
    throw new ConflictError(
      `The files of order ${orderId} are scheduled for deletion; withdraw the request to see them again.`,
      'DELETION_REQUESTED',
    );
  }
};

export interface OrderSummary {
  readonly orderId: string;
  readonly caseRef: string;
  readonly status: OrderStatus;
  readonly turnaround: 'standard' | 'rush';
  readonly createdAt: string;
  readonly submittedAt?: string;
  readonly dueAt?: string;
  readonly itemCount: number;
}

/** The case reference is PHI: callers pass it from the decrypted PHI (or a legacy clear field). */
export const summary = (o: Order, caseRef: string): OrderSummary => ({
  orderId: o.orderId,
  caseRef,
  status: o.status,
  turnaround: o.turnaround,
  createdAt: o.createdAt,
  ...(o.submittedAt ? { submittedAt: o.submittedAt } : {}),
  ...(o.dueAt ? { dueAt: o.dueAt } : {}),
  itemCount: o.items.length,
});

export const requireDraft = (order: Order, what: string) => {
  if (order.status !== 'DRAFT') {
    throw new ConflictError(
      `Order ${order.orderId} is ${order.status}: ${what} only while it is a DRAFT.`,
      'WRONG_STATE',
      {
        status: order.status,
      },
    );
  }
};
