/**
 * Keeping orders and their workflow executions in step.
 *
 * - An action that changed an order and then could not signal the workflow is undone
 *   (`restoreOrder`): the order is exactly as it was, indexes included, and a retry works.
 * - An order whose execution no longer waits for it (a refused task token, an execution that is not
 *   RUNNING) is set aside as STUCK with an operator alert at once (`strandOrder`), and a designer's
 *   slot it held is given back. The watchdog (`sweepWorkflows`) finds the ones no action touches.
 * - An operator resumes a STUCK order (`resumeOrder`): it goes back to its last good status and a
 *   new execution, named after the resume so a double click starts one, jumps to the matching state.
 */
import { ConflictError, DomainError, NotFoundError, ServiceUnavailableError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { recordAudit } from './audit';
import type { IndexChanges, Order, OrderStatus } from './order';
import type { Deps, DesignDeps, ExecutionStatus } from './ports';
import { closedOrderPurge } from './retention';

/** Statuses in which an execution must be running for the order: everything between submit and close. */
export const WORKFLOW_STATUSES: readonly OrderStatus[] = [
  'SUBMITTED',
  'QUEUED',
  'ASSIGNED',
  'QA',
  'DELIVERED',
  'ACCEPTED',
];

/** Statuses a resume can start from; each has a state in the workflow's ResumeFrom choice. */
export const RESUME_STATUSES: readonly OrderStatus[] = ['SUBMITTED', 'QUEUED', 'DELIVERED', 'ACCEPTED'];

/**
 * An intake should take seconds. One still SUBMITTED after this long lost its workflow (a start
 * that failed after the status changed, an execution lost): it is marked STUCK.
 */
export const INTAKE_TIMEOUT_MINUTES = 15;

/** The watchdog looks at an order again at most this often. */
export const WATCH_RECHECK_MINUTES = 5;

/** Most urgent first: revisions, then rush, then standard; then earliest due; then oldest. */
export const queueSortKey = (order: Order, revision = false) =>
  `${revision ? '0' : order.turnaround === 'rush' ? '1' : '2'}#${order.dueAt ?? '9999'}#${order.createdAt}#${order.orderId}`;

/** Where an order in this state sits in the queue, assignee, timer and due indexes. */
export const indexesFor = (order: Order): Required<Omit<IndexChanges, 'watch'>> => {
  const s = order.status;
  const waiting = s === 'QUEUED' && Boolean(order.designTaskToken);
  const offer = waiting && order.offerTo && order.offerExpiresAt;
  return {
    queue: waiting
      ? {
          lane: offer ? `OFFER#${order.offerTo}` : 'QUEUE',
          sortKey: queueSortKey(order, (order.revisionCount ?? 0) > 0),
        }
      : null,
    assignee:
      (s === 'ASSIGNED' || s === 'QA') && order.assignee
        ? { sub: order.assignee, since: order.claimedAt ?? order.updatedAt }
        : null,
    pending:
      s === 'SUBMITTED' && order.submittedAt
        ? { name: 'INTAKE', at: order.submittedAt }
        : offer && order.offerExpiresAt
          ? { name: 'OFFER', at: order.offerExpiresAt }
          : s === 'ASSIGNED' && order.leaseExpiresAt
            ? { name: 'LEASE', at: order.leaseExpiresAt }
            : s === 'DELIVERED' && order.autoAcceptAt
              ? { name: 'DECISION', at: order.autoAcceptAt }
              : null,
    due: order.dueAt && (waiting || s === 'ASSIGNED' || s === 'QA') ? { at: order.dueAt } : null,
  };
};

const FIXED_KEYS = new Set(['orderId', 'accountId', 'createdAt', 'createdBy', 'pk', 'sk', 'entity']);

/**
 * Undoes one transition: `after` (what the transition returned) becomes `before` again, every
 * attribute and index, provided nothing changed the order since. Returns false when it could not.
 */
export const restoreOrder = async (deps: Pick<Deps, 'orders'>, before: Order, after: Order) => {
  const was = before as unknown as Record<string, unknown>;
  const now = after as unknown as Record<string, unknown>;
  const changes: Record<string, unknown> = {};
  const remove: string[] = [];
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (FIXED_KEYS.has(key) || /^gsi\d/.test(key)) continue;
    if (was[key] === undefined) {
      if (now[key] !== undefined) remove.push(key);
    } else if (JSON.stringify(was[key]) !== JSON.stringify(now[key])) changes[key] = was[key];
  }
  const restored = await deps.orders.transition(after.orderId, [after.status], changes as Partial<Order>, {
    remove: remove as (keyof Order)[],
    expect: { updatedAt: after.updatedAt },
    indexes: {
      ...indexesFor(before),
      ...(WORKFLOW_STATUSES.includes(before.status) ? {} : { watch: null }),
      ...(before.status === 'STUCK' && before.purgeAfter
        ? { pending: { name: 'PURGE' as const, at: before.purgeAfter } }
        : {}),
    },
  });
  return restored !== undefined;
};

