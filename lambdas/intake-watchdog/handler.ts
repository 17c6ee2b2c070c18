import middy from '@middy/core';
import { sweepStalledIntake } from '../domain/ingest';
import { productionDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = productionDeps();

/** Scheduled (EventBridge Scheduler on AWS, the local scheduler offline); the event carries nothing we need. */
export const handler = middy<unknown, { stalled: number }>().handler(async () => {
  const result = await sweepStalledIntake(deps);
  if (result.stalled) logger.warn('stalled intakes marked STUCK', result);
  return result;
});
