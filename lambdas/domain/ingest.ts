/**
 * Ingest, the first task of the order workflow: every declared file exists, matches its declared
 * size and SHA-256, and is the mesh format it claims. All good: QUEUED. Any file bad: REJECTED,
 * with a reason per file a lab technician can act on. Idempotent: a re-run on an order that
 * already left SUBMITTED reports its status and changes nothing.
 */
import { TransientError } from '../shared/errors';
import { inspectFile } from './mesh';
import type { FileCheck, FileFormat, OrderStatus } from './order';
import { releaseGuards } from './orders';
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
    throw Object.assign(new Error('order not found'), { name: 'OrderNotFoundError' });
  }
  if (order.status !== 'SUBMITTED') return { status: order.status, rejectedFiles: 0 };

  const files = (await deps.orders.files(order.orderId)).filter((f) => f.role === 'input');
  let rejected = 0;
  for (const file of files) {
    let check: FileCheck;
    const checkedAt = deps.clock.now().toISOString();
    try {
      const head = await deps.files.head(file.key);
      if (!head) {
        check = { ok: false, checkedAt, problem: 'The file never arrived. Upload it again and resubmit.' };
      } else if (head.sizeBytes !== file.sizeBytes) {
        check = {
          ok: false,
          checkedAt,
          problem: `The stored file has ${head.sizeBytes} bytes but ${file.sizeBytes} were declared: the upload is incomplete or a different file. Upload it again.`,
        };
      } else {
        const inspection = await inspectFile(file.format as FileFormat, deps.files.read(file.key));
        if (inspection.sha256 !== file.sha256) {
          check = {
            ok: false,
            checkedAt,
            problem:
              'The file content does not match the SHA-256 declared for it: it changed or was damaged in transit. Upload it again.',
          };
        } else if (inspection.problem) {
          check = { ok: false, checkedAt, problem: inspection.problem };
        } else {
          check = { ok: true, checkedAt, ...(inspection.mesh ? { mesh: inspection.mesh } : {}) };
        }
      }
    } catch (cause) {
      // Storage hiccups are not the lab's fault: let the workflow retry with backoff.
      throw new TransientError('reading a case file failed', { cause });
    }
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
  await deps.orders.addTimeline({
    orderId: order.orderId,
    at: now,
    type: status,
    by: 'ingest',
    detail: { files: files.length, rejectedFiles: rejected },
  });
  if (status === 'REJECTED') {
    await releaseGuards(deps, order);
    await deps.notifier.notify('order.rejected', { orderId: order.orderId, accountId: order.accountId });
  }
  return { status, rejectedFiles: rejected };
};

// Setting an order aside (workflow failures, stalled intakes) lives with the rest of recovery.
export { INTAKE_TIMEOUT_MINUTES, markStuck, sweepStalledIntake } from './recovery';
