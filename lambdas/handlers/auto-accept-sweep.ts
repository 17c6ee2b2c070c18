import { sweepAutoAccept } from '../domain/design/sweeps';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { accounts } from '../runtime/wiring/accounts';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: autoAcceptSweep). */
export const deps = granted<DepsOf<typeof sweepAutoAccept>>({
  policies: accounts(),
  orders: orders(),
  workflow: workflow(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = taskHandler<unknown, Awaited<ReturnType<typeof sweepAutoAccept>>>(async () => {
  const result = await sweepAutoAccept(deps);
  logger.info('auto-accept-sweep finished', result);
  return result;
});
