import type { IngestInput } from '../domain/ingest';
import { markStuck } from '../domain/recovery';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: markStuck). */
export const deps = granted<DepsOf<typeof markStuck>>({
  orders: orders(),
  designers: designers(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

export const handler = taskHandler<IngestInput & { errorName?: string }, { status: string }>(
  async (event) => {
    logger.warn('order stuck', { orderId: event.orderId, errorName: event.errorName ?? 'Unknown' });
    return markStuck(deps, event);
  },
);
