/**
 * The signed-in session: the access token lives in this module's memory only (never
 * localStorage, sessionStorage, a cookie or the URL), so closing or reloading the tab signs out.
 *
 * Idle sign-out (seed 000, automatic logoff): 15 minutes without a key press, click, touch or
 * scroll ends the session; a warning shows one minute before, with a countdown. Time is read
 * from `now()` (Date.now), so a test drives it with the browser clock instead of waiting.
 */
import { ACCOUNT_ID_CLAIM } from '../../common/claims';

export const IDLE_LIMIT_MS = 15 * 60_000;
export const IDLE_WARNING_MS = 60_000;

export interface Identity {
  readonly username: string;
  readonly sub: string;
  readonly roles: readonly string[];
  readonly accountId: string;
}

export interface SessionState {
  readonly identity: Identity;
  /** Milliseconds left before the idle sign-out. */
  readonly idleLeftMs: number;
  readonly warning: boolean;
}

export type SignOutReason = 'idle' | 'expired' | 'user';

type Listener = () => void;

/** The claims the console reads from an access token (display and routing only; the API decides). */
export const identityOf = (accessToken: string): Identity => {
  const part = accessToken.split('.')[1] ?? '';
  const json = atob(
    part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '='),
  );
  const claims = JSON.parse(json) as Record<string, unknown>;
  const groups = claims['cognito:groups'];
  return {
    username: String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? ''),
    sub: String(claims.sub ?? ''),
    roles: Array.isArray(groups) ? groups.map(String) : [],
    accountId: String(claims[ACCOUNT_ID_CLAIM] ?? ''),
  };
};

export class Session {
  private token: string | undefined;
  private identity: Identity | undefined;
  private lastActivity = 0;
  private readonly listeners = new Set<Listener>();
  lastSignOut: SignOutReason | undefined;

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly idleLimitMs = IDLE_LIMIT_MS,
    private readonly warningMs = IDLE_WARNING_MS,
  ) {}

  signIn(accessToken: string) {
    this.token = accessToken;
    this.identity = identityOf(accessToken);
    this.lastActivity = this.now();
    this.lastSignOut = undefined;
    this.emit();
  }

  /** The token for the Authorization header, or undefined once signed out (idle included). */
  accessToken(): string | undefined {
    this.tick();
    return this.token;
  }

  /** A key press, click, touch or scroll: the idle clock starts again. */
  activity() {
    if (!this.token) return;
    this.lastActivity = this.now();
    this.emit();
  }

  signOut(reason: SignOutReason) {
    if (!this.token) return;
    this.token = undefined;
    this.identity = undefined;
    this.lastSignOut = reason;
    this.emit();
  }

  /** Signs out when the idle limit has passed; call it every second. */
  tick() {
    if (this.token && this.now() - this.lastActivity >= this.idleLimitMs) this.signOut('idle');
  }

  state(): SessionState | undefined {
    if (!this.token || !this.identity) return undefined;
    const idleLeftMs = Math.max(0, this.lastActivity + this.idleLimitMs - this.now());
    return { identity: this.identity, idleLeftMs, warning: idleLeftMs <= this.warningMs };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit() {
    for (const l of this.listeners) l();
  }
}

/** m:ss, rounded up so the countdown reads 1:00 for the whole first second of the warning. */
export const formatCountdown = (ms: number): string => {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export const session = new Session();
