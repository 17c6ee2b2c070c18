/**
 * Workflow waits (`.waitForTaskToken`, like the order workflow's): the token is kept on the
 * incident until the officer's triage or close completes it. A wait that finds the incident in
 * no state to wait in fails the execution (operators alerted by the workflow's catch).
 */
import { ConflictError } from '../../kernel/errors';
import type { IncidentBaseDeps, IncidentPhase, IncidentStatus } from './model';

const WAITS_IN: Readonly<Record<IncidentPhase, readonly IncidentStatus[]>> = {
  TRIAGE: ['SCOPED'],
  CLOSE: ['CONFIRMED', 'NOTIFIED', 'ACKNOWLEDGED', 'DISMISSED'],
};

export const awaitPhase = async (
  deps: Pick<IncidentBaseDeps, 'incidents' | 'clock'>,
  input: { incidentId: string; phase: IncidentPhase; taskToken: string },
): Promise<{ awaiting: IncidentPhase }> => {
  const stored = await deps.incidents.update(input.incidentId, WAITS_IN[input.phase], {
    awaiting: input.phase,
    taskToken: input.taskToken,
    updatedAt: deps.clock.now().toISOString(),
  });
  if (!stored)
    throw new ConflictError(
      `Incident ${input.incidentId} is in no state to wait for ${input.phase}.`,
      'INCIDENT_STATE',
    );
  return { awaiting: input.phase };
};
