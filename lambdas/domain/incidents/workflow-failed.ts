/**
 * The incident workflow's catch: an execution that cannot go on (a step failed past its retries)
 * is an alert to operators and to the privacy officers, ids and the error's name only. The
 * incident itself stays where it was; its notice deadlines keep running in the deadline sweep.
 */
import type { Notifier } from '../ports';
import { type IncidentBaseDeps, noteIncident } from './model';

export type WorkflowFailedDeps = IncidentBaseDeps & { readonly notifier: Notifier };

export const incidentWorkflowFailed = async (
  deps: WorkflowFailedDeps,
  input: { incidentId: string; errorName?: string },
): Promise<{ alerted: true }> => {
  const errorName = /^[A-Za-z0-9_.]{1,64}$/.test(input.errorName ?? '')
    ? (input.errorName as string)
    : 'Unknown';
  await deps.notifier.operatorAlert('Incident workflow failed', { incidentId: input.incidentId, errorName });
  await deps.notifier.notify('incident.workflow-failed', {
    audience: 'privacy-officer',
    incidentId: input.incidentId,
    errorName,
  });
  await noteIncident(deps, input.incidentId, 'workflow-failed', 'workflow', { errorName });
  return { alerted: true };
};
