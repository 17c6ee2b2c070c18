import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { sweepTurnaround } from '../domain/design';
import { logger } from '../runtime/logger';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: turnaroundSweep). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepTurnaround>>>().handler(async () => {
  const result = await sweepTurnaround(deps);
  logger.info('turnaround-sweep finished', result);
  return result;
});
