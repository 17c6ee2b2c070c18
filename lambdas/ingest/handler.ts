import middy from '@middy/core';
import { type IngestInput, ingestOrder } from '../domain/ingest';
import { productionDeps } from '../shared/deps';
import { logger } from '../shared/logger';

const deps = productionDeps();

/** Workflow task: input and output are ids and a status, nothing else (no PHI in history). */
export const handler = middy<IngestInput, Awaited<ReturnType<typeof ingestOrder>>>().handler(
  async (event) => {
    const result = await ingestOrder(deps, event);
    logger.info('ingest finished', {
      orderId: event.orderId,
      status: result.status,
      rejectedFiles: result.rejectedFiles,
    });
    return result;
  },
);
