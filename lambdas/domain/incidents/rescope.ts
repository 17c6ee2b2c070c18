/**
 * Workflow step of a signal that joined an incident (its own short execution, started by the
 * intake): the officers paged once per kind of signal they have not been paged about, then the
 * scope refreshed through the same scoping code (scope.ts: refreshScope). Ids only in and out.
 */
import { NotFoundError } from '../../kernel/errors';
import { OPEN_INCIDENT } from './model';
import { type PageDeps, pageNewKinds } from './page';
import { refreshScope, type ScopeDeps } from './scope';

export type RescopeDeps = ScopeDeps & PageDeps;

export const rescopeIncident = async (deps: RescopeDeps, input: { incidentId: string; signalId: string }) => {
  const incident = await deps.incidents.get(input.incidentId);
  if (!incident) throw new NotFoundError(`No incident ${input.incidentId}.`);
  if (!OPEN_INCIDENT.includes(incident.status)) return { status: incident.status, paged: 0 };
  // Not paged yet: the first page names every kind, and pages what joined after it (page.ts).
  const paged = await pageNewKinds(deps, input.incidentId);
  // Not scoped yet: ScopeIncident reads every signal, then refreshes for one that joined meanwhile.
  const refreshed = await refreshScope(deps, input.incidentId);
  return { status: refreshed?.status ?? incident.status, paged };
};
