/**
 * How long an order that will never be archived keeps its data (archived orders follow the
 * account's retention; see the README's retention table). Each closing state puts the order on
 * the PURGE timer with `purgeAfter`, so nothing an order holds is kept for ever.
 */
import type { IndexChanges, Order } from './order';

/**
 * REJECTED and CANCELLED orders: long enough for the lab to read why a scan was refused (or see
 * that a draft was cancelled) and start again; there is no delivered case to keep.
 */
export const CLOSED_ORDER_RETENTION_DAYS = 30;

/**
 * STUCK orders: operators are alerted the moment an order goes STUCK and resume it (which puts
 * it back on the workflow's own timers) or close it. One that nobody resumes within 90 days (three
 * times the longest deletion grace a lab can have) is purged rather than kept for ever; the lab
 * may ask for its deletion sooner.
 */
export const STUCK_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

/** The fields and timer that give a closing order its purge date. */
export const closedOrderPurge = (
  status: Extract<Order['status'], 'REJECTED' | 'CANCELLED' | 'STUCK'>,
  now: Date,
): { purgeAfter: string; pending: NonNullable<IndexChanges['pending']> } => {
  const days = status === 'STUCK' ? STUCK_RETENTION_DAYS : CLOSED_ORDER_RETENTION_DAYS;
  const purgeAfter = new Date(now.getTime() + days * DAY_MS).toISOString();
  return { purgeAfter, pending: { name: 'PURGE', at: purgeAfter } };
};
