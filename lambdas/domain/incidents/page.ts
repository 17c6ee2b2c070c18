/**
 * Workflow step 1: privacy officers are paged as soon as an incident opens. The page carries the
 * incident id, the signal kinds and a link, never PHI nor a reporter's words. Published, then
 * recorded: a retry after a lost answer may page twice (SNS delivers at least once anyway), and
 * each page carries `pageId` so a receiver drops a repeat; once recorded it is never sent again.
 */
import { NotFoundError } from '../../kernel/errors';
import type { Notifier } from '../ports';
import { type IncidentBaseDeps, noteIncident, OPEN_INCIDENT } from './model';

export type PageDeps = IncidentBaseDeps & { readonly notifier: Notifier };

export const pageOfficers = async (deps: PageDeps, incidentId: string): Promise<{ paged: boolean }> => {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) throw new NotFoundError(`No incident ${incidentId}.`);
  if (incident.pagedAt !== undefined) return { paged: false };
  await deps.notifier.notify('incident.page', {
    audience: 'privacy-officer',
    pageId: incidentId,
    incidentId,
    kinds: incident.kinds.join(','),
    discoveredAt: incident.discoveredAt,
    link: `/incidents/${incidentId}`,
  });
  const now = deps.clock.now().toISOString();
  const paged = await deps.incidents.update(
    incidentId,
    [...OPEN_INCIDENT, 'DISMISSED', 'CLOSED'],
    { pagedAt: now },
    { expect: { pagedAt: null } },
  );
  if (paged) await noteIncident(deps, incidentId, 'paged', 'workflow');
  return { paged: paged !== undefined };
};
