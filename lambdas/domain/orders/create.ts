/**
 * A lab creates a draft order: the PHI encrypted, the case reference reserved (guards.ts), the
 * draft written on its expiry timer. All or nothing, including against an account terminated
 * meanwhile.
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { requireOpenAccount } from '../account-policy';
import { type AuditDeps, recordAudit } from '../audit';
import { type Order, type OrderPhi, phiContext } from '../order';
import type { CreateOrderInput } from '../order-input';
import type { Deps } from '../ports';
import { draftExpiry } from '../retention';
import { caseRefGuardKey, releaseGuards, reserveCaseRef } from './guards';
import { summary, timeline } from './shared';

/** `notifier` alerts operators when a create that must not stand cannot be undone. */
type CreateDeps = AuditDeps & Pick<Deps, 'orders' | 'accounts' | 'phi' | 'hasher' | 'notifier'>;

/**
 * Undoes a create whose order was written but must not stand (its account was terminated
 * meanwhile, or that could not be confirmed): the order is cancelled with its PURGE timer due now,
 * so the next purge sweep removes it, and its case reference is given back. Nobody was told its
 * id and nothing was uploaded to it. Should this fail, the draft keeps its expiry timer (and a
 * termination still running purges it): it is purged late, never kept, and operators are told.
 */
const undoCreate = async (
  deps: Pick<Deps, 'orders' | 'clock' | 'notifier'>,
  order: Order,
  closedReason: 'ACCOUNT_TERMINATED' | 'CREATE_FAILED',
) => {
  const now = deps.clock.now().toISOString();
  try {
    const cancelled = await deps.orders.transition(
      order.orderId,
      ['DRAFT'],
      { status: 'CANCELLED', closedReason, purgeAfter: now, updatedAt: now },
      { indexes: { pending: { name: 'PURGE', at: now } } },
    );
    await releaseGuards(deps, order);
    // Not a DRAFT any more: the termination got to it first and is purging it.
    if (!cancelled) return;
    await timeline(deps, {
      orderId: order.orderId,
      type: 'CANCELLED',
      by: 'caseline',
      detail: { reason: closedReason },
    });
  } catch (error) {
    await deps.notifier
      .operatorAlert('A refused order create could not be undone; its draft expires on its timer', {
        orderId: order.orderId,
        accountId: order.accountId,
        errorName: error instanceof Error ? error.name : 'Error',
      })
      .catch(() => undefined);
  }
};

/**
 * All or nothing: the fallible work that writes nothing (keyed hash, encryption) runs first; then
 * the guard is reserved, and if the audit, the timeline or the order write fails it is released, so
 * a retry with the same case reference succeeds. Should the release fail too, the next create
 * finds the guard's order missing and takes it over once it is stale.
 *
 * The draft is written on its expiry timer (domain/retention.ts), so an abandoned one is cancelled
 * and purged rather than kept for ever. A termination recorded between the account check and the
 * write would otherwise leave a draft its purge never saw: the account is checked again after the
 * write, and the create undone (409 ACCOUNT_TERMINATED) if it is no longer active.
 */
export const createOrder = async (deps: CreateDeps, actor: Actor, input: CreateOrderInput) => {
  await requireOpenAccount(deps, actor.accountId);
  const orderId = deps.ids.next('ord');
  const createdAt = deps.clock.now();
  const now = createdAt.toISOString();

  const phi: OrderPhi = {
    caseRef: input.caseRef,
    patientRef: input.patientRef,
    ...(input.notes ? { notes: input.notes } : {}),
    ...(input.items.some((i) => i.notes) ? { itemNotes: input.items.map((i) => i.notes ?? null) } : {}),
  };
  const [caseRefMac, phiCipher] = await Promise.all([
    caseRefGuardKey(deps, actor.accountId, input.caseRef),
    deps.phi.encrypt(JSON.stringify(phi), phiContext(actor.accountId, orderId)),
  ]);
  const order: Order = {
    orderId,
    accountId: actor.accountId,
    createdBy: actor.sub,
    createdAt: now,
    updatedAt: now,
    status: 'DRAFT',
    caseRefMac,
    items: input.items.map(({ notes: _notes, ...item }) => item),
    turnaround: input.turnaround,
    remake: input.remake === true,
    phi: phiCipher,
  };

  if (!input.remake) await reserveCaseRef(deps, actor, input, caseRefMac, orderId);
  try {
    await recordAudit(deps, actor, {
      accountId: actor.accountId,
      action: 'order.create',
      outcome: 'ALLOWED',
      orderId,
    });
    // The timeline entry before the order: an order is never visible without it. An entry whose
    // order was never written is unreachable (read only through its order) and holds no PHI.
    await timeline(deps, { orderId, type: 'CREATED', by: actor.sub });
    await deps.orders.create(order, { pending: draftExpiry(createdAt) });
  } catch (error) {
    // No half-written orders: give the case reference back before reporting the failure. The
    // original error is the one to report; a release that fails too leaves a guard whose order
    // does not exist, which the next create of this case takes over once it is stale.
    if (!input.remake) {
      await deps.orders.releaseCaseRef(actor.accountId, caseRefMac, orderId).catch(() => undefined);
    }
    throw error;
  }
  try {
    await requireOpenAccount(deps, actor.accountId);
  } catch (error) {
    await undoCreate(deps, order, error instanceof ConflictError ? 'ACCOUNT_TERMINATED' : 'CREATE_FAILED');
    throw error;
  }
  return { ...summary(order, input.caseRef), patientRef: input.patientRef };
};
