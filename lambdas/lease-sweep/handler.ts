import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { sweepLeases } from '../domain/design';
import { logger } from '../shared/logger';
import { designers } from '../shared/wiring/designers';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

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
