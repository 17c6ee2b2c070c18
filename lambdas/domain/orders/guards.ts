/**
 * The duplicate guards of open orders: an account's case reference (by keyed hash) is held by one
 * open order at a time unless the lab says it is a remake, and so are its files' checksums
 * (held by the repository while the order is open). Closing an order gives both back.
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { OPEN_STATUSES, type Order } from '../order';
import type { CreateOrderInput } from '../order-input';
import type { Deps } from '../ports';

/**
 * A create whose order was never written leaves no guard behind (it is released), but if even the
 * release fails the guard names an order that does not exist. Such a guard older than this (well
 * past the create function's timeout, so no create can still be writing it) is taken over.
 */
export const STALE_CASE_REF_GUARD_MS = 5 * 60 * 1000;

/**
 * The duplicate-case guard's key: a keyed hash (KMS HMAC) of the account and case reference, so the
 * guard finds an open order by case number without the number being stored in clear.
 */
export const caseRefGuardKey = (deps: Pick<Deps, 'hasher'>, accountId: string, caseRef: string) =>
  deps.hasher.mac(JSON.stringify(['case-ref-guard', accountId, caseRef]));

/** The guard key an order holds: its keyed hash, or the clear reference on legacy orders. */
export const guardKeyOf = (order: Order): string | undefined => order.caseRefMac ?? order.caseRef;

/**
 * Reserves the case reference for `orderId`, or answers 409 naming the open order that holds it.
 * A guard left by a create that never wrote its order, or by a close that did not release it, is
 * taken over (conditionally: of two takers one wins).
 */
export const reserveCaseRef = async (
  deps: Pick<Deps, 'orders' | 'clock'>,
  actor: Actor,
  input: CreateOrderInput,
  guardKey: string,
  orderId: string,
) => {
  const now = deps.clock.now();
  let replacing: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const reservation = await deps.orders.reserveCaseRef(
      actor.accountId,
      guardKey,
      orderId,
      now.toISOString(),
      replacing,
    );
    if (reservation.reserved) return;
    const holder = await deps.orders.get(reservation.orderId);
    if (holder && holder.accountId === actor.accountId && OPEN_STATUSES.includes(holder.status)) {
      throw new ConflictError(
        `Case ${input.caseRef} is already open as order ${holder.orderId}. If this is a remake, send "remake": true.`,
        'DUPLICATE_CASE_REF',
        { existingOrderId: holder.orderId },
      );
    }
    const reservedAt = reservation.reservedAt ? Date.parse(reservation.reservedAt) : 0;
    if (!holder && now.getTime() - reservedAt < STALE_CASE_REF_GUARD_MS) {
      // Another create for this case is between its guard and its order: it may still succeed.
      throw new ConflictError(
        `Case ${input.caseRef} is being created by another request. Look for it with GET /orders in a minute before trying again.`,
        'CASE_REF_PENDING',
      );
    }
    replacing = reservation.orderId;
  }
  throw new ConflictError(
    `Case ${input.caseRef} is being created by another request. Try again in a minute.`,
    'CASE_REF_PENDING',
  );
};

/** Closing an order gives its case reference and file checksums back for new orders. */
export const releaseGuards = async (deps: Pick<Deps, 'orders'>, order: Order) => {
  const guardKey = guardKeyOf(order);
  if (!order.remake && guardKey) await deps.orders.releaseCaseRef(order.accountId, guardKey, order.orderId);
  await deps.orders.forgetFileShas(order.orderId);
};
