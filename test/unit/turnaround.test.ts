import { describe, expect, it } from 'vitest';
import {
  BUSINESS_DAYS_UTC,
  computeDueAt,
  TURNAROUND_BUSINESS_HOURS,
  type Turnaround,
} from '../../lambdas/domain/turnaround';

// 2024-03-04 is a Monday; 2024-03-08 a Friday; 2024-03-09/10 the weekend.
const at = (iso: string) => new Date(iso);

describe('turnaround constants', () => {
  it('states the documented numbers', () => {
    expect(TURNAROUND_BUSINESS_HOURS).toEqual({ standard: 24, rush: 8 });
    expect(BUSINESS_DAYS_UTC).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('computeDueAt', () => {
  it.each<[Turnaround, string, string]>([
    // Within the working week the clock runs round the clock.
    ['standard', '2024-03-05T15:00:00Z', '2024-03-06T15:00:00Z'],
    ['rush', '2024-03-05T15:00:00Z', '2024-03-05T23:00:00Z'],
    ['rush', '2024-03-05T20:30:00Z', '2024-03-06T04:30:00Z'],
    ['standard', '2024-03-04T00:00:00Z', '2024-03-05T00:00:00Z'],
    ['standard', '2024-03-07T23:59:00Z', '2024-03-08T23:59:00Z'],
    // Friday work that runs past midnight continues on Monday.
    ['standard', '2024-03-08T20:00:00Z', '2024-03-11T20:00:00Z'],
    ['rush', '2024-03-08T20:00:00Z', '2024-03-11T04:00:00Z'],
    ['standard', '2024-03-08T00:00:00Z', '2024-03-09T00:00:00Z'],
    ['rush', '2024-03-08T16:00:00Z', '2024-03-09T00:00:00Z'],
    ['rush', '2024-03-08T16:00:01Z', '2024-03-11T00:00:01Z'],
    // Weekend submissions start the clock on Monday 00:00 UTC.
    ['standard', '2024-03-09T10:00:00Z', '2024-03-12T00:00:00Z'],
    ['rush', '2024-03-10T23:59:59Z', '2024-03-11T08:00:00Z'],
    ['rush', '2024-03-09T00:00:00Z', '2024-03-11T08:00:00Z'],
    // Across a month and a year end.
    ['standard', '2024-12-31T12:00:00Z', '2025-01-01T12:00:00Z'],
    ['standard', '2025-01-03T18:00:00Z', '2025-01-06T18:00:00Z'],
  ])('%s submitted %s is due %s', (turnaround, submitted, due) => {
    // Act
    const dueAt = computeDueAt(turnaround, at(submitted));

    // Assess
    expect(dueAt.toISOString()).toBe(new Date(due).toISOString());
  });

  it('keeps milliseconds', () => {
    expect(computeDueAt('rush', at('2024-03-05T10:00:00.123Z')).toISOString()).toBe(
      '2024-03-05T18:00:00.123Z',
    );
  });

  it('ignores the time zone the Date was written in: everything is UTC', () => {
    // Friday 22:00 in New York is Saturday 03:00 UTC: a weekend submission.
    expect(computeDueAt('rush', at('2024-03-08T22:00:00-05:00')).toISOString()).toBe(
      '2024-03-11T08:00:00.000Z',
    );
  });

  it('never falls due on a weekend day, except exactly at the end of Friday', () => {
    // Prepare: every half hour of a fortnight.
    const start = Date.parse('2024-03-04T00:00:00Z');
    for (let i = 0; i < 14 * 48; i++) {
      for (const turnaround of ['standard', 'rush'] as const) {
        // Act
        const due = computeDueAt(turnaround, new Date(start + i * 1_800_000));

        // Assess
        const day = due.getUTCDay();
        const endOfFriday = day === 6 && due.getUTCHours() === 0 && due.getUTCMinutes() === 0;
        expect(day === 0 || (day === 6 && !endOfFriday)).toBe(false);
      }
    }
  });

  it('does not mutate the date it is given', () => {
    const submitted = at('2024-03-05T15:00:00Z');

    computeDueAt('standard', submitted);

    expect(submitted.toISOString()).toBe('2024-03-05T15:00:00.000Z');
  });

  it('rejects an invalid date', () => {
    expect(() => computeDueAt('standard', new Date('not a date'))).toThrow(RangeError);
  });

  it('rejects an unknown turnaround', () => {
    expect(() => computeDueAt('overnight' as Turnaround, at('2024-03-05T15:00:00Z'))).toThrow(RangeError);
  });
});
