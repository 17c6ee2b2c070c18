import middy from '@middy/core';
import { sweepStalledIntake, sweepWorkflows } from '../domain/recovery';
import { designDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = designDeps();

interface WatchdogResult {
  readonly stalled: number;
  readonly checked: number;
  readonly stuck: number;
  readonly failed: number;
}

/**
 * Scheduled (EventBridge Scheduler on AWS, the local scheduler offline); the event carries nothing
 * we need. Stalled intakes first, then every order in the workflow against its execution.
 */
export const handler = middy<unknown, WatchdogResult>().handler(async () => {
  const intake = await sweepStalledIntake(deps);
  const workflows = await sweepWorkflows(deps);
  const result = { ...intake, ...workflows };
  if (result.stalled || result.stuck || result.failed)
    logger.warn('orders without a running workflow', result);
  return result;
});
