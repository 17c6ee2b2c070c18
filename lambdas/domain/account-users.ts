/**
 * A partner's users: its lab-admin (or an operator) invites them into the user pool with the
 * account's id and a role, lists them and removes them. A lab user cannot (403 at the edge,
 * audited); another account's admin gets 404, as for a missing account. Removing a user ends
 * every session it holds and deletes it from the pool, audited with its sub (never its e-mail).
 *
 * All or nothing: the pool user is created first (Cognito refuses a taken e-mail), then the
 * registry entry; if the entry cannot be written the pool user is deleted again. A removal signs
 * out and deletes the pool user before the entry goes, so a retry of a failed removal finishes it.
 */
import { ConflictError, NotFoundError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { type AccountDeps, accountFor } from './accounts';
import { recordAudit } from './audit';
import type { AccountRecord, AccountUser, IdentityProvider } from './ports';
import { parseInviteUser } from './schemas/accounts';

export type AccountUserDeps = AccountDeps & { readonly identity: IdentityProvider };

const userView = (u: AccountUser) => ({
  accountId: u.accountId,
  userId: u.sub,
  email: u.email,
  role: u.role,
  invitedAt: u.invitedAt,
});

const requireOpen = (record: AccountRecord) => {
  if (record.status === 'TERMINATING' || record.status === 'TERMINATED')
    throw new ConflictError(
      `Account ${record.accountId} ${record.status === 'TERMINATING' ? 'is being terminated' : 'was terminated'}: its users cannot change.`,
      'ACCOUNT_TERMINATED',
      { status: record.status },
    );
};

/** POST /accounts/{accountId}/users: `{ email, role }`; Cognito e-mails the invitation. */
export const inviteUser = async (deps: AccountUserDeps, actor: Actor, accountId: string, body: unknown) => {
  const input = parseInviteUser(body);
  const record = await accountFor(deps, actor, accountId, 'account.user-invite');
  requireOpen(record);
  await recordAudit(deps, actor, { accountId, action: 'account.user-invite', outcome: 'ALLOWED' });
  const created = await deps.identity.invite({ email: input.email, accountId, role: input.role });
  if (created.taken)
    throw new ConflictError('A user with this e-mail address already exists.', 'USER_EXISTS', {
      field: 'email',
    });
  const user: AccountUser = {
    accountId,
    username: created.username,
    sub: created.sub,
    email: input.email,
    role: input.role,
    invitedAt: deps.clock.now().toISOString(),
    invitedBy: actor.sub,
  };
  try {
    await deps.accounts.addUser(user);
  } catch (error) {
    await deps.identity.remove(created.username).catch(() => undefined);
    throw error;
  }
  return userView(user);
};

export const listUsers = async (deps: AccountUserDeps, actor: Actor, accountId: string) => {
  await accountFor(deps, actor, accountId, 'account.user-list');
  await recordAudit(deps, actor, { accountId, action: 'account.user-list', outcome: 'ALLOWED' });
  return { users: (await deps.accounts.users(accountId)).map(userView) };
};

/** DELETE /accounts/{accountId}/users/{userId}: sessions revoked, the user deleted, audited. */
export const removeUser = async (deps: AccountUserDeps, actor: Actor, accountId: string, userId: string) => {
  await accountFor(deps, actor, accountId, 'account.user-remove');
  const user = (await deps.accounts.users(accountId)).find((u) => u.sub === userId);
  if (!user) throw new NotFoundError(`No user ${userId} in account ${accountId}.`);
  await recordAudit(deps, actor, {
    accountId,
    action: 'account.user-remove',
    outcome: 'ALLOWED',
    targetSub: user.sub,
  });
  await deps.identity.signOut(user.username);
  await deps.identity.remove(user.username);
  await deps.accounts.removeUser(accountId, user.sub);
  return { accountId, userId: user.sub, removed: true, sessionsRevokedAt: deps.clock.now().toISOString() };
};

/**
 * Termination: every user of the account is signed out everywhere (its lab can do nothing more
 * while its data is purged). Idempotent, so a resumed termination does it again harmlessly.
 */
export const revokeAccountSessions = async (
  deps: Pick<AccountUserDeps, 'accounts' | 'identity'>,
  accountId: string,
): Promise<number> => {
  const users = await deps.accounts.users(accountId);
  for (const user of users) await deps.identity.signOut(user.username);
  return users.length;
};
