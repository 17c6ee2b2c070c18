/**
 * The signed-in session: the access token and the refresh token live in this module's memory only
 * (never localStorage, sessionStorage, a cookie or the URL), so closing or reloading the tab signs out.
 *
 * Idle sign-out (seed 000, automatic logoff): 15 minutes without a key press, click, touch or
 * scroll ends the session; a warning shows one minute before, with a countdown. Time is read
 * from `now()` (Date.now), so a test drives it with the browser clock instead of waiting.
 *
 * Refresh: access tokens live 15 minutes. Two minutes before one expires, if the user has been
 * active since it was issued, the refresh token buys another (the identity provider's token
 * endpoint, through a Renewer from auth.ts); an idle user gets none, so idle sign-out is unchanged.
 * The refresh token itself lives an hour (the user pool client's setting): then the identity
 * provider refuses it and the user signs in again. A refused refresh signs out; sign-out revokes.
 */
import { ACCOUNT_ID_CLAIM } from '../../common/claims';

export const IDLE_LIMIT_MS = 15 * 60_000;
export const IDLE_WARNING_MS = 60_000;
/** How long before the access token expires it is refreshed (when the user has been active). */
export const REFRESH_AHEAD_MS = 2 * 60_000;
/** After a refresh that failed without an answer (network, 5xx), the next attempt waits this long. */
export const REFRESH_RETRY_MS = 30_000;

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

export type SignOutReason = 'idle' | 'expired' | 'revoked' | 'user';

/** The identity provider refused the refresh token (OAuth invalid_grant and kin): the session is over. */
export class RefreshRefusedError extends Error {
  override readonly name = 'RefreshRefusedError';
}

/** The identity provider's token endpoints, for this session's refresh token (auth.ts builds one). */
export interface Renewer {
  /** A new access token; throws RefreshRefusedError when refused, anything else when unreachable. */
  refresh(refreshToken: string): Promise<{ accessToken: string; expiresInMs: number }>;
  revoke(refreshToken: string): Promise<void>;
}

/** What a sign-in returns besides the access token (none: the session ends when the token does). */
export interface RefreshGrant {
  readonly refreshToken: string;
  /** The access token's lifetime (expires_in), counted from when it arrived on this clock. */
  readonly expiresInMs: number;
  readonly renewer: Renewer;
}

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
  private grant: RefreshGrant | undefined;
  /** When the access token expires, on this session's clock (Infinity when unknown). */
  private expiresAt = Number.POSITIVE_INFINITY;
  /** Input since the access token was issued: what justifies a refresh. */
  private activeSinceToken = false;
  private refreshing: Promise<boolean> | undefined;
  private retryAt = 0;
  /** Bumped by every sign-in and sign-out, so a refresh answered late cannot revive an old session. */
  private generation = 0;
  private readonly listeners = new Set<Listener>();
  lastSignOut: SignOutReason | undefined;

  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly idleLimitMs = IDLE_LIMIT_MS,
    private readonly warningMs = IDLE_WARNING_MS,
  ) {}

  signIn(accessToken: string, grant?: RefreshGrant) {
    this.generation++;
    this.grant = grant;
    this.retryAt = 0;
    this.setToken(accessToken, grant?.expiresInMs);
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
    this.activeSinceToken = true;
    this.emit();
  }

  signOut(reason: SignOutReason) {
    if (!this.token) return;
    const grant = this.grant;
    this.generation++;
    this.token = undefined;
    this.identity = undefined;
    this.grant = undefined;
    this.refreshing = undefined;
    this.lastSignOut = reason;
    // Revoked at the identity provider too (a refused one is dead already); a failure changes nothing here.
    if (grant && reason !== 'revoked') grant.renewer.revoke(grant.refreshToken).catch(() => undefined);
    this.emit();
  }

  /**
   * Signs out when the idle limit has passed, and refreshes the access token when it is close to
   * expiring and the user has been active since it was issued; call it every second.
   */
  tick() {
    if (!this.token) return;
    const now = this.now();
    if (now - this.lastActivity >= this.idleLimitMs) {
      this.signOut('idle');
      return;
    }
    if (
      this.grant &&
      this.activeSinceToken &&
      !this.refreshing &&
      now >= this.expiresAt - REFRESH_AHEAD_MS &&
      now >= this.retryAt
    )
      void this.refresh();
  }

  /**
   * Trades the refresh token for a new access token now (one at a time: callers share the one in
   * flight). True when there is a new token; a refused refresh signs out ('revoked').
   */
  refresh(): Promise<boolean> {
    const grant = this.grant;
    if (!this.token || !grant) return Promise.resolve(false);
    if (this.refreshing) return this.refreshing;
    const attempt = this.renew(grant, this.generation).finally(() => {
      if (this.refreshing === attempt) this.refreshing = undefined;
    });
    this.refreshing = attempt;
    return attempt;
  }

  private async renew(grant: RefreshGrant, generation: number): Promise<boolean> {
    try {
      const renewed = await grant.renewer.refresh(grant.refreshToken);
      if (generation !== this.generation) return false;
      this.setToken(renewed.accessToken, renewed.expiresInMs);
      this.emit();
      return true;
    } catch (error) {
      if (generation !== this.generation) return false;
      if (error instanceof RefreshRefusedError) this.signOut('revoked');
      else this.retryAt = this.now() + REFRESH_RETRY_MS;
      return false;
    }
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

  private setToken(accessToken: string, expiresInMs: number | undefined) {
    this.token = accessToken;
    this.identity = identityOf(accessToken);
    this.expiresAt = expiresInMs === undefined ? Number.POSITIVE_INFINITY : this.now() + expiresInMs;
    this.activeSinceToken = false;
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
