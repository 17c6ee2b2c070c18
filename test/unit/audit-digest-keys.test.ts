/**
 * Which digests cover a range, from their keys alone (digestKeysCovering, domain/audit-trail.ts):
 * windows are joined, so a run meets [from, to] when it starts by `to` and the next starts at or
 * after `from`; the very first run covers all written before it; listings are paged with no cap.
 */
import { describe, expect, it } from 'vitest';
import { accountDigestKey, globalDigestKey } from '../../lambdas/domain/audit-digest';
import { type DigestReader, digestKeysCovering } from '../../lambdas/domain/audit-trail';

/** A bucket listing as S3 gives it: keys in order after `startAfter`, at most `limit`. */
const bucket = (keys: string[]) => {
  const sorted = [...keys].sort();
  const calls: { prefix: string; startAfter: string }[] = [];
  const reader: DigestReader = {
    list: async (prefix, startAfter, limit) => {
      calls.push({ prefix, startAfter });
      return sorted.filter((k) => k.startsWith(prefix) && k > startAfter).slice(0, limit);
    },
    get: async () => undefined,
  };
  return { reader, calls };
};

const hour = (h: number) => new Date(Date.UTC(2026, 10, 1) + h * 3_600_000).toISOString();

/** Runs 1..n, hourly: run k's window is [hour(k-1), hour(k)]. Account digests in the runs given. */
const runs = (n: number, accountRuns: number[] = []) => [
  ...Array.from({ length: n }, (_, i) => globalDigestKey(hour(i), i + 1)),
  ...accountRuns.map((no) => accountDigestKey('lab-acme', hour(no - 1), no)),
];

describe('digestKeysCovering', () => {
  it('selects the runs whose windows meet the range, and the account’s digests of those runs only', async () => {
    // Prepare
    const { reader } = bucket(runs(100, [3, 10, 11, 12, 60]));
    // Act
    const covering = await digestKeysCovering(reader, 'lab-acme', hour(10), hour(12));
    // Assess: runs 10 (ends at hour 10), 11, 12 and 13 (starts at hour 12).
    expect(covering.globals.map((g) => g.digestNo)).toEqual([10, 11, 12, 13]);
    expect(covering.accounts.map((a) => a.digestNo)).toEqual([10, 11, 12]);
  });

  it('pages the listing: a year of hourly runs is found whole', async () => {
    // Prepare
    const { reader, calls } = bucket(runs(9_000, [1, 4_500, 8_999]));
    // Act
    const covering = await digestKeysCovering(reader, 'lab-acme', hour(2), hour(8_998));
    // Assess
    expect(covering.globals).toHaveLength(8_998);
    expect(covering.globals.at(0)?.digestNo).toBe(2);
    expect(covering.globals.at(-1)?.digestNo).toBe(8_999);
    expect(covering.accounts.map((a) => a.digestNo)).toEqual([4_500, 8_999]);
    expect(calls.filter((c) => c.prefix === 'global/').length).toBeGreaterThanOrEqual(9);
  });

  it('stops listing past `max` runs (the auditor’s route refuses such a range)', async () => {
    // Prepare
    const { reader } = bucket(runs(3_000));
    // Act
    const covering = await digestKeysCovering(reader, 'lab-acme', hour(0), hour(2_999), 1_000);
    // Assess
    expect(covering.globals.length).toBe(1_001);
  });

  it('includes the very first run for a range before its window: it sealed all written before it', async () => {
    // Prepare: one run, whose window starts after the range ends.
    const { reader } = bucket([globalDigestKey(hour(50), 1), accountDigestKey('lab-acme', hour(50), 1)]);
    // Act
    const covering = await digestKeysCovering(reader, 'lab-acme', hour(0), hour(10));
    // Assess
    expect(covering.globals.map((g) => g.digestNo)).toEqual([1]);
    expect(covering.accounts.map((a) => a.digestNo)).toEqual([1]);
  });

  it('does not reach back to the first run when later runs are listed', async () => {
    // Prepare: runs 1..200, a range at hour 150 (run 1 is far before the 48-hour look-back).
    const { reader } = bucket(runs(200));
    // Act
    const covering = await digestKeysCovering(reader, 'lab-acme', hour(150), hour(151));
    // Assess
    expect(covering.globals.map((g) => g.digestNo)).toEqual([150, 151, 152]);
  });
});
