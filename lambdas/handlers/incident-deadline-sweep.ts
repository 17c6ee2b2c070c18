import { sweepIncidentDeadlines } from '../domain/incidents/deadlines';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { accounts } from '../runtime/wiring/accounts';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: incidentDeadlineSweep). */
export const deps = granted<DepsOf<typeof sweepIncidentDeadlines>>({
  incidents: incidents(),
  accounts: accounts(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline and on every clock advance). */
export const handler = taskHandler<unknown, Awaited<ReturnType<typeof sweepIncidentDeadlines>>>(async () => {
  const result = await sweepIncidentDeadlines(deps);
  logger.info('incident-deadline-sweep finished', { ...result });
  return result;
});
