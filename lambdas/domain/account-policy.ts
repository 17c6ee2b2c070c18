/**
 * Each partner's agreement sets its own retention, auto-accept window and deletion grace period
 * (seed 003: "retention is a per-account setting"). The policy is part of the account's record in
 * the registry (domain/accounts.ts): one place. Operators read and set it here too (PATCH
 * /accounts/{accountId} with `policy` does the same); every change is audited. An account never
 * onboarded is a 404 (the workflow still reads the defaults for it).
 */
import { ConflictError, NotFoundError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { accountClosedError, STAFF_ACCOUNT_ID } from './accounts';
import { recordAudit } from './audit';
import type { Deps } from './ports';
import { ACCOUNT_ID_PATTERN } from './schemas/accounts';
import { parseAccountPolicy } from './schemas/decisions';

export { requireOpenAccount, STAFF_ACCOUNT_ID } from './accounts';

const noAccount = (accountId: string) =>
  new NotFoundError(`No account ${accountId}: partners are onboarded with POST /accounts.`);

const recordOf = async (deps: Pick<Deps, 'accounts'>, accountId: string) => {
  if (!ACCOUNT_ID_PATTERN.test(accountId) || accountId === STAFF_ACCOUNT_ID) throw noAccount(accountId);
  const record = await deps.accounts.get(accountId);
  if (!record) throw noAccount(accountId);
  return record;
};

const policyView = (r: {
  accountId: string;
  retentionDays: number;
  autoAcceptDays: number;
  deletionGraceDays: number;
  status: string;
}) => ({
  accountId: r.accountId,
  retentionDays: r.retentionDays,
  autoAcceptDays: r.autoAcceptDays,
  deletionGraceDays: r.deletionGraceDays,
  status: r.status,
});

export const getAccountPolicy = async (deps: Pick<Deps, 'accounts'>, accountId: string) =>
  policyView(await recordOf(deps, accountId));

export const setAccountPolicy = async (
  deps: Pick<Deps, 'accounts' | 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  body: unknown,
) => {
  const next = parseAccountPolicy(body);
  const current = await recordOf(deps, accountId);
  if (current.status === 'TERMINATING' || current.status === 'TERMINATED')
    throw accountClosedError(accountId, current.status);
  await recordAudit(deps, actor, { accountId, action: 'account.policy', outcome: 'ALLOWED' });
  const record = { ...current, ...next, updatedAt: deps.clock.now().toISOString(), updatedBy: actor.sub };
  if (!(await deps.accounts.replace(record))) {
    throw new ConflictError(
      `Account ${accountId} changed while this change was made: read it again and repeat the change.`,
      'CONCURRENT_UPDATE',
    );
  }
  return policyView(record);
};
