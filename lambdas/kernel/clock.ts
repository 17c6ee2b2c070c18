/**
 * Time is a dependency. Deadlines (breach notices, leases, turnaround, retention) are computed
 * from a Clock so tests and the local stack can move time forward without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * When presigned URLs signed at or after `signedFrom` stop working, stated to whoever receives
 * them: SigV4 signs whole seconds (X-Amz-Date), so a URL signed at t expires at floor(t) plus its
 * lifetime. Read the clock before the first signature: every URL of the answer then lives at least
 * until the time stated, never a moment less.
 */
export const presignedExpiry = (signedFrom: Date, seconds: number): string =>
  new Date(Math.floor(signedFrom.getTime() / 1000) * 1000 + seconds * 1000).toISOString();

/**
 * The local stack's clock: system time plus an offset an operator can advance. One instance per
 * process, shared by every handler the local stack hosts; on AWS it is never used.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The clock only moves forward');
    this.offsetMs += ms;
    return this.now();
  }
  setOffset(ms: number): void {
    this.offsetMs = ms;
  }
}

/**
 * One per process even when the local stack hosts each handler from its own built bundle (each
 * bundle carries its own copy of this module): the first copy loaded creates it, the rest share it.
 */
const SHARED_CLOCK = Symbol.for('caseline.adjustableClock');
const shared = globalThis as { [SHARED_CLOCK]?: AdjustableClock };
shared[SHARED_CLOCK] ??= new AdjustableClock();
export const adjustableClock: AdjustableClock = shared[SHARED_CLOCK];

/** A fixed, hand-moved clock for unit tests. */
export class FakeClock implements Clock {
  constructor(private current: Date = new Date('2026-01-05T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** The clock a handler runs on: the adjustable one on the local stack, the system clock on AWS. */
export const clockFor = (adjustable: boolean): Clock => (adjustable ? adjustableClock : systemClock);
