import middy from '@middy/core';
import { type IngestInput, markStuck } from '../domain/ingest';
import { productionDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = productionDeps();

export const handler = middy<IngestInput & { errorName?: string }, { status: string }>().handler(
  async (event) => {
    logger.warn('order stuck', { orderId: event.orderId, errorName: event.errorName ?? 'Unknown' });
    return markStuck(deps, event);
  },
);