/**
 * Runs the undo of a change whose follow-up failed, then reports the failure as retryable. When the
 * undo itself fails, operators hear of it: the order needs a person.
 */
export const undoAndFail = async (
  deps: Pick<Deps, 'orders' | 'notifier'>,
  before: Order,
  after: Order,
  step: string,
  cause: unknown,
): Promise<never> => {
  let undone = false;
  try {
    undone = await restoreOrder(deps, before, after);
  } catch {
    undone = false;
  }
  if (!undone) {
    await deps.notifier
      .operatorAlert('Order change could not be undone', {
        orderId: before.orderId,
        accountId: before.accountId,
        step,
        statusBefore: before.status,
        statusNow: after.status,
      })
      .catch(() => undefined);
  }
  // A named refusal (the audit log unavailable: 503) keeps its answer; anything else is a retryable 503.
  throw cause instanceof DomainError ? cause : new ServiceUnavailableError({ cause });
};

/**
 * A timeline entry after the change is committed (the workflow signalled): history, not state.
 * Failing to write it must not turn a completed action into an error, so operators hear instead.
 */
export const noteTimeline = async (
  deps: Pick<Deps, 'orders' | 'clock' | 'notifier'>,
  orderId: string,
  type: string,
  by: string,
  detail?: Record<string, string | number>,
  /** When it happened: the time of the change, so entries the workflow writes meanwhile sort after it. */
  at = deps.clock.now().toISOString(),
) => {
  try {
    await deps.orders.addTimeline({
      orderId,
      at,
      type,
      by,
      ...(detail ? { detail } : {}),
    });
  } catch {
    await deps.notifier
      .operatorAlert('Order timeline entry not written', { orderId, type })
      .catch(() => undefined);
  }
};

/**
 * Whether the timeline holds an entry of this type (of this design version, when given). A
 * workflow task's follow-up work (slot, notification) comes before its timeline entry, so a
 * task re-run after a kill tells from the entry whether that work is still to do.
 */
export const hasTimelineEntry = async (
  deps: Pick<Deps, 'orders'>,
  orderId: string,
  type: string,
  version?: number,
) =>
  (await deps.orders.timeline(orderId)).some(
    (e) => e.type === type && (version === undefined || e.detail?.version === version),
  );

/** The status a resume puts a STUCK order back in: work in progress goes back to the queue. */
export const resumePointFor = (status: OrderStatus): OrderStatus =>
  status === 'ASSIGNED' || status === 'QA' ? 'QUEUED' : status;

/** The registry gives a held slot back; without it (an intake-only caller) no slot can be held. */
export type StrandDeps = Pick<DesignDeps, 'orders' | 'clock' | 'notifier'> & {
  readonly designers?: Pick<DesignDeps['designers'], 'releaseSlot'>;
};

/**
 * Sets an order aside as STUCK because its workflow no longer runs for it, gives back a designer
 * slot it held, and alerts operators. Conditional on the order being unchanged since it was read,
 * so a race with the workflow itself never strands a healthy order. True when it moved the order.
 */
