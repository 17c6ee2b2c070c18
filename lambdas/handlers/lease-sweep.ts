import { sweepLeases } from '../domain/design/sweeps';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: leaseSweep). */
export const deps = granted<DepsOf<typeof sweepLeases>>({
  orders: orders(),
  designers: designers(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = taskHandler<unknown, Awaited<ReturnType<typeof sweepLeases>>>(async () => {
  const result = await sweepLeases(deps);
  logger.info('lease-sweep finished', result);
  return result;
});
