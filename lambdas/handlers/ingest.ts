import { type IngestInput, ingestOrder } from '../domain/ingest';
import { logger } from '../runtime/logger';
import { recordMetric } from '../runtime/metrics';
import { taskHandler } from '../runtime/task';
import { files } from '../runtime/wiring/files';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: ingest). */
export const deps = granted<DepsOf<typeof ingestOrder>>({
  orders: orders(),
  files: files(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: input and output are ids and a status, nothing else (no PHI in history). */
export const handler = taskHandler<IngestInput, Awaited<ReturnType<typeof ingestOrder>>>(async (event) => {
  const result = await ingestOrder(deps, event);
  if (result.status === 'REJECTED') recordMetric('OrdersRejected');
  logger.info('ingest finished', {
    orderId: event.orderId,
    status: result.status,
    rejectedFiles: result.rejectedFiles,
  });
  return result;
});
