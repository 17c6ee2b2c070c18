/**
 * The console's session: idle sign-out after 15 minutes, the warning a minute before, activity
 * restarting it; the access token refreshed before it expires while the user is active, never
 * while idle; a refused refresh signs out; sign-out revokes the refresh token.
 */
import { describe, expect, it } from 'vitest';
import {
  formatCountdown,
  IDLE_LIMIT_MS,
  identityOf,
  REFRESH_AHEAD_MS,
  REFRESH_RETRY_MS,
  RefreshRefusedError,
  type Renewer,
  Session,
} from '../../web/src/session';

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

const TOKEN_MS = 15 * 60_000;
const RENEWED = token({
  sub: 'u-1',
  username: 'lab.acme',
  'cognito:groups': ['lab', 'lab-admin'],
  account_id: 'lab-acme',
});

/** A token endpoint that records its calls and answers as told. */
const fakeRenewer = (answer: () => Promise<{ accessToken: string; expiresInMs: number }>) => {
  const calls = { refresh: [] as string[], revoke: [] as string[] };
  const renewer: Renewer = {
    refresh: (rt) => {
      calls.refresh.push(rt);
      return answer();
    },
    revoke: async (rt) => {
      calls.revoke.push(rt);
    },
  };
  return { renewer, calls };
};

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('Session refresh', () => {
  it('refreshes an active user two minutes before the token expires and uses the new token', async () => {
    // Prepare
    const clock = clockAt(0);
    const { renewer, calls } = fakeRenewer(async () => ({ accessToken: RENEWED, expiresInMs: TOKEN_MS }));
    const session = new Session(clock.now);
    session.signIn(LAB, { refreshToken: 'rt-1', expiresInMs: TOKEN_MS, renewer });
    clock.advance(5 * 60_000);
    session.activity();
    // Act + Assess: not before the window opens, then once.
    clock.advance(TOKEN_MS - REFRESH_AHEAD_MS - 5 * 60_000 - 1);
    session.tick();
    expect(calls.refresh).toEqual([]);
    clock.advance(1);
    session.tick();
    session.tick();
    await flush();
    expect(calls.refresh).toEqual(['rt-1']);
    expect(session.accessToken()).toBe(RENEWED);
    expect(session.state()?.identity.roles).toEqual(['lab', 'lab-admin']);
  });

  it('keeps an active user signed in past 20 minutes, and signs out an idle one at 15 without refreshing', async () => {
    const clock = clockAt(0);
    const { renewer, calls } = fakeRenewer(async () => ({ accessToken: RENEWED, expiresInMs: TOKEN_MS }));
    const active = new Session(clock.now);
    const idle = new Session(clock.now);
    active.signIn(LAB, { refreshToken: 'rt-active', expiresInMs: TOKEN_MS, renewer });
    idle.signIn(LAB, { refreshToken: 'rt-idle', expiresInMs: TOKEN_MS, renewer });
    // Act: input every four minutes for the active one, a tick every minute for both.
    for (let minute = 1; minute <= 21; minute++) {
      clock.advance(60_000);
      if (minute % 4 === 0) active.activity();
      active.tick();
      idle.tick();
      await flush();
    }
    // Assess
    expect(active.accessToken()).toBe(RENEWED);
    expect(calls.refresh).toEqual(['rt-active']);
    expect(idle.accessToken()).toBeUndefined();
    expect(idle.lastSignOut).toBe('idle');
    expect(calls.revoke).toEqual(['rt-idle']);
  });

  it('signs out with its own reason when the refresh is refused, without revoking again', async () => {
    const clock = clockAt(0);
    const { renewer, calls } = fakeRenewer(() => Promise.reject(new RefreshRefusedError('invalid_grant')));
    const session = new Session(clock.now);
    session.signIn(LAB, { refreshToken: 'rt-1', expiresInMs: TOKEN_MS, renewer });
    // Act
    expect(await session.refresh()).toBe(false);
    // Assess
    expect(session.accessToken()).toBeUndefined();
    expect(session.lastSignOut).toBe('revoked');
    expect(calls.revoke).toEqual([]);
  });

  it('tries again 30 seconds after a refresh that got no answer, and stays signed in meanwhile', async () => {
    const clock = clockAt(0);
    let fail = true;
    const { renewer, calls } = fakeRenewer(() =>
      fail
        ? Promise.reject(new TypeError('Failed to fetch'))
        : Promise.resolve({ accessToken: RENEWED, expiresInMs: TOKEN_MS }),
    );
    const session = new Session(clock.now);
    session.signIn(LAB, { refreshToken: 'rt-1', expiresInMs: TOKEN_MS, renewer });
    clock.advance(TOKEN_MS - REFRESH_AHEAD_MS);
    session.activity();
    session.tick();
    await flush();
    expect(calls.refresh).toHaveLength(1);
    expect(session.accessToken()).toBe(LAB);
    // Act
    fail = false;
    clock.advance(REFRESH_RETRY_MS - 1);
    session.tick();
    await flush();
    expect(calls.refresh).toHaveLength(1);
    clock.advance(1);
    session.tick();
    await flush();
    // Assess
    expect(calls.refresh).toHaveLength(2);
    expect(session.accessToken()).toBe(RENEWED);
  });

  it('shares one refresh between callers, and an answer after sign-out revives nothing', async () => {
    const clock = clockAt(0);
    let answer: (v: { accessToken: string; expiresInMs: number }) => void = () => undefined;
    const { renewer, calls } = fakeRenewer(
      () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    );
    const session = new Session(clock.now);
    session.signIn(LAB, { refreshToken: 'rt-1', expiresInMs: TOKEN_MS, renewer });
    const first = session.refresh();
    const second = session.refresh();
    expect(calls.refresh).toHaveLength(1);
    // Act
    session.signOut('user');
    answer({ accessToken: RENEWED, expiresInMs: TOKEN_MS });
    // Assess
    expect(await Promise.all([first, second])).toEqual([false, false]);
    expect(session.accessToken()).toBeUndefined();
    expect(calls.revoke).toEqual(['rt-1']);
  });
});
