/** Loading an incident for an officer's act: a missing one is a 404, audited as a refused act. */
import { NotFoundError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditAction, recordAudit } from '../audit';
import type { AuditedIncidentDeps, Incident } from './model';

export const loadIncident = async (
  deps: AuditedIncidentDeps,
  actor: Actor,
  incidentId: string,
  action: AuditAction,
): Promise<Incident> => {
  const incident = await deps.incidents.get(incidentId);
  if (incident) return incident;
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action,
    outcome: 'DENIED',
    reason: 'NOT_FOUND',
  });
  throw new NotFoundError(`No incident ${incidentId}. List them with GET /incidents.`);
};
