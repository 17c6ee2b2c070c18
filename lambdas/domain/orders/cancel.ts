/**
 * Closing a draft: the lab cancels it, or the purge sweep finds it idle past its expiry timer.
 * Either way its uploads go at once, its guards are given back, and the record stays until the
 * CANCELLED retention window ends (domain/retention.ts).
 */
import type { Actor } from '../../kernel/identity';
import { type AuditDeps, recordAudit } from '../audit';
import { type Order, type OrderFile, orderPrefix } from '../order';
import type { Deps } from '../ports';
import { closedOrderPurge, draftExpiry } from '../retention';
import { releaseGuards } from './guards';
import { loadOwnedOrder, requireDraft, timeline } from './shared';

export const cancelOrder = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'order.cancel');
  if (order.status === 'CANCELLED') return { orderId, status: 'CANCELLED' as const, removedObjects: 0 };
  requireDraft(order, 'an order can be cancelled');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.cancel',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now().toISOString();
  // The uploads go now; the record (patient reference, notes) at the end of the closing window.
  const purge = closedOrderPurge('CANCELLED', deps.clock.now());
  const cancelled = await deps.orders.transition(
    orderId,
    ['DRAFT'],
    { status: 'CANCELLED', updatedAt: now, closedReason: 'CANCELLED_BY_LAB', purgeAfter: purge.purgeAfter },
    { indexes: { pending: purge.pending } },
  );
  if (!cancelled) requireDraft((await deps.orders.get(orderId)) ?? order, 'an order can be cancelled');
  const removedObjects = await removeUploads(deps, orderId, await deps.orders.files(orderId));
  await releaseGuards(deps, order);
  await timeline(deps, { orderId, type: 'CANCELLED', by: actor.sub, detail: { removedObjects } });
  return { orderId, status: 'CANCELLED' as const, removedObjects };
};

/** A cancelled draft's uploads go at once (unfinished multipart uploads too); returns the count. */
const removeUploads = async (deps: Pick<Deps, 'files'>, orderId: string, files: readonly OrderFile[]) => {
  await Promise.all(
    files.map((f) =>
      f.upload.mode === 'multipart' && !f.uploadedAt
        ? deps.files.abortMultipart(f.key, f.upload.uploadId)
        : undefined,
    ),
  );
  return deps.files.deletePrefix(orderPrefix(orderId));
};

/**
 * The purge sweep found a draft's expiry timer due. A draft touched since (a file declared or
 * uploaded) has its timer moved on to DRAFT_IDLE_DAYS after that; one idle that long is cancelled
 * as a lab's cancel would (uploads removed now, guards given back, the record on the CANCELLED
 * window). A draft submitted or cancelled meanwhile is left to its new state ('changed').
 */
export const expireDraft = async (
  deps: Pick<Deps, 'orders' | 'files' | 'clock'>,
  order: Order,
  by: string,
): Promise<'extended' | 'cancelled' | 'changed'> => {
  const { orderId } = order;
  const files = await deps.orders.files(orderId);
  const touched = [order.updatedAt, ...files.flatMap((f) => [f.declaredAt, f.uploadedAt ?? ''])];
  const lastTouched = touched.reduce((a, b) => (b > a ? b : a));
  const now = deps.clock.now();
  const next = draftExpiry(new Date(lastTouched));
  if (next.at > now.toISOString()) {
    const moved = await deps.orders.transition(orderId, ['DRAFT'], {}, { indexes: { pending: next } });
    return moved ? 'extended' : 'changed';
  }
  const purge = closedOrderPurge('CANCELLED', now);
  const cancelled = await deps.orders.transition(
    orderId,
    ['DRAFT'],
    {
      status: 'CANCELLED',
      updatedAt: now.toISOString(),
      closedReason: 'DRAFT_EXPIRED',
      purgeAfter: purge.purgeAfter,
    },
    { indexes: { pending: purge.pending } },
  );
  if (!cancelled) return 'changed';
  const removedObjects = await removeUploads(deps, orderId, files);
  await releaseGuards(deps, order);
  await timeline(deps, {
    orderId,
    type: 'CANCELLED',
    by,
    detail: { removedObjects, reason: 'DRAFT_EXPIRED' },
  });
  return 'cancelled';
};
