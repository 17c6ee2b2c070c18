/**
 * Each partner's agreement sets its own retention, auto-accept window and deletion grace period
 * (seed 003: "retention is a per-account setting"). Operators read and set them; every change
 * is audited.
 */
import { NotFoundError, ValidationError } from '../shared/errors';
import { type Actor, requireRole } from '../shared/identity';
import { recordAudit } from './audit';
import type { AccountPolicy, DesignDeps } from './design';

const LIMITS = {
  retentionDays: [30, 7300, 'Keep archived cases 30 to 7300 days (20 years).'],
  autoAcceptDays: [1, 60, 'Accept undecided deliveries after 1 to 60 days.'],
  deletionGraceDays: [0, 90, 'Wait 0 to 90 days before a requested deletion is carried out.'],
} as const;

const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

const checkAccount = (accountId: string) => {
  if (!ACCOUNT_ID.test(accountId)) throw new NotFoundError(`No account ${accountId}.`);
};

export const getAccountPolicy = async (
  deps: Pick<DesignDeps, 'policies'>,
  actor: Actor,
  accountId: string,
) => {
  requireRole(actor, 'operator');
  checkAccount(accountId);
  return { accountId, ...(await deps.policies.policyFor(accountId)) };
};

export const setAccountPolicy = async (
  deps: Pick<DesignDeps, 'policies' | 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  body: unknown,
) => {
  requireRole(actor, 'operator');
  checkAccount(accountId);
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const current = await deps.policies.policyFor(accountId);
  const issues = [];
  const next: Record<string, number> = { ...current } as Record<string, number>;
  for (const [field, [min, max, message]] of Object.entries(LIMITS)) {
    if (b[field] === undefined) continue;
    const value = b[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      issues.push({ field, message });
    else next[field] = value;
  }
  const unknown = Object.keys(b).filter((k) => !(k in LIMITS));
  if (unknown.length)
    issues.push({
      field: unknown.join(', '),
      message: `Unknown field: use ${Object.keys(LIMITS).join(', ')}.`,
    });
  if (issues.length) throw new ValidationError(issues);
  await recordAudit(deps, actor, { accountId, action: 'account.policy', outcome: 'ALLOWED' });
  const policy = next as unknown as AccountPolicy;
  await deps.policies.setPolicy(accountId, policy, deps.clock.now().toISOString(), actor.sub);
  return { accountId, ...policy };
};
