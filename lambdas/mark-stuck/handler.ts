import middy from '@middy/core';
import type { IngestInput } from '../domain/ingest';
import { markStuck } from '../domain/recovery';
import { designDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = designDeps();

export const handler = middy<IngestInput & { errorName?: string }, { status: string }>().handler(
  async (event) => {
    logger.warn('order stuck', { orderId: event.orderId, errorName: event.errorName ?? 'Unknown' });
    return markStuck(deps, event);
  },
);
