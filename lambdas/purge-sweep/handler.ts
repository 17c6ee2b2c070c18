import middy from '@middy/core';
import { sweepPurges } from '../domain/purge';
import { purgeDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = purgeDeps();

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepPurges>>>().handler(async () => {
  const result = await sweepPurges(deps);
  if (result.failed) logger.warn('purges failed', result);
  return result;
});
