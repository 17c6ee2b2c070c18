/**
 * The design half of the order workflow as Step Functions runs it: the order waits for a design
 * (`awaitDesign`), the hand-in is checked (`qaDesign`), the design goes to the lab, which then
 * decides (`deliverAndAwaitDecision`), and an accepted order is archived (`archiveOrder`). What
 * people do in between is in claim.ts, assignments.ts, hand-in.ts and decisions.ts.
 *
 * Status flow:  QUEUED ─claim→ ASSIGNED ─submit→ QA ─pass→ DELIVERED ─accept→ ACCEPTED → ARCHIVED
 *                 ▲  release / lease expiry ┘      └fail→ ASSIGNED (same designer)   │
 *                 └────────────── revise (offered first to the last designer) ────────┘
 * The workflow waits for the design and for the lab's decision with task tokens kept on the order.
 * Every task is re-runnable: a re-run (new token) finds the order where a first run left it.
 */
import { OrderNotFoundError, UnexpectedOrderStateError } from '../../kernel/errors';
import { checkStoredFile } from '../file-check';
import type { Order } from '../order';
import { releaseGuards } from '../orders/guards';
import type { Deps, DesignDeps } from '../ports';
import { hasTimelineEntry, queueSortKey } from '../recovery';
import { addDays, addMinutes, LEASE_MINUTES, timeline } from './shared';

/** Delivery: the order, the designer's slot given back, and the lab told. */
type DeliveryDeps = Pick<DesignDeps, 'orders' | 'clock' | 'notifier' | 'designers'>;

/**
 * Workflow task (waitForTaskToken): the order waits for a design; the token stays with it.
 *
 * Re-runnable: Step Functions (and the local stand-in after a restart) may run it again with a new
 * token, also after a first run that made its write and died before returning. A run that finds
 * the order where a first run left it (ASSIGNED after a failed QA, or a QUEUED order a designer
 * has claimed since) only swaps in its token, so the hand-in completes the task that now waits.
 */
export const awaitDesign = async (
  deps: Pick<Deps, 'orders' | 'clock'>,
  input: { orderId: string; accountId: string; taskToken: string },
) => {
  const order = await deps.orders.get(input.orderId);
  if (!order || order.accountId !== input.accountId) throw new OrderNotFoundError(input.orderId);
  const now = deps.clock.now();
  if (order.status === 'QA') {
    // QA failed: back to the designer who made it, lease renewed.
    const lease = addMinutes(now, LEASE_MINUTES).toISOString();
    const moved = await deps.orders.transition(
      order.orderId,
      ['QA'],
      {
        status: 'ASSIGNED',
        designTaskToken: input.taskToken,
        leaseExpiresAt: lease,
        updatedAt: now.toISOString(),
      },
      { indexes: { pending: { name: 'LEASE', at: lease } } },
    );
    if (!moved) return rerunAwaitDesign(deps, input);
    await timeline(deps, order.orderId, 'QA_FAILED', 'qa', { version: order.designVersion ?? 0 });
    return { status: 'ASSIGNED' };
  }
  if (order.status === 'ASSIGNED') return rerunAwaitDesign(deps, input);
  const revision = (order.revisionCount ?? 0) > 0 && Boolean(order.offerTo);
  const offer =
    revision && order.offerExpiresAt && order.offerTo
      ? { to: order.offerTo, until: order.offerExpiresAt }
      : undefined;
  const moved = await deps.orders.transition(
    order.orderId,
    ['QUEUED'],
    { designTaskToken: input.taskToken, updatedAt: now.toISOString() },
    {
      indexes: {
        queue: { lane: offer ? `OFFER#${offer.to}` : 'QUEUE', sortKey: queueSortKey(order, revision) },
        ...(offer ? { pending: { name: 'OFFER', at: offer.until } } : {}),
        ...(order.dueAt ? { due: { at: order.dueAt } } : {}),
      },
    },
  );
  // Claimed between the read and the write: the order is ASSIGNED, which a re-run handles.
  if (!moved) return rerunAwaitDesign(deps, input);
  return { status: 'QUEUED' };
};

