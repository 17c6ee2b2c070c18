import middy from '@middy/core';
import type { PurgeDeps } from '../domain/purge';
import { sweepPurges } from '../domain/purge';
import { logger } from '../runtime/logger';
import { accounts } from '../runtime/wiring/accounts';
import { designers } from '../runtime/wiring/designers';
import { files } from '../runtime/wiring/files';
import { identity } from '../runtime/wiring/identity';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { purgeStore } from '../runtime/wiring/purge-store';
import { purger } from '../runtime/wiring/purger';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';
import { signer } from '../runtime/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: purgeSweep). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  designers: designers(),
  policies: accounts(),
  accounts: accounts(),
  identity: identity(),
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
