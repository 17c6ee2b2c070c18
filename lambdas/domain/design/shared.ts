/**
 * What the design use cases share: the lease, the check that a designer holds an order, the
 * timeline entry a workflow task writes, the commit point of an action (the workflow signal) and
 * its undo, the designer's view of an order, and audited download links. Handlers import the use
 * cases beside this module (claim, assignments, hand-in, decisions, workflow-tasks, sweeps).
 */
import { presignedExpiry } from '../../kernel/clock';
import { NotFoundError, OrderStuckError, TaskTokenRefusedError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditAction, type AuditDeps, recordAudit } from '../audit';
import { type Order, type OrderFile, type OrderPhi, type OrderRelease, phiContext } from '../order';
import { URL_TTL_SECONDS } from '../orders/shared';
import type { Deps } from '../ports';
import { type StrandDeps, strandOrder, undoAndFail } from '../recovery';

/** A claim holds an order this long unless the designer sends a heartbeat. */
export const LEASE_MINUTES = 120;

/**
 * An order a designer released is not offered back to that designer for this long (other
 * designers get it as before, in its place in the queue): "claim next" right after a release
 * hands over the next order, not the one just let go. A lease that lapses is not a release: a
 * designer whose connection dropped gets its order back first, as before.
 */
export const RELEASE_COOLDOWN_MINUTES = 12 * 60;
/**
 * Releases an order remembers at most (the newest, within the cool-down): the record stays a few
 * hundred bytes however often it changes hands. A designer pushed out of it by this many others
 * releasing the same order within 12 hours may be offered it again sooner.
 */
export const MAX_RELEASES_KEPT = 8;

export const addMinutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);

/** Whether `sub` released this order within the cool-down before `now`. */
export const releasedBy = (order: Order, sub: string, now: Date) => {
  const since = addMinutes(now, -RELEASE_COOLDOWN_MINUTES).toISOString();
  return (order.releases ?? []).some((r) => r.sub === sub && r.at > since);
};

/** The order's release record with `sub` releasing it at `now`: expired entries and the oldest beyond the cap dropped. */
export const withRelease = (order: Order, sub: string, now: Date): OrderRelease[] => {
  const since = addMinutes(now, -RELEASE_COOLDOWN_MINUTES).toISOString();
  const kept = (order.releases ?? []).filter((r) => r.sub !== sub && r.at > since);
  return [...kept, { sub, at: now.toISOString() }].slice(-MAX_RELEASES_KEPT);
};
export const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);

export const notHeld = (orderId: string) =>
  new NotFoundError(`You do not hold order ${orderId}. See GET /assignments for the orders you hold.`);

/** Loads an order the designer holds right now; anything else is a 404 and a denied-access audit event. */
export const loadHeld = async (
  deps: AuditDeps & Pick<Deps, 'orders'>,
  actor: Actor,
  orderId: string,
  action: AuditAction,
  statuses: Order['status'][] = ['ASSIGNED'],
) => {
  const order = await deps.orders.get(orderId);
  if (!order || order.assignee !== actor.sub || !statuses.includes(order.status)) {
    await recordAudit(deps, actor, {
      accountId: order?.accountId ?? actor.accountId,
      action,
      outcome: 'DENIED',
      orderId,
      reason: !order ? 'NOT_FOUND' : order.assignee !== actor.sub ? 'NOT_ASSIGNEE' : 'WRONG_STATE',
    });
    throw notHeld(orderId);
  }
  return order;
};

export const timeline = (
  deps: Pick<Deps, 'orders' | 'clock'>,
  orderId: string,
  type: string,
  by: string,
  detail?: Record<string, string | number>,
) =>
  deps.orders.addTimeline({
    orderId,
    at: deps.clock.now().toISOString(),
    type,
    by,
    ...(detail ? { detail } : {}),
  });

/**
 * The commit point of a lab's or designer's action: the waiting workflow task is completed. A
 * token Step Functions refuses means nothing waits for the order: it goes STUCK (alert, slot given
 * back) and the caller hears so. Any other failure undoes the change (`before` again, indexes
 * included), so the order is exactly as it was and a retry works.
 */
export const signal = async (
  deps: StrandDeps & Pick<Deps, 'workflow'>,
  before: Order,
  after: Order,
  token: string,
  output: Readonly<Record<string, string | number | boolean>>,
  step: string,
) => {
  try {
    await deps.workflow.completeTask(token, output);
  } catch (error) {
    if (!(error instanceof TaskTokenRefusedError)) return undoAndFail(deps, before, after, step, error);
    try {
      await strandOrder(deps, after, error.reason);
    } catch {
      // The watchdog finds it (its execution is not waiting for it); operators hear now.
      await deps.notifier
        .operatorAlert('Order lost its workflow and could not be set aside', {
          orderId: after.orderId,
          accountId: after.accountId,
          step,
        })
        .catch(() => undefined);
    }
    throw new OrderStuckError(after.orderId, { cause: error });
  }
};

/** Runs work that follows a committed change; if it fails, the change is undone first. */
export const orUndo = async <T>(
  deps: Pick<Deps, 'orders' | 'notifier'>,
  before: Order,
  after: Order,
  step: string,
  work: () => Promise<T>,
) => {
  try {
    return await work();
  } catch (error) {
    return undoAndFail(deps, before, after, step, error);
  }
};

export const assignmentView = async (deps: Pick<Deps, 'phi'>, order: Order) => {
  const phi = JSON.parse(
    await deps.phi.decrypt(order.phi, phiContext(order.accountId, order.orderId)),
  ) as OrderPhi;
  // The prescription and the pseudonym: no case reference, no account, no file names.
  return {
    orderId: order.orderId,
    status: order.status,
    patientRef: phi.patientRef,
    turnaround: order.turnaround,
    dueAt: order.dueAt,
    leaseExpiresAt: order.leaseExpiresAt,
    revision: order.revisionCount ?? 0,
    version: (order.designVersion ?? 0) + (order.status === 'ASSIGNED' ? 1 : 0),
    items: order.items.map((item, i) => ({
      ...item,
      ...(phi.itemNotes?.[i] ? { notes: phi.itemNotes[i] } : {}),
    })),
    ...(phi.notes ? { notes: phi.notes } : {}),
    ...(order.qaProblems?.length ? { qaProblems: order.qaProblems } : {}),
  };
};

export const presignedGets = async (
  deps: AuditDeps & Pick<Deps, 'files'>,
  actor: Actor,
  order: Order,
  files: OrderFile[],
  action: AuditAction,
) => {
  // Read before the first signature: every URL below lives at least until the stated expiry.
  const expiresAt = presignedExpiry(deps.clock.now(), URL_TTL_SECONDS);
  const result = [];
  for (const file of files) {
    // One audit event per file handed out, written before its URL exists.
    await recordAudit(deps, actor, {
      accountId: order.accountId,
      action,
      outcome: 'ALLOWED',
      orderId: order.orderId,
      fileId: file.fileId,
    });
    result.push({
      fileId: file.fileId,
      format: file.format,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      ...(file.version ? { version: file.version } : {}),
      // The version ingest or QA checked: what was verified is what is handed out.
      url: await deps.files.presignGet({
        key: file.key,
        expiresInSeconds: URL_TTL_SECONDS,
        downloadName: `${file.fileId}.${file.format}`,
        ...(file.check?.versionId ? { versionId: file.check.versionId } : {}),
      }),
    });
  }
  return {
    orderId: order.orderId,
    expiresAt,
    files: result,
  };
};
