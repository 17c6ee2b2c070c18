/**
 * How long an order that will never be archived keeps its data (archived orders follow the
 * account's retention; see the README's retention table). Each closing state puts the order on
 * the PURGE timer with `purgeAfter`, so nothing an order holds is kept for ever. A draft is on the
 * same timer from the moment it is written: abandoned, it is cancelled and follows CANCELLED.
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

/**
 * DRAFT orders: a draft nobody has touched (created, or a file declared or uploaded) for this long
 * is cancelled by the purge sweep (its uploads removed at once) and then follows CANCELLED. The
 * create writes the order with its PURGE timer at this date; the sweep moves the timer on if the
 * draft was touched since, and submitting replaces it with the workflow's own timers.
 */
export const DRAFT_IDLE_DAYS = 30;

const DAY_MS = 86_400_000;

/** The timer of a draft last touched at `lastTouched`: when the sweep cancels it if still idle. */
export const draftExpiry = (lastTouched: Date): NonNullable<IndexChanges['pending']> => ({
  name: 'PURGE',
  at: new Date(lastTouched.getTime() + DRAFT_IDLE_DAYS * DAY_MS).toISOString(),
});

/** The fields and timer that give a closing order its purge date. */
export const closedOrderPurge = (
  status: Extract<Order['status'], 'REJECTED' | 'CANCELLED' | 'STUCK'>,
  now: Date,
): { purgeAfter: string; pending: NonNullable<IndexChanges['pending']> } => {
  const days = status === 'STUCK' ? STUCK_RETENTION_DAYS : CLOSED_ORDER_RETENTION_DAYS;
  const purgeAfter = new Date(now.getTime() + days * DAY_MS).toISOString();
  return { purgeAfter, pending: { name: 'PURGE', at: purgeAfter } };
};
