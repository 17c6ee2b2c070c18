/**
 * The local user pool: the seeded users plus everyone invited since, and the Cognito admin API
 * the functions reach over the wire (the JSON 1.1 protocol, `X-Amz-Target:
 * AWSCognitoIdentityProviderService.<Operation>`), so the same CognitoIdentityProviderClient runs
 * here and on AWS. Served on its own port, like every stand-in.
 *
 * Enforced as Cognito does: the pool id, a SigV4 Authorization header (presence, as the KMS
 * stand-in), e-mail user names (the pool signs in by e-mail), one user per e-mail, groups that
 * exist, UserNotFoundException for a missing user. AdminUserGlobalSignOut revokes every token the
 * user holds (Cognito revokes its refresh tokens; the local IdP, stricter than API Gateway's JWT
 * authorizer, also refuses its access tokens at once); AdminDeleteUser removes the user, whose
 * tokens are refused from then on. Refresh tokens are kept here (as digests, with the rest of the
 * pool's state, so they survive a restart): bound to user, client and session, expiring after
 * REFRESH_TOKEN_MINUTES on the stack's clock, revoked one by one (/oauth2/revoke) or with their session. Not done: passwords, the NEW_PASSWORD_REQUIRED and MFA_SETUP
 * challenges (POST /local/token stands in for a completed sign-in, for every user), invitation
 * e-mails.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROLES, type Role } from '../common/roles';
import { REFRESH_TOKEN_MINUTES } from '../common/tokens';
import type { Clock } from '../lambdas/kernel/clock';
import { SEED_USERS, type SeedUser } from './seed';
import { writeFileAtomic } from './sfn/store';

export interface PoolUser extends SeedUser {
  readonly email?: string;
  readonly createdAt: string;
}

interface State {
  invited: PoolUser[];
  deleted: string[];
  /** Per user name, the origin ids of the sessions it signed in with; revoked ones below. */
  sessions: Record<string, string[]>;
  revoked: string[];
  /** Live refresh tokens by the SHA-256 of the token (the token itself is never stored). */
  refreshTokens?: Record<string, RefreshGrant>;
}

/** What a refresh token stands for: one sign-in session of one user at one client. */
export interface RefreshGrant {
  readonly username: string;
  readonly clientId: string;
  /** The session's origin id: tokens issued by a refresh carry it, so revoking the session ends them too. */
  readonly originJti: string;
  /** Seconds: the sign-in's auth_time, kept by every refreshed token, as Cognito keeps it. */
  readonly authTime: number;
  /** Milliseconds on the stack's clock. */
  readonly expiresAt: number;
}

/** Refresh tokens kept per user at most (the oldest dropped first), so the state stays bounded. */
const MAX_REFRESH_TOKENS_PER_USER = 100;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

const EMAIL = /^[^\s@]{1,64}@[^\s@.]{1,63}(?:\.[^\s@.]{1,63}){1,8}$/;

export class UserDirectory {
  private readonly state: State;
  private readonly revoked: Set<string>;

  constructor(
    readonly userPoolId: string,
    private readonly clock: Clock,
    private readonly file?: string,
  ) {
    this.state =
      file && existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as State)
        : { invited: [], deleted: [], sessions: {}, revoked: [] };
    this.revoked = new Set(this.state.revoked);
  }

  private save() {
    this.state.revoked = [...this.revoked];
    if (this.file) writeFileAtomic(this.file, JSON.stringify(this.state), false);
  }

  /** Users that exist now: the seeded ones not deleted, and the invited ones. */
  all(): PoolUser[] {
    const deleted = new Set(this.state.deleted);
    return [
      ...SEED_USERS.filter((u) => !deleted.has(u.username)).map((u) => ({
        ...u,
        createdAt: '2026-01-01T00:00:00.000Z',
      })),
      ...this.state.invited,
    ];
  }

  /** By user name or e-mail alias, as Cognito finds a user. */
  find(name: string): PoolUser | undefined {
    const lower = name.toLowerCase();
    return this.all().find((u) => u.username === name || u.email?.toLowerCase() === lower);
  }

  /** A new session for a sign-in: its origin id goes into the token and is checked on every request. */
  startSession(user: PoolUser): string {
    const originJti = randomUUID();
    const list = this.state.sessions[user.username] ?? [];
    this.state.sessions[user.username] = [...list.slice(-99), originJti];
    this.save();
    return originJti;
  }

  /**
   * An opaque refresh token for a session, bound to the user and the client, living
   * REFRESH_TOKEN_MINUTES on the stack's clock, as the user pool client's setting makes Cognito's.
   */
  issueRefreshToken(grant: Omit<RefreshGrant, 'expiresAt'>): string {
    const token = randomBytes(48).toString('base64url');
    const grants = this.liveGrants();
    const ofUser = Object.entries(grants).filter(([, g]) => g.username === grant.username);
    for (const [key] of ofUser.slice(0, Math.max(0, ofUser.length - MAX_REFRESH_TOKENS_PER_USER + 1)))
      delete grants[key];
    grants[digest(token)] = {
      ...grant,
      expiresAt: this.clock.now().getTime() + REFRESH_TOKEN_MINUTES * 60_000,
    };
    this.state.refreshTokens = grants;
    this.save();
    return token;
  }

  /**
   * The grant a refresh token stands for, or undefined when Cognito would answer invalid_grant:
   * unknown, for another client, expired, revoked (itself, or its session by a global sign-out),
   * or its user deleted.
   */
  redeemRefreshToken(token: string, clientId: string): { grant: RefreshGrant; user: PoolUser } | undefined {
    const grant = this.liveGrants()[digest(token)];
    if (!grant || grant.clientId !== clientId) return undefined;
    const user = this.find(grant.username);
    return user?.username === grant.username ? { grant, user } : undefined;
  }

  /**
   * Revokes a refresh token and every token its session issued (Cognito's /oauth2/revoke). False
   * when it is no live token of that client: nothing changes.
   */
  revokeRefreshToken(token: string, clientId: string): boolean {
    const grants = this.liveGrants();
    const key = digest(token);
    const grant = grants[key];
    if (!grant || grant.clientId !== clientId) return false;
    delete grants[key];
    this.state.refreshTokens = grants;
    this.revoked.add(grant.originJti);
    this.save();
    return true;
  }

  /** The refresh grants still usable now: expired ones and those of revoked sessions dropped. */
  private liveGrants(): Record<string, RefreshGrant> {
    const now = this.clock.now().getTime();
    return Object.fromEntries(
      Object.entries(this.state.refreshTokens ?? {}).filter(
        ([, g]) => g.expiresAt > now && !this.revoked.has(g.originJti),
      ),
    );
  }

  isLive(username: unknown, originJti: unknown): boolean {
    return (
      typeof username === 'string' &&
      typeof originJti === 'string' &&
      this.find(username)?.username === username &&
      !this.revoked.has(originJti)
    );
  }

  create(email: string, accountId: string): PoolUser {
    const sub = randomUUID();
    const user: PoolUser = {
      username: sub,
      sub,
      email,
      roles: [],
      accountId,
      description: `invited ${accountId} user`,
      createdAt: this.clock.now().toISOString(),
    };
    this.state.invited.push(user);
    this.save();
    return user;
  }

  addToGroup(user: PoolUser, group: Role) {
    if (user.roles.includes(group)) return;
    const seeded = SEED_USERS.some((u) => u.username === user.username);
    if (seeded) return;
    this.state.invited = this.state.invited.map((u) =>
      u.username === user.username ? { ...u, roles: [...u.roles, group] } : u,
    );
    this.save();
  }

  signOut(user: PoolUser) {
    for (const jti of this.state.sessions[user.username] ?? []) this.revoked.add(jti);
    this.state.sessions[user.username] = [];
    // Every refresh token of the user, whichever session it names.
    this.state.refreshTokens = Object.fromEntries(
      Object.entries(this.liveGrants()).filter(([, g]) => g.username !== user.username),
    );
    this.save();
  }

  delete(user: PoolUser) {
    this.signOut(user);
    this.state.invited = this.state.invited.filter((u) => u.username !== user.username);
    if (SEED_USERS.some((u) => u.username === user.username)) this.state.deleted.push(user.username);
    this.save();
  }
}

