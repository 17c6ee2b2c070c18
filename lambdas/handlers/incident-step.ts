import { awaitPhase } from '../domain/incidents/await-phase';
import type { IncidentPhase } from '../domain/incidents/model';
import { pageOfficers } from '../domain/incidents/page';
import { scopeIncident } from '../domain/incidents/scope';
import { incidentWorkflowFailed } from '../domain/incidents/workflow-failed';
import { taskHandler } from '../runtime/task';
import { accounts } from '../runtime/wiring/accounts';
import { incidents } from '../runtime/wiring/incidents';
import { ledger } from '../runtime/wiring/ledger';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: incidentStep). */
export const deps = granted<
  DepsOf<typeof pageOfficers> &
    DepsOf<typeof scopeIncident> &
    DepsOf<typeof awaitPhase> &
    DepsOf<typeof incidentWorkflowFailed>
>({
  incidents: incidents(),
  ledger: ledger(),
  orders: orders(),
  accounts: accounts(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

type StepEvent = {
  incidentId: string;
  step: 'page' | 'scope' | 'await' | 'fail';
  phase?: IncidentPhase;
  taskToken?: string;
  errorName?: string;
};

/** Workflow tasks of the incident workflow: ids in, codes out (statemachines/incident-workflow.asl.json). */
export const handler = taskHandler<StepEvent, Record<string, unknown>>(async (event) => {
  switch (event.step) {
    case 'page':
      return pageOfficers(deps, event.incidentId);
    case 'scope':
      return scopeIncident(deps, event.incidentId);
    case 'await':
      return awaitPhase(deps, {
        incidentId: event.incidentId,
        phase: event.phase === 'CLOSE' ? 'CLOSE' : 'TRIAGE',
        taskToken: event.taskToken ?? '',
      });
    default:
      return incidentWorkflowFailed(deps, {
        incidentId: event.incidentId,
        ...(event.errorName ? { errorName: event.errorName } : {}),
      });
  }
});
