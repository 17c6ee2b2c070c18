import middy from '@middy/core';
import type { PurgeDeps } from '../domain/purge';
import { sweepPurges } from '../domain/purge';
import { logger } from '../shared/logger';
import { designers } from '../shared/wiring/designers';
import { files } from '../shared/wiring/files';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { policies } from '../shared/wiring/policies';
import { purgeStore } from '../shared/wiring/purge-store';
import { purger } from '../shared/wiring/purger';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { signer } from '../shared/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: purgeSweep). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  designers: designers(),
  policies: policies(),
  accounts: policies(),
  purgeStore: purgeStore(),
  signer: signer(),
  files: files(),
  purger: purger(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepPurges>>>().handler(async () => {
  const result = await sweepPurges(deps);
  if (result.failed) logger.warn('purges failed', result);
  return result;
});
