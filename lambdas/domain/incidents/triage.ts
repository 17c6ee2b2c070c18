/**
 * POST /incidents/{incidentId}/triage: the privacy officer decides. `confirmed`: a breach, the
 * notices go out (NOTIFY). `not-a-breach`: only with the documented four-factor risk assessment of
 * HIPAA 164.402(2) and the safe-harbour reasoning (e.g. only ciphertext left, the key did not);
 * the incident is DISMISSED, its notices withdrawn, and it stays in the breach register with its
 * reasons (GDPR Art 33(5)). Completes the workflow's triage wait (all or nothing, wait.ts).
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import type { AuditLog } from '../ports';
import { loadIncident } from './load';
import { type Incident, noteIncident, type Triage } from './model';
import { joinKeysOf } from './release';
import { parseTriage } from './schemas';
import { settleIncident } from './settle';
import { incidentSummary } from './views';
import { answerWait, type WaitDeps } from './wait';

export type TriageDeps = WaitDeps & { readonly audit: AuditLog };

const notReady = (incident: Incident) =>
  new ConflictError(
    `Incident ${incident.incidentId} is ${incident.status}: triage follows its scope (SCOPED), once. Read it with GET /incidents/${incident.incidentId}.`,
    incident.triage ? 'ALREADY_TRIAGED' : 'INCIDENT_NOT_READY',
    { status: incident.status },
  );

export const triageIncident = async (deps: TriageDeps, actor: Actor, incidentId: string, body: unknown) => {
  const input = parseTriage(body);
  const incident = await loadIncident(deps, actor, incidentId, 'incident.triage');
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'incident.triage',
    outcome: 'ALLOWED',
    reason: input.decision === 'confirmed' ? 'CONFIRMED' : 'NOT_A_BREACH',
  });
  const token = incident.taskToken;
  if (incident.status !== 'SCOPED' || incident.awaiting !== 'TRIAGE' || !token) throw notReady(incident);
  const now = deps.clock.now().toISOString();
  const triage: Triage = {
    decision: input.decision,
    at: now,
    by: actor.sub,
    ...(input.decision === 'not-a-breach' ? { assessment: input.assessment } : {}),
  };
  const status = input.decision === 'confirmed' ? 'CONFIRMED' : 'DISMISSED';
  const moved = await deps.incidents.update(
    incidentId,
    ['SCOPED'],
    { status, triage, updatedAt: now },
    { remove: ['awaiting', 'taskToken'], expect: { taskToken: token } },
  );
  if (!moved) throw notReady((await deps.incidents.get(incidentId)) ?? incident);
  await answerWait(deps, incidentId, token, { decision: input.decision }, () =>
    deps.incidents.update(
      incidentId,
      [status],
      { status: 'SCOPED', awaiting: 'TRIAGE', taskToken: token, updatedAt: incident.updatedAt },
      { remove: ['triage'] },
    ),
  );
  await noteIncident(deps, incidentId, 'triaged', actor.sub, { decision: input.decision });
  if (status === 'DISMISSED') {
    // No notice is due; the deadline sweep stops watching them. Signals about the actor open anew.
    for (const notice of await deps.incidents.notices(incidentId))
      await deps.incidents.updateNotice(
        incidentId,
        notice.accountId,
        ['DRAFT', 'SENT'],
        { status: 'WITHDRAWN', updatedAt: now },
        { remove: ['nextCheckAt'] },
      );
    for (const key of joinKeysOf(moved)) await deps.incidents.releaseJoinKey(key, incidentId);
  } else {
    // An incident with no affected account has nothing to send: NOTIFIED at once.
    await settleIncident(deps, incidentId);
  }
  return incidentSummary((await deps.incidents.get(incidentId)) ?? moved, deps.clock.now());
};
