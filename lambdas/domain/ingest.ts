/**
 * Ingest, the first task of the order workflow: every declared file exists, matches its declared
 * size and SHA-256, and is the mesh format it claims. All good: QUEUED. Any file bad: REJECTED,
 * with a reason per file a lab technician can act on. Idempotent: a re-run on an order that
 * already left SUBMITTED reports its status and changes nothing.
 */
import { OrderNotFoundError } from '../kernel/errors';
import { checkStoredFile } from './file-check';
import type { Order, OrderStatus } from './order';
import { releaseGuards } from './orders/guards';
import type { Deps } from './ports';
import { closedOrderPurge } from './retention';

export interface IngestInput {
  readonly orderId: string;
  readonly accountId: string;
}

export const ingestOrder = async (
  deps: Pick<Deps, 'orders' | 'files' | 'clock' | 'notifier'>,
  input: IngestInput,
): Promise<{ status: OrderStatus; rejectedFiles: number }> => {
  const order = await deps.orders.get(input.orderId);
  if (!order || order.accountId !== input.accountId) {
    // Ids only: the workflow was started for an order that does not exist. Nothing to retry.
    throw new OrderNotFoundError(input.orderId);
  }
  if (order.status !== 'SUBMITTED') return rerunIngest(deps, order);

  const files = (await deps.orders.files(order.orderId)).filter((f) => f.role === 'input');
  let rejected = 0;
  for (const file of files) {
    // A storage failure throws TransientError: the workflow retries the step with backoff.
    const check = await checkStoredFile(deps.files, file, deps.clock.now().toISOString());
    if (!check.ok) rejected++;
    await deps.orders.updateFile(order.orderId, file.fileId, { check });
  }

  const now = deps.clock.now().toISOString();
  const status: OrderStatus = rejected === 0 ? 'QUEUED' : 'REJECTED';
  const rejectedPurge = closedOrderPurge('REJECTED', deps.clock.now());
  const moved = await deps.orders.transition(
    order.orderId,
    ['SUBMITTED'],
    {
      status,
      updatedAt: now,
      ...(status === 'REJECTED'
        ? { closedReason: 'FILE_CHECK_FAILED', purgeAfter: rejectedPurge.purgeAfter }
        : {}),
    },
    // The design wait (next workflow state) puts a QUEUED order into the queue with its token;
    // a REJECTED one goes on the PURGE timer (domain/retention.ts).
    {
      indexes: {
        pending: status === 'REJECTED' ? rejectedPurge.pending : null,
        ...(status === 'REJECTED' ? { watch: null } : {}),
      },
    },
  );
  if (!moved) {
    const current = await deps.orders.get(order.orderId);
    return { status: current?.status ?? order.status, rejectedFiles: rejected };
  }
  await ingestFollowUp(deps, moved, files.length, rejected, now);
  return { status, rejectedFiles: rejected };
};

/**
 * After the QUEUED or REJECTED write: a rejected order's guards go and the lab hears, then the
 * timeline entry, last, so a re-run can tell from it whether this work is done.
 */
const ingestFollowUp = async (
  deps: Pick<Deps, 'orders' | 'notifier'>,
  order: Order,
  files: number,
  rejectedFiles: number,
  at: string,
) => {
  if (order.status === 'REJECTED') {
    await releaseGuards(deps, order);
    await deps.notifier.notify('order.rejected', { orderId: order.orderId, accountId: order.accountId });
  }
  await deps.orders.addTimeline({
    orderId: order.orderId,
    at,
    type: order.status,
    by: 'ingest',
    detail: { files, rejectedFiles },
  });
};

/**
 * Ingest on an order that already left SUBMITTED (a re-run after a kill, or a retry): it reports
 * the outcome recorded, and finishes the follow-up a first run cut off before its timeline entry.
 */
const rerunIngest = async (deps: Pick<Deps, 'orders' | 'notifier'>, order: Order) => {
  const files = (await deps.orders.files(order.orderId)).filter((f) => f.role === 'input');
  const rejectedFiles = files.filter((f) => f.check && !f.check.ok).length;
  if (
    (order.status === 'QUEUED' || order.status === 'REJECTED') &&
    !(await deps.orders.timeline(order.orderId)).some((e) => e.type === order.status && e.by === 'ingest')
  )
    await ingestFollowUp(deps, order, files.length, rejectedFiles, order.updatedAt);
  return { status: order.status, rejectedFiles };
};

// Setting an order aside (workflow failures, stalled intakes) lives with the rest of recovery.
export { INTAKE_TIMEOUT_MINUTES, markStuck, sweepStalledIntake } from './recovery';
