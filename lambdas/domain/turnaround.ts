/**
 * When a design is due.
 *
 * The design team works in shifts across time zones, so time is counted round the clock on
 * business days and the whole weekend is skipped; all in UTC, which is what the team plans
 * in and what is stored. A turnaround is a number of business hours from submission:
 *
 * - standard: 24 business hours (a case submitted on Tuesday 15:00 UTC is due Wednesday 15:00 UTC);
 * - rush:     8 business hours.
 *
 * A case submitted at the weekend starts its clock at Monday 00:00 UTC; one whose time runs
 * past Friday midnight continues on Monday (Friday 20:00 standard → Monday 20:00).
 * Public holidays are not skipped: the offshore team does not share the labs' holidays,
 * and a holiday calendar would be a per-team setting, not a constant.
 *
 * Pure: the submission time is passed in (the clock is injected by the caller).
 */

export const TURNAROUNDS = ['standard', 'rush'] as const;
export type Turnaround = (typeof TURNAROUNDS)[number];

/** Business hours from submission to due time. */
export const TURNAROUND_BUSINESS_HOURS: Readonly<Record<Turnaround, number>> = Object.freeze({
  standard: 24,
  rush: 8,
});

/** UTC days of the week (Date#getUTCDay) on which the clock runs: Monday to Friday. */
export const BUSINESS_DAYS_UTC: readonly number[] = Object.freeze([1, 2, 3, 4, 5]);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function isBusinessDay(ms: number): boolean {
  return BUSINESS_DAYS_UTC.includes(new Date(ms).getUTCDay());
}

export function computeDueAt(turnaround: Turnaround, submittedAt: Date): Date {
  const start = submittedAt.getTime();
  if (Number.isNaN(start)) throw new RangeError('submittedAt must be a valid Date');
  const hours = TURNAROUND_BUSINESS_HOURS[turnaround];
  if (hours === undefined) throw new RangeError(`Unknown turnaround: ${String(turnaround)}`);

  let remaining = hours * HOUR_MS;
  let cursor = start;
  // Walk day by day: spend what is left of each business day, skip the others.
  for (;;) {
    const endOfDay = startOfUtcDay(cursor) + DAY_MS;
    if (isBusinessDay(cursor)) {
      const available = endOfDay - cursor;
      if (remaining <= available) return new Date(cursor + remaining);
      remaining -= available;
    }
    cursor = endOfDay;
  }
}
