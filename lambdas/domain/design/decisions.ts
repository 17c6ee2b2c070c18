/**
 * The lab's side of a delivered design: download it, accept it, or ask for a revision (at most
 * MAX_REVISIONS, offered first to the designer who made it). Accepting or revising completes the
 * workflow's waiting task; the auto-accept sweep (sweeps.ts) accepts for a lab that did neither.
 */
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditAction, type AuditDeps, recordAudit } from '../audit';
import { type Order, type OrderPhi, phiContext } from '../order';
import { loadOwnedOrder, requireFilesKept } from '../orders/shared';
import type { Deps, DesignDeps } from '../ports';
import { noteTimeline, type StrandDeps } from '../recovery';
import { parseRevisionRequest } from '../schemas/decisions';
import { addDays, addMinutes, presignedGets, signal } from './shared';

/** A revision waits this long for the designer who made the design before anyone may take it. */
export const REVISION_OFFER_MINUTES = 240;
/** Revisions a lab may ask for on one order. */
export const MAX_REVISIONS = 3;

export { REVISION_REASONS, type RevisionReason } from '../schemas/decisions';

/**
 * A decision audits, reads the account's auto-accept window for orders that did not store it, and
 * completes the workflow task; an order whose task is refused is set aside (StrandDeps).
 */
export type DecisionDeps = AuditDeps & StrandDeps & Pick<DesignDeps, 'policies' | 'workflow'>;

/** The order as it stands while DELIVERED, with its auto-accept date (older orders did not store it). */
const withDecisionTimer = async (deps: Pick<DesignDeps, 'policies'>, order: Order): Promise<Order> => {
  if (order.autoAcceptAt || !order.deliveredAt) return order;
  const policy = await deps.policies.policyFor(order.accountId);
  return {
    ...order,
    autoAcceptAt: addDays(new Date(order.deliveredAt), policy.autoAcceptDays).toISOString(),
  };
};

/** A lab's own order; anything else is a 404 and an audited denial (the one check, in orders/shared.ts). */
const loadOwnDelivered = async (
  deps: AuditDeps & Pick<Deps, 'orders'>,
  actor: Actor,
  orderId: string,
  action: AuditAction,
) => {
  return loadOwnedOrder(deps, actor, orderId, action);
};

export const deliverablesOf = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadOwnDelivered(deps, actor, orderId, 'order.deliverables');
  requireFilesKept(order);
  if (!order.deliveredVersion || !['DELIVERED', 'ACCEPTED', 'ARCHIVED'].includes(order.status)) {
    throw new ConflictError(
      `Order ${orderId} has no delivered design yet (${order.status}).`,
      'NOT_DELIVERED',
      { status: order.status },
    );
  }
  const outputs = (await deps.orders.files(orderId)).filter((f) => f.role === 'output');
  const delivered = outputs.filter((f) => f.version === order.deliveredVersion);
  const versions = [...new Set(outputs.map((f) => f.version ?? 0))]
    .filter((v) => v <= (order.deliveredVersion ?? 0))
    .sort((a, b) => a - b);
  const links = await presignedGets(deps, actor, order, delivered, 'order.deliverables');
  return {
    ...links,
    version: order.deliveredVersion,
    versions,
    status: order.status,
    revision: order.revisionCount ?? 0,
  };
};