export const strandOrder = async (
  deps: StrandDeps,
  order: Order,
  errorName: string,
  closedReason = 'WORKFLOW_LOST',
): Promise<boolean> => {
  if (!WORKFLOW_STATUSES.includes(order.status)) return false;
  const now = deps.clock.now().toISOString();
  const resumeFrom = resumePointFor(order.status);
  // Not kept for ever: the STUCK retention timer (domain/retention.ts), replaced by a resume.
  const stuckPurge = closedOrderPurge('STUCK', deps.clock.now());
  const moved = await deps.orders.transition(
    order.orderId,
    [order.status],
    { status: 'STUCK', updatedAt: now, closedReason, resumeFrom, purgeAfter: stuckPurge.purgeAfter },
    {
      expect: { updatedAt: order.updatedAt },
      remove: [
        'designTaskToken',
        'decisionTaskToken',
        'assignee',
        'claimedAt',
        'leaseExpiresAt',
        'offerTo',
        'offerExpiresAt',
      ],
      indexes: { pending: stuckPurge.pending, queue: null, due: null, assignee: null, watch: null },
    },
  );
  if (!moved) return false;
  let slot = 'none held';
  if (order.assignee && (order.status === 'ASSIGNED' || order.status === 'QA')) {
    const designers = deps.designers;
    slot = await (designers
      ? designers.releaseSlot(order.assignee)
      : Promise.reject(new Error('no registry'))
    ).then(
      () => 'given back',
      () => 'NOT given back',
    );
  }
  await deps.notifier.operatorAlert('Order stuck: its workflow no longer runs for it', {
    orderId: order.orderId,
    accountId: order.accountId,
    errorName,
    status: order.status,
    resumeFrom,
    designerSlot: slot,
    resume: `POST /orders/${order.orderId}/resume`,
  });
  await noteTimeline(deps, order.orderId, 'STUCK', 'workflow', { errorName, from: order.status });
  return true;
};

/**
 * Workflow task (the Catch of every state): the order could not be processed. Always alerts, even
 * when the order had already left the workflow's statuses.
 */
export const markStuck = async (
  deps: StrandDeps,
  input: { orderId: string; accountId: string; errorName?: string },
): Promise<{ status: OrderStatus }> => {
  const errorName = input.errorName ?? 'Unknown';
  const order = await deps.orders.get(input.orderId);
  if (order && (await strandOrder(deps, order, errorName, 'PROCESSING_FAILED'))) return { status: 'STUCK' };
  await deps.notifier.operatorAlert('Order stuck in the order workflow', {
    orderId: input.orderId,
    accountId: input.accountId,
    errorName,
    status: order?.status ?? 'MISSING',
  });
  return { status: order?.status === 'STUCK' || !order ? 'STUCK' : order.status };
};

/** The error name an order set aside by the watchdog is recorded and alerted with. */
const NOT_RUNNING: Readonly<Record<Exclude<ExecutionStatus, 'RUNNING'>, string>> = {
  SUCCEEDED: 'ExecutionSucceeded',
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
  PENDING_REDRIVE: 'ExecutionPendingRedrive',
  MISSING: 'ExecutionMissing',
};

/**
 * Scheduled: every order in the workflow, least recently checked first, against its execution.
 * Reads the WATCH index (never the table): a run costs at most `limit` orders and executions.
 */
export const sweepWorkflows = async (deps: StrandDeps & Pick<Deps, 'workflow'>, limit = 100) => {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - WATCH_RECHECK_MINUTES * 60_000).toISOString();
  const intakeCutoff = new Date(now.getTime() - INTAKE_TIMEOUT_MINUTES * 60_000).toISOString();
  let checked = 0;
  let stuck = 0;
  let failed = 0;
  for (const orderId of await deps.orders.watchedBefore(cutoff, limit)) {
    try {
      const order = await deps.orders.get(orderId);
      if (!order) continue;
      checked++;
      if (!WORKFLOW_STATUSES.includes(order.status)) {
        // Closed by a path that does not clear the watch (purge, termination): stop watching it.
        await deps.orders.transition(orderId, [order.status], {}, { indexes: { watch: null } });
        continue;
      }
      const execution = order.executionName
        ? await deps.workflow.executionStatus(order.executionName)
        : 'MISSING';
      // A submit whose start failed is retried by the lab: the intake timeout gives it that time.
      const mayStillStart =
        order.status === 'SUBMITTED' && execution === 'MISSING' && (order.submittedAt ?? '') > intakeCutoff;
      if (execution === 'RUNNING' || mayStillStart) {
        await deps.orders.transition(
          orderId,
          [order.status],
          {},
          { indexes: { watch: { at: now.toISOString() } } },
        );
        continue;
      }
      if (await strandOrder(deps, order, NOT_RUNNING[execution])) stuck++;
    } catch {
      // One order's failure must not hide the others: the next run looks at it again.
      failed++;
    }
  }
  return { checked, stuck, failed };
};

export interface ResumeResult {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly executionArn: string;
  /** True when this call found the order already resumed (a second click): nothing was started. */
  readonly duplicate: boolean;
}

/**
 * Operators resume a STUCK order from its last good status. The execution is named
 * <orderId>-resume-<n>: a second click finds the order resumed and the same execution (started
 * again only if the first click died before starting it, which Step Functions makes a no-op).
 */
