import { sweepStalledIntake, sweepWorkflows } from '../domain/recovery';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: intakeWatchdog). */
export const deps = granted<DepsOf<typeof sweepStalledIntake> & DepsOf<typeof sweepWorkflows>>({
  orders: orders(),
  designers: designers(),
  workflow: workflow(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

interface WatchdogResult {
  readonly stalled: number;
  readonly checked: number;
  readonly stuck: number;
  readonly failed: number;
}

/**
 * Scheduled (EventBridge Scheduler on AWS, the local scheduler offline); the event carries nothing
 * we need. Stalled intakes first, then every order in the workflow against its execution.
 */
export const handler = taskHandler<unknown, WatchdogResult>(async () => {
  const intake = await sweepStalledIntake(deps);
  const workflows = await sweepWorkflows(deps);
  const result = { ...intake, ...workflows };
  if (result.stalled || result.stuck || result.failed)
    logger.warn('orders without a running workflow', result);
  return result;
});
