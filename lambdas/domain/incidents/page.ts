/**
 * Workflow step 1: privacy officers are paged as soon as an incident opens. The page carries the
 * incident id, the signal kinds and a link, never PHI nor a reporter's words. Published, then
 * recorded: a retry after a lost answer may page twice (SNS delivers at least once anyway), and
 * each page carries `pageId` so a receiver drops a repeat; once recorded it is never sent again.
 * A kind of signal that joins later is paged once more (pageNewKinds).
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
    { pagedAt: now, pagedKinds: incident.kinds },
    { expect: { pagedAt: null } },
  );
  if (paged) await noteIncident(deps, incidentId, 'paged', 'workflow');
  // A kind that joined while this ran may have found no page to follow: page it now.
  await pageNewKinds(deps, incidentId);
  return { paged: paged !== undefined };
};

/**
 * Pages the officers once for each kind of signal that joined after their first page: ids and the
 * kinds only, `pageId` `<incidentId>:<signalId>` of the signal that brought the kind. The kinds are
 * claimed on the incident (conditionally on what was read), then published; a failed publish gives
 * the claim back and throws, so the step's retry pages them, and two at once page each kind once.
 */
export const pageNewKinds = async (deps: PageDeps, incidentId: string): Promise<number> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const incident = await deps.incidents.get(incidentId);
    if (!incident || incident.pagedAt === undefined || !OPEN_INCIDENT.includes(incident.status)) return 0;
    // Paged before kinds were recorded: the first page named the first kind.
    const before = incident.pagedKinds ?? incident.kinds.slice(0, 1);
    const fresh = incident.kinds.filter((k) => !before.includes(k));
    if (!fresh.length) return 0;
    const now = deps.clock.now().toISOString();
    const claimed = await deps.incidents.update(
      incidentId,
      OPEN_INCIDENT,
      { pagedKinds: [...before, ...fresh], updatedAt: now },
      { expect: { updatedAt: incident.updatedAt } },
    );
    if (!claimed) continue;
    const signals = await deps.incidents.signals(incidentId);
    try {
      for (const kind of fresh) {
        const signalId = signals.find((s) => s.kind === kind)?.signalId ?? kind;
        await deps.notifier.notify('incident.page', {
          audience: 'privacy-officer',
          pageId: `${incidentId}:${signalId}`,
          incidentId,
          kinds: claimed.kinds.join(','),
          newKind: kind,
          signalId,
          discoveredAt: incident.discoveredAt,
          link: `/incidents/${incidentId}`,
        });
      }
    } catch (error) {
      const givenBack = await deps.incidents
        .update(
          incidentId,
          OPEN_INCIDENT,
          { pagedKinds: before, updatedAt: deps.clock.now().toISOString() },
          { expect: { updatedAt: claimed.updatedAt } },
        )
        .catch(() => undefined);
      // The incident changed meanwhile: the retry would find the kinds claimed and page nobody.
      if (!givenBack)
        await deps.notifier
          .operatorAlert('Incident page for a new kind not sent', { incidentId, kinds: fresh.join(',') })
          .catch(() => undefined);
      throw error;
    }
    await noteIncident(deps, incidentId, 'paged-again', 'workflow', { kinds: fresh.join(',') });
    return fresh.length;
  }
  return 0;
};