export const resumeOrder = async (deps: DesignDeps, actor: Actor, orderId: string): Promise<ResumeResult> => {
  const order = await deps.orders.get(orderId);
  if (!order) throw new NotFoundError(`No order ${orderId}.`);
  const resumedName = `${orderId}-resume-${order.resumeCount ?? 0}`;
  if (order.status !== 'STUCK') {
    if (order.resumeCount && order.executionName === resumedName && order.resumeFrom) {
      const executionArn = await deps.workflow.start(resumedName, {
        orderId,
        accountId: order.accountId,
        resumeFrom: order.resumeFrom,
      });
      return { orderId, status: order.status, executionArn, duplicate: true };
    }
    throw new ConflictError(
      `Order ${orderId} is ${order.status}: only a STUCK order can be resumed.`,
      'NOT_STUCK',
      { status: order.status },
    );
  }
  const resumeFrom =
    order.resumeFrom && RESUME_STATUSES.includes(order.resumeFrom) ? order.resumeFrom : 'SUBMITTED';
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.resume',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now();
  const count = (order.resumeCount ?? 0) + 1;
  const executionName = `${orderId}-resume-${count}`;
  let autoAcceptAt = order.autoAcceptAt;
  if (resumeFrom === 'DELIVERED' && (!autoAcceptAt || autoAcceptAt < now.toISOString())) {
    const policy = await deps.policies.policyFor(order.accountId);
    autoAcceptAt = new Date(now.getTime() + policy.autoAcceptDays * 86_400_000).toISOString();
  }
  const moved = await deps.orders.transition(
    orderId,
    ['STUCK'],
    {
      status: resumeFrom,
      resumeFrom,
      resumeCount: count,
      executionName,
      updatedAt: now.toISOString(),
      ...(resumeFrom === 'DELIVERED' ? { autoAcceptAt } : {}),
    },
    {
      expect: { updatedAt: order.updatedAt },
      remove: ['closedReason', 'executionArn', 'purgeAfter'],
      indexes: {
        watch: { at: now.toISOString() },
        pending:
          resumeFrom === 'SUBMITTED'
            ? { name: 'INTAKE', at: now.toISOString() }
            : resumeFrom === 'DELIVERED' && autoAcceptAt
              ? { name: 'DECISION', at: autoAcceptAt }
              : null,
      },
    },
  );
  // Another click got there first: answer what it did.
  if (!moved) return resumeOrderOnce(deps, actor, orderId);
  let executionArn: string;
  try {
    executionArn = await deps.workflow.start(executionName, {
      orderId,
      accountId: order.accountId,
      resumeFrom,
    });
  } catch (cause) {
    return undoAndFail(deps, order, moved, 'resume', cause);
  }
  await deps.orders
    .transition(
      orderId,
      [...WORKFLOW_STATUSES, 'STUCK', 'REJECTED', 'ARCHIVED'],
      { executionArn },
      { expect: { executionName } },
    )
    .catch(() => undefined);
  await noteTimeline(deps, orderId, 'RESUMED', actor.sub, { from: resumeFrom, resume: count });
  return { orderId, status: resumeFrom, executionArn, duplicate: false };
};

/** The losing click of a race: reports the winner's resume, never starts another. */
const resumeOrderOnce = async (deps: DesignDeps, actor: Actor, orderId: string): Promise<ResumeResult> => {
  const order = await deps.orders.get(orderId);
  if (order?.status === 'STUCK')
    throw new ConflictError(`Order ${orderId} changed meanwhile; try again.`, 'WRONG_STATE');
  return resumeOrder(deps, actor, orderId);
};

/**
 * Scheduled: an order still SUBMITTED INTAKE_TIMEOUT_MINUTES after submission lost its intake
 * (even with an execution still running, e.g. retrying a storage fault for ever): STUCK and alerted.
 */
export const sweepStalledIntake = async (deps: StrandDeps, limit = 100): Promise<{ stalled: number }> => {
  const cutoff = new Date(deps.clock.now().getTime() - INTAKE_TIMEOUT_MINUTES * 60_000).toISOString();
  let stalled = 0;
  for (const orderId of await deps.orders.pendingBefore('INTAKE', cutoff, limit)) {
    const order = await deps.orders.get(orderId);
    if (
      order?.status === 'SUBMITTED' &&
      (await strandOrder(deps, order, 'IntakeTimedOut', 'PROCESSING_FAILED'))
    )
      stalled++;
  }
  return { stalled };
};
