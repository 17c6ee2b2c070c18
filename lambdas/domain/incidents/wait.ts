/**
 * Answering the workflow's current wait after a state change, all or nothing: the change is
 * written first (conditional), then the task token completed; a fault that may have left the task
 * waiting undoes the change (503, retry); a token Step Functions refuses (the execution was
 * stopped or lost) leaves the change standing and alerts operators and officers: a refused or
 * lost task token is an alert, never silence.
 */
import { ServiceUnavailableError, TaskTokenRefusedError } from '../../kernel/errors';
import type { Notifier } from '../ports';
import { type IncidentBaseDeps, type IncidentWorkflow, noteIncident } from './model';

export type WaitDeps = IncidentBaseDeps & {
  readonly incidentWorkflow: Pick<IncidentWorkflow, 'completeTask'>;
  readonly notifier: Notifier;
};

export const answerWait = async (
  deps: WaitDeps,
  incidentId: string,
  token: string,
  output: Readonly<Record<string, string>>,
  undo: () => Promise<unknown>,
): Promise<void> => {
  try {
    await deps.incidentWorkflow.completeTask(token, output);
  } catch (error) {
    if (error instanceof TaskTokenRefusedError) {
      await deps.notifier
        .operatorAlert('Incident workflow lost its wait', { incidentId, reason: error.reason })
        .catch(() => undefined);
      await deps.notifier
        .notify('incident.workflow-lost', { audience: 'privacy-officer', incidentId, reason: error.reason })
        .catch(() => undefined);
      await noteIncident(deps, incidentId, 'workflow-lost', 'workflow', { reason: error.reason });
      return;
    }
    await undo();
    throw new ServiceUnavailableError({ cause: error });
  }
};
