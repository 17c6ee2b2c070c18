import { awaitPhase } from '../domain/incidents/await-phase';
import { sweepIncidentDeadlines } from '../domain/incidents/deadlines';
import type { IncidentPhase } from '../domain/incidents/model';
import { pageOfficers } from '../domain/incidents/page';
import { rescopeIncident } from '../domain/incidents/rescope';
import { scopeIncident } from '../domain/incidents/scope';
import { incidentWorkflowFailed } from '../domain/incidents/workflow-failed';
import { logger } from '../runtime/logger';
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
    DepsOf<typeof rescopeIncident> &
    DepsOf<typeof awaitPhase> &
    DepsOf<typeof incidentWorkflowFailed> &
    DepsOf<typeof sweepIncidentDeadlines>
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
  /** Absent on a scheduled run (EventBridge Scheduler's event, or the local scheduler's). */
  step?: 'page' | 'scope' | 'rescope' | 'await' | 'fail';
  /** A re-scope's: the signal that joined. */
  signalId?: string;
  phase?: IncidentPhase;
  taskToken?: string;
  errorName?: string;
};

/**
 * Workflow tasks of the incident workflow: ids in, codes out (statemachines/incident-workflow.asl.json);
 * and, every 5 minutes, the deadline sweep (domain/incidents/deadlines.ts).
 */
export const handler = taskHandler<StepEvent, Record<string, unknown>>(async (event) => {
  switch (event.step) {
    case undefined: {
      const result = await sweepIncidentDeadlines(deps);
      logger.info('incident deadline sweep finished', { ...result });
      return { ...result };
    }
    case 'page':
      return pageOfficers(deps, event.incidentId);
    case 'scope':
      return scopeIncident(deps, event.incidentId);
    case 'rescope':
      return rescopeIncident(deps, { incidentId: event.incidentId, signalId: event.signalId ?? '' });
    case 'await':
      return awaitPhase(deps, {
        incidentId: event.incidentId,
        phase: event.phase === 'CLOSE' ? 'CLOSE' : 'TRIAGE',
        taskToken: event.taskToken ?? '',
      });
    case 'fail':
      return incidentWorkflowFailed(deps, {
        incidentId: event.incidentId,
        ...(event.errorName ? { errorName: event.errorName } : {}),
      });
  }
});