export const acceptDelivery = async (
  deps: DecisionDeps,
  actor: Actor | undefined,
  orderId: string,
  auto = false,
) => {
  const order = actor
    ? await loadOwnDelivered(deps, actor, orderId, 'order.accept')
    : await deps.orders.get(orderId);
  if (!order) throw new NotFoundError(`No order ${orderId}.`);
  if (order.status === 'ACCEPTED' || order.status === 'ARCHIVED') return { orderId, status: order.status };
  if (order.status !== 'DELIVERED')
    throw new ConflictError(
      `Order ${orderId} is ${order.status}: only a delivered design can be accepted.`,
      'WRONG_STATE',
    );
  const token = order.decisionTaskToken;
  if (!token)
    throw new ConflictError('The delivery is still being recorded; try again in a moment.', 'NOT_WAITING');
  if (actor)
    await recordAudit(deps, actor, {
      accountId: order.accountId,
      action: 'order.accept',
      outcome: 'ALLOWED',
      orderId,
    });
  const before = await withDecisionTimer(deps, order);
  const now = deps.clock.now().toISOString();
  const moved = await deps.orders.transition(
    orderId,
    ['DELIVERED'],
    { status: 'ACCEPTED', acceptedAt: now, autoAccepted: auto, updatedAt: now },
    { remove: ['decisionTaskToken'], indexes: { pending: null } },
  );
  if (!moved) return { orderId, status: (await deps.orders.get(orderId))?.status ?? order.status };
  await signal(deps, before, moved, token, { orderId, decision: 'accept' }, 'order.accept');
  await noteTimeline(
    deps,
    orderId,
    auto ? 'AUTO_ACCEPTED' : 'ACCEPTED',
    actor?.sub ?? 'auto-accept',
    { version: order.deliveredVersion ?? 0 },
    now,
  );
  return { orderId, status: 'ACCEPTED' as const };
};

export const requestRevision = async (
  deps: DecisionDeps & Pick<Deps, 'phi'>,
  actor: Actor,
  orderId: string,
  body: unknown,
) => {
  const order = await loadOwnDelivered(deps, actor, orderId, 'order.revise');
  const { reason, comment } = parseRevisionRequest(body);
  if (order.status !== 'DELIVERED')
    throw new ConflictError(
      `Order ${orderId} is ${order.status}: only a delivered design can be revised.`,
      'WRONG_STATE',
    );
  const count = order.revisionCount ?? 0;
  if (count >= MAX_REVISIONS) {
    throw new ConflictError(
      `Order ${orderId} has had ${MAX_REVISIONS} revisions, the most one order may have. Contact support, or accept and create a remake.`,
      'REVISION_LIMIT',
    );
  }
  const token = order.decisionTaskToken;
  if (!token)
    throw new ConflictError('The delivery is still being recorded; try again in a moment.', 'NOT_WAITING');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.revise',
    outcome: 'ALLOWED',
    orderId,
  });
  const before = await withDecisionTimer(deps, order);
  // The fallible work first: the comment joins the encrypted notes before anything changes, and
  // goes into the same conditional write as the status.
  let phi: string | undefined;
  if (comment) {
    try {
      // The comment is clinical free text: kept encrypted, shown to the designer with the order.
      const current = JSON.parse(
        await deps.phi.decrypt(order.phi, phiContext(order.accountId, orderId)),
      ) as OrderPhi;
      const notes = [current.notes, `Revision ${count + 1} (${reason}): ${comment}`]
        .filter(Boolean)
        .join('\n');
      phi = await deps.phi.encrypt(
        JSON.stringify({ ...current, notes }),
        phiContext(order.accountId, orderId),
      );
    } catch (cause) {
      throw new ServiceUnavailableError({ cause });
    }
  }
  const now = deps.clock.now();
  const moved = await deps.orders.transition(
    orderId,
    ['DELIVERED'],
    {
      status: 'QUEUED',
      revisionCount: count + 1,
      updatedAt: now.toISOString(),
      ...(phi ? { phi } : {}),
      ...(order.lastDesigner
        ? {
            offerTo: order.lastDesigner,
            offerExpiresAt: addMinutes(now, REVISION_OFFER_MINUTES).toISOString(),
          }
        : {}),
    },
    { expect: { phi: order.phi }, remove: ['decisionTaskToken'], indexes: { pending: null } },
  );
  if (!moved) throw new ConflictError(`Order ${orderId} changed meanwhile; reload it.`, 'WRONG_STATE');
  await signal(deps, before, moved, token, { orderId, decision: 'revise' }, 'order.revise');
  await noteTimeline(
    deps,
    orderId,
    'REVISION_REQUESTED',
    actor.sub,
    { revision: count + 1, reason },
    now.toISOString(),
  );
  return { orderId, status: 'QUEUED' as const, revision: count + 1 };
};
