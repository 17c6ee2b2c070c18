/**
 * An incident moves with its notices: CONFIRMED until every affected account was sent its notice
 * (NOTIFIED), then ACKNOWLEDGED once every lab acknowledged. Re-read after each notice change;
 * the conditional update makes two changes at once land on one transition.
 */
import { type IncidentBaseDeps, noteIncident } from './model';

export const settleIncident = async (deps: IncidentBaseDeps, incidentId: string): Promise<void> => {
  const incident = await deps.incidents.get(incidentId);
  if (!incident || !['CONFIRMED', 'NOTIFIED'].includes(incident.status)) return;
  const notices = (await deps.incidents.notices(incidentId)).filter((n) => n.status !== 'WITHDRAWN');
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
