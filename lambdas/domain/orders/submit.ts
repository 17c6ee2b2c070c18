/**
 * A lab submits a draft whose files have all arrived: the order leaves DRAFT with its due date
 * and starts the intake workflow. Idempotent: a repeated submit returns the same execution.
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditDeps, recordAudit } from '../audit';
import type { Deps } from '../ports';
import { computeDueAt } from '../turnaround';
import { loadOwnedOrder, requireDraft, timeline } from './shared';

export const submitOrder = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files' | 'workflow'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'order.submit');
  // A second click, a retry or a duplicate event finds the order already submitted and returns
  // the same execution: StartExecution with the same name and input never starts a second one.
  if (order.status !== 'DRAFT' && order.status !== 'SUBMITTED') {
    if (order.executionArn)
      return { orderId, status: order.status, executionArn: order.executionArn, duplicate: true };
    requireDraft(order, 'it can be submitted');
  }
  let current = order;
  // Of concurrent submits exactly one moves the order out of DRAFT: it alone answers duplicate: false.
  let won = false;
  if (order.status === 'DRAFT') {
    const files = await deps.orders.files(orderId);
    if (files.length === 0) {
      throw new ConflictError('Add at least one scan (STL, PLY or OBJ) before submitting.', 'NO_FILES');
    }
    const heads = await Promise.all(files.map((f) => deps.files.head(f.key)));
    const missing = files.filter((_f, i) => !heads[i]).map((f) => f.fileId);
    if (missing.length) {
      throw new ConflictError(`Files ${missing.join(', ')} have not been uploaded yet.`, 'FILES_MISSING', {
        fileIds: missing,
      });
    }
    const now = deps.clock.now();
    const transitioned = await deps.orders.transition(
      orderId,
      ['DRAFT'],
      {
        status: 'SUBMITTED',
        submittedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        dueAt: computeDueAt(order.turnaround, now).toISOString(),
        executionName: `${orderId}-intake`,
      },
      // The watchdog finds intakes that never finished through this timer, and from now on
      // compares the order with its execution through the watch index.
      {
        indexes: {
          pending: { name: 'INTAKE', at: now.toISOString() },
          watch: { at: now.toISOString() },
        },
      },
    );
    if (transitioned) {
      won = true;
      current = transitioned;
      await timeline(deps, { orderId, type: 'SUBMITTED', by: actor.sub });
    } else {
      current = (await deps.orders.get(orderId)) ?? order;
      if (current.status !== 'SUBMITTED') requireDraft(current, 'it can be submitted');
    }
  }
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.submit',
    outcome: 'ALLOWED',
    orderId,
  });
  const executionName = current.executionName ?? `${orderId}-intake`;
  const executionArn = await deps.workflow.start(executionName, { orderId, accountId: order.accountId });
  if (!current.executionArn) {
    await deps.orders.transition(orderId, ['SUBMITTED', 'QUEUED', 'REJECTED', 'STUCK'], { executionArn });
  }
  return {
    orderId,
    status: current.status,
    executionArn,
    ...(current.dueAt ? { dueAt: current.dueAt } : {}),
    duplicate: !won,
  };
};