class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const attributesOf = (user: PoolUser) => [
  { Name: 'sub', Value: user.sub },
  ...(user.email ? [{ Name: 'email', Value: user.email }] : []),
  { Name: 'custom:account_id', Value: user.accountId },
];

const operations: Record<string, (dir: UserDirectory, input: Record<string, unknown>) => unknown> = {
  AdminCreateUser: (dir, input) => {
    const email = String(input.Username ?? '');
    if (!EMAIL.test(email))
      throw new CognitoError('InvalidParameterException', 'Username should be an email.');
    if (dir.find(email))
      throw new CognitoError('UsernameExistsException', 'An account with the given email already exists.');
    const attributes = Array.isArray(input.UserAttributes)
      ? (input.UserAttributes as { Name: string; Value: string }[])
      : [];
    const accountId = attributes.find((a) => a.Name === 'custom:account_id')?.Value;
    if (!accountId)
      throw new CognitoError('InvalidParameterException', 'custom:account_id is required by this pool.');
    const user = dir.create(email, accountId);
    return {
      User: {
        Username: user.username,
        Attributes: attributesOf(user),
        Enabled: true,
        UserStatus: 'FORCE_CHANGE_PASSWORD',
        UserCreateDate: Math.floor(Date.parse(user.createdAt) / 1000),
      },
    };
  },
  AdminAddUserToGroup: (dir, input) => {
    const user = userOf(dir, input);
    const group = String(input.GroupName ?? '');
    if (!(ROLES as readonly string[]).includes(group))
      throw new CognitoError('ResourceNotFoundException', 'Group not found.');
    dir.addToGroup(user, group as Role);
    return {};
  },
  AdminUserGlobalSignOut: (dir, input) => {
    dir.signOut(userOf(dir, input));
    return {};
  },
  AdminDeleteUser: (dir, input) => {
    dir.delete(userOf(dir, input));
    return {};
  },
};

const userOf = (dir: UserDirectory, input: Record<string, unknown>) => {
  const user = dir.find(String(input.Username ?? ''));
  if (!user) throw new CognitoError('UserNotFoundException', 'User does not exist.');
  return user;
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 256 * 1024) throw new CognitoError('InvalidParameterException', 'Request too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
};

export const startCognito = async (opts: {
  host: string;
  port: number;
  directory: UserDirectory;
}): Promise<{ endpoint: string; close(): Promise<void> }> => {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 '))
          throw new CognitoError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
        const target = String(req.headers['x-amz-target'] ?? '');
        const name = target.startsWith('AWSCognitoIdentityProviderService.')
          ? (target.split('.')[1] ?? '')
          : '';
        const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
        if (!operation) throw new CognitoError('UnknownOperationException', `Unknown operation ${name}.`);
        const input = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
        if (input.UserPoolId !== opts.directory.userPoolId)
          throw new CognitoError('ResourceNotFoundException', 'User pool does not exist.');
        send(res, 200, operation(opts.directory, input));
      } catch (error) {
        const e =
          error instanceof CognitoError
            ? error
            : new CognitoError('InternalErrorException', 'Internal error.', 500);
        send(res, e.status, { __type: e.type, message: e.message });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
