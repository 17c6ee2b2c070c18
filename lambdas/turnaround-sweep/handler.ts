import middy from '@middy/core';
import { sweepTurnaround } from '../domain/design';
import { designDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = designDeps();

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline). */
export const handler = middy<unknown, Awaited<ReturnType<typeof sweepTurnaround>>>().handler(async () => {
  const result = await sweepTurnaround(deps);
  logger.info('turnaround-sweep finished', result);
  return result;
});
