/**
 * An incident moves with its notices: CONFIRMED until every affected account was sent its notice
 * (NOTIFIED), then ACKNOWLEDGED once every lab acknowledged. Re-read after each notice change;
 * the conditional update makes two changes at once land on one transition. Each change of a notice
 * passes here, so here the incident's notice summary (what the incident list shows) is refreshed.
 */
import {
  type Incident,
  type IncidentBaseDeps,
  type Notice,
  type NoticeSummary,
  noteIncident,
  OPEN_INCIDENT,
  summariseNotices,
} from './model';

/** Tries at most this many times when another change of the incident lands in between. */
const SUMMARY_TRIES = 3;

const sameSummary = (a: NoticeSummary | undefined, b: NoticeSummary) =>
  a !== undefined &&
  a.accounts === b.accounts &&
  a.unsent === b.unsent &&
  a.nextDueAt === b.nextDueAt &&
  a.nextDueAccountId === b.nextDueAccountId;

/**
 * Writes the summary of the notices as they stand now, on the incident as it was read (its
 * updatedAt unchanged): a write from an older read of the notices cannot land over a newer one;
 * the loser reads both again. Returns the incident and notices last read.
 */
const refreshSummary = async (
  deps: IncidentBaseDeps,
  incidentId: string,
): Promise<{ incident?: Incident; notices: Notice[] }> => {
  for (let attempt = 1; ; attempt++) {
    const incident = await deps.incidents.get(incidentId);
    const notices = await deps.incidents.notices(incidentId);
    if (!incident || !OPEN_INCIDENT.includes(incident.status))
      return { ...(incident ? { incident } : {}), notices };
    const summary = summariseNotices(notices);
    if (sameSummary(incident.noticeSummary, summary)) return { incident, notices };
    const written = await deps.incidents.update(
      incidentId,
      [incident.status],
      { noticeSummary: summary, updatedAt: deps.clock.now().toISOString() },
      { expect: { updatedAt: incident.updatedAt } },
    );
    if (written || attempt >= SUMMARY_TRIES) return { incident: written ?? incident, notices };
  }
};

export const settleIncident = async (deps: IncidentBaseDeps, incidentId: string): Promise<void> => {
  const read = await refreshSummary(deps, incidentId);
  const { incident } = read;
  if (!incident || !['CONFIRMED', 'NOTIFIED'].includes(incident.status)) return;
  const notices = read.notices.filter((n) => n.status !== 'WITHDRAWN');
  const now = deps.clock.now().toISOString();
  const allSent = notices.every((n) => n.status === 'SENT' || n.status === 'ACKNOWLEDGED');
  const allAcknowledged = notices.every((n) => n.status === 'ACKNOWLEDGED');
  if (incident.status === 'CONFIRMED' && allSent) {
    if (await deps.incidents.update(incidentId, ['CONFIRMED'], { status: 'NOTIFIED', updatedAt: now }))
      await noteIncident(deps, incidentId, 'notified', 'workflow', { accounts: notices.length });
  }
  if (allSent && allAcknowledged && notices.length > 0) {
    if (await deps.incidents.update(incidentId, ['NOTIFIED'], { status: 'ACKNOWLEDGED', updatedAt: now }))
      await noteIncident(deps, incidentId, 'acknowledged', 'workflow', { accounts: notices.length });
  }
};
