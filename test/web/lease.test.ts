/** The designer screens' lease countdown. */
import { describe, expect, it } from 'vitest';
import { leaseLeft } from '../../web/src/screens/designer';

describe('leaseLeft', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  it('counts down in m:ss under an hour and h:mm:ss above', () => {
    expect(leaseLeft('2026-12-02T10:05:07Z', now)).toBe('5:07');
    expect(leaseLeft('2026-12-02T12:00:09Z', now)).toBe('2:00:09');
  });
  it('says expired at and past the end, and – without a lease', () => {
    expect(leaseLeft('2026-12-02T10:00:00Z', now)).toBe('expired');
    expect(leaseLeft('2026-12-02T09:00:00Z', now)).toBe('expired');
    expect(leaseLeft(undefined, now)).toBe('–');
  });
});