/**
 * awaitDesign on an order a first run already moved (or a designer claimed since): the new
 * token replaces the old one while the order is still ASSIGNED, and nothing else changes but a
 * QA_FAILED entry the first run did not live to write.
 */
const rerunAwaitDesign = async (
  deps: Pick<Deps, 'orders' | 'clock'>,
  input: { orderId: string; accountId: string; taskToken: string },
) => {
  const moved = await deps.orders.transition(input.orderId, ['ASSIGNED'], {
    designTaskToken: input.taskToken,
  });
  if (!moved) throw new UnexpectedOrderStateError(input.orderId, 'QUEUED or ASSIGNED');
  // qaProblems on an ASSIGNED order: the hand-in of designVersion failed QA and came back.
  const version = moved.designVersion ?? 0;
  if (moved.qaProblems?.length && !(await hasTimelineEntry(deps, moved.orderId, 'QA_FAILED', version)))
    await timeline(deps, moved.orderId, 'QA_FAILED', 'qa', { version });
  return { status: 'ASSIGNED' };
};

/** Workflow task: checks the hand-in the way ingest checks inputs. */
export const qaDesign = async (
  deps: Pick<Deps, 'orders' | 'files' | 'clock' | 'notifier'>,
  input: { orderId: string; accountId: string },
) => {
  const order = await deps.orders.get(input.orderId);
  if (order?.status !== 'QA') return { passed: false };
  const version = order.designVersion ?? 0;
  const outputs = (await deps.orders.files(order.orderId)).filter(
    (f) => f.role === 'output' && f.version === version,
  );
  const problems: string[] = [];
  if (!outputs.some((f) => f.format !== 'pdf'))
    problems.push('The hand-in holds no design mesh (STL, PLY or OBJ).');
  for (const file of outputs) {
    // The same check as ingest's: a storage failure throws TransientError, which the workflow retries.
    const check = await checkStoredFile(deps.files, file, deps.clock.now().toISOString());
    if (check.problem) problems.push(`${file.fileId}: ${check.problem}`);
    await deps.orders.updateFile(order.orderId, file.fileId, { check });
  }
  // A hand-in starts QA without qaProblems (submit removes them): set, they mean a run before this
  // one (cut off, then re-run) already told the designer. Told before the write, so a kill in
  // between repeats the notice rather than loses it.
  if (problems.length && order.assignee && order.qaProblems === undefined) {
    await deps.notifier.notify('design.qa-failed', { orderId: order.orderId, designerId: order.assignee });
  }
  await deps.orders.transition(order.orderId, ['QA'], {
    qaProblems: problems,
    updatedAt: deps.clock.now().toISOString(),
  });
  return { passed: problems.length === 0 };
};

/**
 * Workflow task (waitForTaskToken): the design goes to the lab and the order waits for its
 * decision. Delivery and the stored token are one write, so a lab never sees a DELIVERED order
 * it cannot yet accept. A retried invocation (new token) only replaces the token.
 */
export const deliverAndAwaitDecision = async (
  deps: DeliveryDeps & Pick<DesignDeps, 'policies'>,
  input: { orderId: string; accountId: string; taskToken: string },
) => {
  const order = await deps.orders.get(input.orderId);
  if (!order || order.accountId !== input.accountId) throw new OrderNotFoundError(input.orderId);
  if (order.status === 'DELIVERED') return rerunDelivery(deps, order, input.taskToken);
  const policy = await deps.policies.policyFor(order.accountId);
  const now = deps.clock.now();
  const autoAcceptAt = addDays(now, policy.autoAcceptDays).toISOString();
  const version = order.designVersion ?? 1;
  const moved = await deps.orders.transition(
    order.orderId,
    ['QA'],
    {
      status: 'DELIVERED',
      deliveredVersion: version,
      deliveredAt: now.toISOString(),
      autoAcceptAt,
      decisionTaskToken: input.taskToken,
      updatedAt: now.toISOString(),
    },
    {
      remove: ['assignee', 'leaseExpiresAt', 'claimedAt'],
      indexes: { assignee: null, due: null, pending: { name: 'DECISION', at: autoAcceptAt } },
    },
  );
  if (!moved) {
    const current = await deps.orders.get(order.orderId);
    if (current?.status === 'DELIVERED') return rerunDelivery(deps, current, input.taskToken);
    throw new UnexpectedOrderStateError(order.orderId, 'in QA');
  }
  await deliveryFollowUp(deps, order.orderId, order.accountId, order.assignee, version);
  return { status: 'DELIVERED' };
};

