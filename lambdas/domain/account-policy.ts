/**
 * Each partner's agreement sets its own retention, auto-accept window and deletion grace period
 * (seed 003: "retention is a per-account setting"). Operators read and set them; every change
 * is audited. The stored policy is what makes an account known: a PUT sets a partner up, a GET
 * of an account never set up is a 404 (the workflow still reads the defaults for it).
 */
import { ConflictError, NotFoundError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { recordAudit } from './audit';
import type { AccountPolicy, Deps, DesignDeps } from './ports';
import { parseAccountPolicy } from './schemas/decisions';

/** Our own organisation (designers, officers, operators): not a partner, never terminated. */
export const STAFF_ACCOUNT_ID = 'caseline';

const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

const noAccount = (accountId: string) =>
  new NotFoundError(`No account ${accountId}: set a partner up with PUT /accounts/${accountId}/policy.`);

const checkAccount = (accountId: string) => {
  if (!ACCOUNT_ID.test(accountId) || accountId === STAFF_ACCOUNT_ID) throw noAccount(accountId);
};

export const getAccountPolicy = async (
  deps: Pick<DesignDeps, 'policies' | 'accounts'>,
  accountId: string,
) => {
  checkAccount(accountId);
  const state = await deps.accounts.stateOf(accountId);
  if (!state) throw noAccount(accountId);
  return { accountId, ...(await deps.policies.policyFor(accountId)), status: state.status };
};

export const setAccountPolicy = async (
  deps: Pick<DesignDeps, 'policies' | 'accounts' | 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  body: unknown,
) => {
  checkAccount(accountId);
  const next = parseAccountPolicy(body);
  const state = await deps.accounts.stateOf(accountId);
  if (state && state.status !== 'ACTIVE')
    throw new ConflictError(
      `Account ${accountId} is ${state.status}: its policy no longer applies.`,
      'ACCOUNT_TERMINATED',
      { status: state.status },
    );
  const current = await deps.policies.policyFor(accountId);
  await recordAudit(deps, actor, { accountId, action: 'account.policy', outcome: 'ALLOWED' });
  const policy: AccountPolicy = {
    retentionDays: next.retentionDays ?? current.retentionDays,
    autoAcceptDays: next.autoAcceptDays ?? current.autoAcceptDays,
    deletionGraceDays: next.deletionGraceDays ?? current.deletionGraceDays,
  };
  await deps.policies.setPolicy(accountId, policy, deps.clock.now().toISOString(), actor.sub);
  return { accountId, ...policy, status: 'ACTIVE' as const };
};

/**
 * A lab whose account is being or has been terminated creates nothing new (its data is being
 * purged). An account with no stored record was set up before records existed: it may.
 */
export const requireOpenAccount = async (deps: Pick<Deps, 'accounts'>, accountId: string) => {
  const state = await deps.accounts.stateOf(accountId);
  if (state && state.status !== 'ACTIVE')
    throw new ConflictError(
      `Account ${accountId} ${state.status === 'TERMINATING' ? 'is being terminated' : 'was terminated'}: it cannot create orders. Contact Caseline if this is a mistake.`,
      'ACCOUNT_TERMINATED',
      { status: state.status },
    );
};
