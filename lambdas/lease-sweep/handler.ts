import middy from '@middy/core';
import { sweepLeases } from '../domain/design';
import { designDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = designDeps();

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepLeases>>>().handler(async () => {
  const result = await sweepLeases(deps);
  logger.info('lease-sweep finished', result);
  return result;
});
