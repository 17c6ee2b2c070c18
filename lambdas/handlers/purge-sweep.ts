import type { PurgeDeps } from '../domain/purge';
import { sweepPurges } from '../domain/purge';
import { logger } from '../runtime/logger';
import { recordMetric } from '../runtime/metrics';
import { taskHandler } from '../runtime/task';
import { accountKeys } from '../runtime/wiring/account-keys';
import { accounts } from '../runtime/wiring/accounts';
import { designers } from '../runtime/wiring/designers';
import { files } from '../runtime/wiring/files';
import { identity } from '../runtime/wiring/identity';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { purgeStore } from '../runtime/wiring/purge-store';
import { purger } from '../runtime/wiring/purger';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';
import { signer } from '../runtime/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: purgeSweep). */
export const deps = grantedSubset<PurgeDeps>({
  orders: orders(),
  accountKeys: accountKeys(),
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
export const handler = taskHandler<unknown, Awaited<ReturnType<typeof sweepPurges>>>(async () => {
  const result = await sweepPurges(deps);
  recordMetric('OrdersPurged', result.purged);
  if (result.failed) logger.warn('purges failed', result);
  return result;
});
