import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { sweepLeases } from '../domain/design';
import { logger } from '../runtime/logger';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: leaseSweep). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  designers: designers(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepLeases>>>().handler(async () => {
  const result = await sweepLeases(deps);
  logger.info('lease-sweep finished', result);
  return result;
});
