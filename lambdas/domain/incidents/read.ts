/**
 * Reading incidents: privacy officers and staff auditors. The list and one incident (timeline,
 * signals, scope, each account's notice with the time left to its deadline), and the breach
 * register (GDPR Art 33(5), HIPAA 164.530(j)): every incident, dismissed ones with their reasons,
 * kept 6 years after it closes (the table's TTL). Every read is audited first and fails closed;
 * reading an incident's scope is audited against each affected account too, so a lab's own trail
 * shows who looked at what touched it.
 */
import { ValidationError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import { loadIncident } from './load';
import type { AuditedIncidentDeps, Incident } from './model';
import { incidentDetail, incidentSummary } from './views';

type Params = Readonly<Record<string, string | undefined>>;

const page = (params: Params) => {
  const text = params.limit ?? '50';
  const limit = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= 100))
    throw new ValidationError([{ field: 'limit', message: 'must be 1 to 100' }]);
  const cursor = params.cursor;
  if (cursor !== undefined && (cursor.length > 200 || cursor === ''))
    throw new ValidationError([
      { field: 'cursor', message: 'Use the cursor value from the previous page, unchanged.' },
    ]);
  return { limit, ...(cursor ? { cursor } : {}) };
};

export const listIncidents = async (deps: AuditedIncidentDeps, actor: Actor, params: Params) => {
  const { limit, cursor } = page(params);
  await recordAudit(deps, actor, { accountId: actor.accountId, action: 'incident.list', outcome: 'ALLOWED' });
  const result = await deps.incidents.list(limit, cursor);
  const now = deps.clock.now();
  return {
    // Each item carries its deadlines from the incident itself: no notice is read per incident.
    incidents: result.incidents.map((i) => incidentSummary(i, now)),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
};

export const getIncident = async (deps: AuditedIncidentDeps, actor: Actor, incidentId: string) => {
  const incident = await loadIncident(deps, actor, incidentId, 'incident.view');
  // The scope names the accounts, orders and times that touched each lab: audited against each.
  for (const accountId of [actor.accountId, ...(incident.scope?.accounts.map((a) => a.accountId) ?? [])])
    await recordAudit(deps, actor, {
      accountId,
      action: 'incident.view',
      outcome: 'ALLOWED',
      reason: incidentId,
    });
  const [signals, timeline, notices] = await Promise.all([
    deps.incidents.signals(incidentId),
    deps.incidents.timeline(incidentId),
    deps.incidents.notices(incidentId),
  ]);
  return incidentDetail(incident, signals, timeline, notices, deps.clock.now());
};

/** One register entry: what Art 33(5) asks to document, dismissed incidents with their reasons. */
const registerEntry = (i: Incident) => ({
  incidentId: i.incidentId,
  status: i.status,
  kinds: i.kinds,
  discoveredAt: i.discoveredAt,
  ...(i.scope
    ? {
        accounts: i.scope.accounts.map((a) => a.accountId),
        orderCount: i.scope.orderCount,
        fileCount: i.scope.fileCount,
        categories: i.scope.categories,
      }
    : {}),
  ...(i.triage
    ? {
        decision: i.triage.decision,
        decidedAt: i.triage.at,
        decidedBy: i.triage.by,
        ...(i.triage.assessment ? { reasons: i.triage.assessment } : {}),
      }
    : {}),
  ...(i.containedAt ? { containedAt: i.containedAt } : {}),
  ...(i.closedAt ? { closedAt: i.closedAt, summary: i.summary } : {}),
  ...(i.expiresAt ? { keptUntil: new Date(i.expiresAt * 1000).toISOString() } : {}),
});

export const incidentRegister = async (deps: AuditedIncidentDeps, actor: Actor, params: Params) => {
  const { limit, cursor } = page(params);
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'incident.register',
    outcome: 'ALLOWED',
  });
  const result = await deps.incidents.list(limit, cursor);
  return {
    retention: 'Each incident is kept 6 years after it closes (HIPAA 164.316(b)(2)); open ones are kept.',
    incidents: result.incidents.map(registerEntry),
    ...(result.cursor ? { cursor: result.cursor } : {}),
  };
};
