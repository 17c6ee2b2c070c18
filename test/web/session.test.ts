/** The console's session: idle sign-out after 15 minutes, the warning a minute before, activity restarting it. */
import { describe, expect, it } from 'vitest';
import { formatCountdown, IDLE_LIMIT_MS, identityOf, Session } from '../../web/src/session';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const token = (claims: Record<string, unknown>) => `${b64url({ alg: 'RS256' })}.${b64url(claims)}.sig`;
const LAB = token({ sub: 'u-1', username: 'lab.acme', 'cognito:groups': ['lab'], account_id: 'lab-acme' });

const clockAt = (start: number) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

describe('Session', () => {
  it('reads who is signed in from the access token', () => {
    expect(identityOf(LAB)).toEqual({
      username: 'lab.acme',
      sub: 'u-1',
      roles: ['lab'],
      accountId: 'lab-acme',
    });
  });

  it('warns at 14 minutes idle and signs out at 15, dropping the token', () => {
    // Prepare
    const clock = clockAt(1_000_000);
    const session = new Session(clock.now);
    session.signIn(LAB);
    // Act + Assess
    clock.advance(14 * 60_000 - 1);
    expect(session.state()?.warning).toBe(false);
    clock.advance(1);
    expect(session.state()).toMatchObject({ warning: true, idleLeftMs: 60_000 });
    clock.advance(59_999);
    expect(session.accessToken()).toBe(LAB);
    clock.advance(1);
    expect(session.accessToken()).toBeUndefined();
    expect(session.state()).toBeUndefined();
    expect(session.lastSignOut).toBe('idle');
  });

  it('starts the idle clock again on activity', () => {
    const clock = clockAt(0);
    const session = new Session(clock.now);
    session.signIn(LAB);
    clock.advance(IDLE_LIMIT_MS - 1000);
    session.activity();
    clock.advance(IDLE_LIMIT_MS - 1000);
    expect(session.accessToken()).toBe(LAB);
    expect(session.state()?.idleLeftMs).toBe(1000);
  });

  it('tells listeners about sign-in and sign-out, and a user sign-out is told apart', () => {
    const session = new Session(() => 0);
    let calls = 0;
    session.subscribe(() => calls++);
    session.signIn(LAB);
    session.signOut('user');
    expect(calls).toBe(2);
    expect(session.lastSignOut).toBe('user');
  });

  it('formats the countdown as m:ss, rounding up', () => {
    expect(formatCountdown(60_000)).toBe('1:00');
    expect(formatCountdown(59_001)).toBe('1:00');
    expect(formatCountdown(9_000)).toBe('0:09');
    expect(formatCountdown(15 * 60_000)).toBe('15:00');
  });
});
