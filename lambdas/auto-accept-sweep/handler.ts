import middy from '@middy/core';
import { sweepAutoAccept } from '../domain/design';
import { designDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = designDeps();

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepAutoAccept>>>().handler(async () => {
  const result = await sweepAutoAccept(deps);
  logger.info('auto-accept-sweep finished', result);
  return result;
});
