import { sweepTurnaround } from '../domain/design/sweeps';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: turnaroundSweep). */
export const deps = granted<DepsOf<typeof sweepTurnaround>>({
  orders: orders(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = taskHandler<unknown, Awaited<ReturnType<typeof sweepTurnaround>>>(async () => {
  const result = await sweepTurnaround(deps);
  logger.info('turnaround-sweep finished', result);
  return result;
});