/** After the DELIVERED write: the slot back, the lab told, then the timeline entry (the marker). */
const deliveryFollowUp = async (
  deps: DeliveryDeps,
  orderId: string,
  accountId: string,
  designer: string | undefined,
  version: number,
) => {
  if (designer) await deps.designers.releaseSlot(designer);
  await deps.notifier.notify('order.delivered', { orderId, accountId, version: String(version) });
  await timeline(deps, orderId, 'DELIVERED', 'qa', { version });
};

/**
 * A re-run (new token) of the delivery on an order already DELIVERED: the token is replaced, and
 * the follow-up a first run cut off before its timeline entry is done now (the designer who handed
 * the version in is `lastDesigner`). An operator's resume of a delivered order lands here too.
 */
const rerunDelivery = async (deps: DeliveryDeps, order: Order, taskToken: string) => {
  const moved = await deps.orders.transition(order.orderId, ['DELIVERED'], { decisionTaskToken: taskToken });
  if (!moved) throw new UnexpectedOrderStateError(order.orderId, 'DELIVERED');
  const version = moved.deliveredVersion ?? 1;
  if (!(await hasTimelineEntry(deps, moved.orderId, 'DELIVERED', version)))
    await deliveryFollowUp(deps, moved.orderId, moved.accountId, moved.lastDesigner, version);
  return { status: 'DELIVERED' };
};

/** Workflow task: an accepted order is archived, with the date after which it must be purged. */
export const archiveOrder = async (
  deps: Pick<DesignDeps, 'orders' | 'clock' | 'policies'>,
  input: { orderId: string; accountId: string },
) => {
  const order = await deps.orders.get(input.orderId);
  if (!order) throw new OrderNotFoundError(input.orderId);
  if (order.status === 'ARCHIVED') {
    // A re-run after a kill: the guards and the entry a first run did not live to write.
    if (!(await hasTimelineEntry(deps, order.orderId, 'ARCHIVED'))) {
      const policy = await deps.policies.policyFor(order.accountId);
      await releaseGuards(deps, order);
      await timeline(deps, order.orderId, 'ARCHIVED', 'workflow', { retentionDays: policy.retentionDays });
    }
    return { status: 'ARCHIVED' };
  }
  const policy = await deps.policies.policyFor(order.accountId);
  const now = deps.clock.now();
  const purgeAfter = addDays(now, policy.retentionDays).toISOString();
  // A pending deletion request purges sooner than retention would.
  const purgeAt =
    order.deletionRequest && order.deletionRequest.purgeAt < purgeAfter
      ? order.deletionRequest.purgeAt
      : purgeAfter;
  const moved = await deps.orders.transition(
    order.orderId,
    ['ACCEPTED'],
    { status: 'ARCHIVED', archivedAt: now.toISOString(), purgeAfter, updatedAt: now.toISOString() },
    { indexes: { pending: { name: 'PURGE', at: purgeAt }, watch: null } },
  );
  if (moved) {
    await releaseGuards(deps, order);
    await timeline(deps, order.orderId, 'ARCHIVED', 'workflow', { retentionDays: policy.retentionDays });
  }
  return { status: moved?.status ?? order.status };
};
