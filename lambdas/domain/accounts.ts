/**
 * The account registry: each BAA partner, its agreement, its security contacts, its policy
 * (retention, auto-accept, deletion grace) and where it stands. Seed 002: no PHI before a BAA is
 * on file; seed 003: processing only on documented instructions, so the record says who the
 * partner is and under which agreement.
 *
 * Operators onboard (POST /accounts: ONBOARDING), activate (PATCH status ACTIVE, only with a BAA
 * on file) and suspend. A partner's lab-admin reads its own account and keeps its security
 * contacts up to date; another account is a 404 to it, as a missing one. Every change and every
 * read of the record (it holds contacts' personal data) is audited first.
 */

import { ACCOUNT_KEYS } from '../../common/definitions';
import {
  AccountNotActiveError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { recordAudit } from './audit';
import type { AccountPolicy, AccountRecord, AccountState, Deps } from './ports';
import {
  ACCOUNT_ID_PATTERN,
  parseCreateAccount,
  parseUpdateAccount,
  type UpdateAccountInput,
} from './schemas/accounts';

/** Our own organisation (designers, officers, operators): not a partner, never terminated. */
export const STAFF_ACCOUNT_ID = 'caseline';

/** Archived case files are kept two years unless the lab's agreement says otherwise. */
export const DEFAULT_RETENTION_DAYS = 730;
/** A delivered design not accepted or revised within a week is accepted. */
export const DEFAULT_AUTO_ACCEPT_DAYS = 7;
/** A lab's deletion request waits this long, so one made by mistake can be withdrawn. */
export const DEFAULT_DELETION_GRACE_DAYS = 30;

export const DEFAULT_POLICY: AccountPolicy = {
  retentionDays: DEFAULT_RETENTION_DAYS,
  autoAcceptDays: DEFAULT_AUTO_ACCEPT_DAYS,
  deletionGraceDays: DEFAULT_DELETION_GRACE_DAYS,
};

export type AccountDeps = Pick<Deps, 'accounts' | 'audit' | 'clock' | 'ids'>;

/** The alias onboarding gives an account's key (the PHI cipher and the file store find it by it). */
const accountKeyAlias = (accountId: string) => `${ACCOUNT_KEYS.aliasPrefix}${accountId}`;

const isOperator = (actor: Actor) => actor.roles.includes('operator');

const noAccount = (accountId: string) =>
  new NotFoundError(`No account ${accountId}: partners are onboarded with POST /accounts.`);

/**
 * The account this caller may see: operators any partner; a lab-admin only its own (another one
 * is a 404, as a missing one, and the attempt is audited against the account it named).
 */
export const accountFor = async (
  deps: AccountDeps,
  actor: Actor,
  accountId: string,
  action:
    | 'account.view'
    | 'account.update'
    | 'account.user-invite'
    | 'account.user-list'
    | 'account.user-remove',
): Promise<AccountRecord> => {
  if (!ACCOUNT_ID_PATTERN.test(accountId) || accountId === STAFF_ACCOUNT_ID) throw noAccount(accountId);
  if (!isOperator(actor) && actor.accountId !== accountId) {
    await recordAudit(deps, actor, { accountId, action, outcome: 'DENIED', reason: 'NOT_OWNER' });
    throw noAccount(accountId);
  }
  const record = await deps.accounts.get(accountId);
  if (!record) throw noAccount(accountId);
  return record;
};

/** The record as callers see it: the policy grouped, internal keys and counters left out. */
export const accountView = (r: AccountRecord) => ({
  accountId: r.accountId,
  legalName: r.legalName,
  country: r.country,
  ...(r.state ? { state: r.state } : {}),
  status: r.status,
  ...(r.baa ? { baa: r.baa } : {}),
  contacts: r.contacts,
  policy: {
    retentionDays: r.retentionDays,
    autoAcceptDays: r.autoAcceptDays,
    deletionGraceDays: r.deletionGraceDays,
  },
  ...(r.keyAlias ? { keyAlias: r.keyAlias } : {}),
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  version: r.version,
  ...(r.terminationStartedAt ? { terminationStartedAt: r.terminationStartedAt } : {}),
  ...(r.terminatedAt ? { terminatedAt: r.terminatedAt } : {}),
  ...(r.certificateId ? { certificateId: r.certificateId } : {}),
});

/** POST /accounts: a partner is onboarded as ONBOARDING; it receives PHI once ACTIVE with a BAA. */
export const createAccount = async (
  deps: AccountDeps & Pick<Deps, 'accountKeys'>,
  actor: Actor,
  body: unknown,
) => {
  const input = parseCreateAccount(body);
  const now = deps.clock.now().toISOString();
  const record: AccountRecord = {
    accountId: input.accountId,
    legalName: input.legalName,
    country: input.country,
    ...(input.state ? { state: input.state } : {}),
    status: 'ONBOARDING',
    ...(input.baa ? { baa: input.baa } : {}),
    contacts: input.contacts,
    ...DEFAULT_POLICY,
    ...input.policy,
    createdAt: now,
    createdBy: actor.sub,
    updatedAt: now,
    updatedBy: actor.sub,
    version: 1,
  };
  // The account's own KMS key first (fallible, and idempotent by its alias): the record is only
  // written with its key, so no account can be activated and take PHI without one. A key left
  // pending deletion (a terminated account of that id) is never reused.
  const key = await deps.accountKeys.ensureKey(record.accountId);
  if (key.state !== 'Enabled')
    throw new ConflictError(
      `Account ${record.accountId} was terminated; its id cannot be used again.`,
      'ACCOUNT_EXISTS',
      { accountId: record.accountId },
    );
  const keyed: AccountRecord = { ...record, keyId: key.keyId, keyAlias: accountKeyAlias(record.accountId) };
  await recordAudit(deps, actor, {
    accountId: record.accountId,
    action: 'account.create',
    outcome: 'ALLOWED',
  });
  if (!(await deps.accounts.create(keyed)))
    throw new ConflictError(
      `Account ${record.accountId} already exists: change it with PATCH.`,
      'ACCOUNT_EXISTS',
      {
        accountId: record.accountId,
      },
    );
  return accountView(keyed);
};

export const getAccount = async (deps: AccountDeps, actor: Actor, accountId: string) => {
  const record = await accountFor(deps, actor, accountId, 'account.view');
  await recordAudit(deps, actor, { accountId, action: 'account.view', outcome: 'ALLOWED' });
  return accountView(record);
};

const LIST_LIMIT = { min: 1, max: 100, default: 50 };

/** GET /accounts (operators): every partner in id order, a page at a time. */
export const listAccounts = async (
  deps: AccountDeps,
  actor: Actor,
  query: Readonly<Record<string, string | undefined>>,
) => {
  const limit = query.limit === undefined ? LIST_LIMIT.default : Number(query.limit);
  const issues = [];
  if (!Number.isInteger(limit) || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max)
    issues.push({ field: 'limit', message: `A whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}.` });
  const cursor = query.cursor;
  if (cursor !== undefined && !ACCOUNT_ID_PATTERN.test(cursor))
    issues.push({ field: 'cursor', message: 'Pass the nextCursor of the previous page, unchanged.' });
  if (issues.length) throw new ValidationError(issues);
  await recordAudit(deps, actor, { accountId: STAFF_ACCOUNT_ID, action: 'account.list', outcome: 'ALLOWED' });
  const page = await deps.accounts.list(limit, cursor);
  return { accounts: page.accounts.map(accountView), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
};

/** What a lab-admin may change on its own account: its security contacts. */
const LAB_ADMIN_FIELDS: readonly (keyof UpdateAccountInput)[] = ['contacts'];

const closed = (state: Pick<AccountState, 'status'>) =>
  state.status === 'TERMINATING' || state.status === 'TERMINATED';

export const accountClosedError = (accountId: string, status: string) =>
  new ConflictError(
    `Account ${accountId} ${status === 'TERMINATING' ? 'is being terminated' : 'was terminated'}: it cannot be changed.`,
    'ACCOUNT_TERMINATED',
    { status },
  );

/**
 * PATCH /accounts/{accountId}: operators change anything but the termination states; a lab-admin
 * its contacts. ACTIVE needs a BAA on file. Written over the version read (409 if it changed).
 */
export const updateAccount = async (deps: AccountDeps, actor: Actor, accountId: string, body: unknown) => {
  const changes = parseUpdateAccount(body);
  const record = await accountFor(deps, actor, accountId, 'account.update');
  if (!isOperator(actor)) {
    const refused = (Object.keys(changes) as (keyof UpdateAccountInput)[]).filter(
      (k) => !LAB_ADMIN_FIELDS.includes(k),
    );
    if (refused.length) {
      await recordAudit(deps, actor, {
        accountId,
        action: 'account.update',
        outcome: 'DENIED',
        reason: 'WRONG_ROLE',
      });
      throw new ForbiddenError(
        `A lab administrator changes its security contacts only; ask Caseline to change ${refused.join(', ')}.`,
      );
    }
  }
  if (closed(record)) throw accountClosedError(accountId, record.status);
  const { policy, ...fields } = changes;
  const next: AccountRecord = {
    ...record,
    ...fields,
    ...policy,
    updatedAt: deps.clock.now().toISOString(),
    updatedBy: actor.sub,
  };
  if (next.status === 'ACTIVE' && !next.baa)
    throw new ConflictError(
      `Account ${accountId} has no BAA on file: send baa (signedAt, version, effectiveAt) before activating it.`,
      'BAA_REQUIRED',
      { accountId },
    );
  if (next.country === 'US' && !next.state)
    throw new ValidationError([{ field: 'state', message: 'A US partner needs its state, e.g. CA.' }]);
  await recordAudit(deps, actor, { accountId, action: 'account.update', outcome: 'ALLOWED' });
  if (!(await deps.accounts.replace(next)))
    throw new ConflictError(
      `Account ${accountId} changed while this change was made: read it again and repeat the change.`,
      'CONCURRENT_UPDATE',
    );
  return accountView({ ...next, version: record.version + 1 });
};

/**
 * The PHI gate (seed 002: no PHI before a BAA): an account receives PHI only when it is known,
 * ACTIVE, and has a BAA on file that has taken effect. A terminating or terminated account keeps
 * its 409 ACCOUNT_TERMINATED (its data is being purged); the rest are 403s its administrator or
 * Caseline can act on.
 */
export const requireOpenAccount = async (deps: Pick<Deps, 'accounts' | 'clock'>, accountId: string) => {
  const state = await deps.accounts.stateOf(accountId);
  if (state && closed(state))
    throw new ConflictError(
      `Account ${accountId} ${state.status === 'TERMINATING' ? 'is being terminated' : 'was terminated'}: it cannot create orders. Contact Caseline if this is a mistake.`,
      'ACCOUNT_TERMINATED',
      { status: state.status },
    );
  return requireBaa(deps.clock.now(), accountId, state);
};

const requireBaa = (now: Date, accountId: string, state: AccountState | undefined) => {
  if (!state?.baa)
    throw new AccountNotActiveError(
      'BAA_REQUIRED',
      `Account ${accountId} has no Business Associate Agreement on file, so it cannot send patient data yet. Your administrator can ask Caseline to complete onboarding.`,
      { accountId, ...(state ? { status: state.status } : {}) },
    );
  if (state.baa.effectiveAt > now.toISOString().slice(0, 10))
    throw new AccountNotActiveError(
      'BAA_REQUIRED',
      `Account ${accountId}'s Business Associate Agreement takes effect on ${state.baa.effectiveAt}: no patient data before then.`,
      { accountId, status: state.status },
    );
  if (state.status !== 'ACTIVE')
    throw new AccountNotActiveError(
      'ACCOUNT_NOT_ACTIVE',
      `Account ${accountId} is ${state.status}: it cannot send patient data until Caseline activates it.`,
      { accountId, status: state.status },
    );
};
