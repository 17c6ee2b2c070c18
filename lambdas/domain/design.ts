/**
 * The design half of the order workflow: the queue, claims and leases, the designer's hand-in,
 * QA, delivery, the lab's decision (accept, revise, or accepted automatically), and archive.
 *
 * Status flow:  QUEUED ─claim→ ASSIGNED ─submit→ QA ─pass→ DELIVERED ─accept→ ACCEPTED → ARCHIVED
 *                 ▲  release / lease expiry ┘      └fail→ ASSIGNED (same designer)   │
 *                 └────────────── revise (offered first to the last designer) ────────┘
 * The workflow waits for the design and for the lab's decision with task tokens kept on the order.
 */
import {
  ConflictError,
  NotFoundError,
  OrderNotFoundError,
  OrderStuckError,
  ServiceUnavailableError,
  TaskTokenRefusedError,
  UnexpectedOrderStateError,
} from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { type AuditAction, recordAudit } from './audit';
import type { Designer, DesignerRegistry } from './designers';
import { checkStoredFile } from './file-check';
import { fileNameContext, type Order, type OrderFile, type OrderPhi, orderPrefix, phiContext } from './order';
import { loadOwnedOrder, releaseGuards, URL_TTL_SECONDS } from './orders';
import type { Deps, QueueEntry } from './ports';
import { hasTimelineEntry, noteTimeline, queueSortKey, strandOrder, undoAndFail } from './recovery';
import { parseRevisionRequest } from './schemas/decisions';
import { parseDeclareOutput } from './schemas/files';

export { queueSortKey };

/** A claim holds an order this long unless the designer sends a heartbeat. */
export const LEASE_MINUTES = 120;
/** A revision waits this long for the designer who made the design before anyone may take it. */
export const REVISION_OFFER_MINUTES = 240;
/** Revisions a lab may ask for on one order. */
export const MAX_REVISIONS = 3;
/** Output files per design version, and their size cap. */
export const MAX_OUTPUT_FILES = 10;
export { MAX_OUTPUT_BYTES } from './schemas/files';

/**
 * Queue entries per page, and pages per lane, a claim reads at most: it reads an index (keys and
 * item types), never a table, and fetches only the orders it goes for.
 */
const CLAIM_PAGE = 50;
const CLAIM_MAX_PAGES = 4;

export { REVISION_REASONS, type RevisionReason } from './schemas/decisions';

export interface AccountPolicy {
  /** Days an archived order's files are kept before purge. */
  readonly retentionDays: number;
  /** Days a delivered order waits for accept or revise before it is accepted automatically. */
  readonly autoAcceptDays: number;
  /** Days a lab's deletion request waits (and can be withdrawn) before the purge. */
  readonly deletionGraceDays: number;
}

/** The policy the workflow applies to an account's orders (the registry's record, or the defaults). */
export interface AccountPolicies {
  policyFor(accountId: string): Promise<AccountPolicy>;
}

export type DesignDeps = Deps & { readonly designers: DesignerRegistry; readonly policies: AccountPolicies };

const addMinutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);
const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);

const notHeld = (orderId: string) =>
  new NotFoundError(`You do not hold order ${orderId}. See GET /assignments for the orders you hold.`);

/** Loads an order the designer holds right now; anything else is a 404 and a denied-access audit event. */
const loadHeld = async (
  deps: DesignDeps,
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

const timeline = (
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
const signal = async (
  deps: DesignDeps,
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
const orUndo = async <T>(
  deps: DesignDeps,
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

/** The order as it stands while DELIVERED, with its auto-accept date (older orders did not store it). */
const withDecisionTimer = async (deps: DesignDeps, order: Order): Promise<Order> => {
  if (order.autoAcceptAt || !order.deliveredAt) return order;
  const policy = await deps.policies.policyFor(order.accountId);
  return {
    ...order,
    autoAcceptAt: addDays(new Date(order.deliveredAt), policy.autoAcceptDays).toISOString(),
  };
};

// ---------------------------------------------------------------- workflow tasks

/**
 * Workflow task (waitForTaskToken): the order waits for a design; the token stays with it.
 *
 * Re-runnable: Step Functions (and the local stand-in after a restart) may run it again with a new
 * token, also after a first run that made its write and died before returning. A run that finds
 * the order where a first run left it (ASSIGNED after a failed QA, or a QUEUED order a designer
 * has claimed since) only swaps in its token, so the hand-in completes the task that now waits.
 */
export const awaitDesign = async (
  deps: DesignDeps,
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
  deps: DesignDeps,
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
export const qaDesign = async (deps: DesignDeps, input: { orderId: string; accountId: string }) => {
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
  deps: DesignDeps,
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
  deps: DesignDeps,
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
const rerunDelivery = async (deps: DesignDeps, order: Order, taskToken: string) => {
  const moved = await deps.orders.transition(order.orderId, ['DELIVERED'], { decisionTaskToken: taskToken });
  if (!moved) throw new UnexpectedOrderStateError(order.orderId, 'DELIVERED');
  const version = moved.deliveredVersion ?? 1;
  if (!(await hasTimelineEntry(deps, moved.orderId, 'DELIVERED', version)))
    await deliveryFollowUp(deps, moved.orderId, moved.accountId, moved.lastDesigner, version);
  return { status: 'DELIVERED' };
};

/** Workflow task: an accepted order is archived, with the date after which it must be purged. */
export const archiveOrder = async (deps: DesignDeps, input: { orderId: string; accountId: string }) => {
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

// ---------------------------------------------------------------- designers

const assignmentView = async (deps: DesignDeps, order: Order) => {
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

const canTake = (designer: Designer, itemTypes: readonly string[]) =>
  itemTypes.every((type) => (designer.skills as readonly string[]).includes(type));

/** Equally urgent: the same priority class, due within the same hour (queueSortKey's first two parts). */
const urgency = (sortKey: string) => {
  const [priority = '', dueAt = ''] = sortKey.split('#', 2);
  return `${priority}#${dueAt.slice(0, 13)}`;
};

/**
 * Which of `entries` (most urgent first) a claimer goes for. One that has not lost a race takes
 * the head, so a claimer alone always gets the most urgent order it may take. One that has lost
 * (another claimer took an order it went for) picks at random among the entries as urgent as the
 * head: claimers that collided spread out over the equally urgent orders instead of all moving
 * on to the next one together, which is what made 12 claimers fight over one order at a time.
 */
const pickEntry = (entries: readonly QueueEntry[], contended: boolean) => {
  const head = entries[0];
  if (!contended || !head) return 0;
  const level = urgency(head.sortKey);
  let same = 1;
  while (same < entries.length && urgency(entries[same]?.sortKey ?? '') === level) same++;
  return Math.floor(Math.random() * same);
};

/**
 * One attempt on one order: read it (the index lags the table and holds no more than keys and
 * item types), then one conditional write. Undefined when it is no longer there to take.
 */
const tryClaim = async (
  deps: DesignDeps,
  actor: Actor,
  designer: Designer,
  lane: string,
  orderId: string,
) => {
  const before = await deps.orders.get(orderId);
  // Taken since the page was read (or changed so this designer may not take it): no write at all.
  const types = before?.items.map((i) => i.type) ?? [];
  if (before?.status !== 'QUEUED' || !canTake(designer, types)) return undefined;
  const now = deps.clock.now();
  const lease = addMinutes(now, LEASE_MINUTES).toISOString();
  // The condition (still QUEUED, still in this lane) is what makes two designers never hold one
  // order; the unchanged updatedAt makes `before` exactly what an undo puts back.
  const claimed = await deps.orders.transition(
    orderId,
    ['QUEUED'],
    {
      status: 'ASSIGNED',
      assignee: actor.sub,
      claimedAt: now.toISOString(),
      leaseExpiresAt: lease,
      updatedAt: now.toISOString(),
    },
    {
      expect: { gsi3pk: lane, updatedAt: before.updatedAt },
      remove: ['offerTo', 'offerExpiresAt'],
      indexes: {
        queue: null,
        assignee: { sub: actor.sub, since: now.toISOString() },
        pending: { name: 'LEASE', at: lease },
      },
    },
  );
  if (!claimed) return undefined;
  // All or nothing: an audit or a decryption that fails undoes the claim (and the slot is
  // given back by the caller), so the order is back in its lane exactly as it was.
  const view = await orUndo(deps, before, claimed, 'queue.claim', async () => {
    await recordAudit(deps, actor, {
      accountId: claimed.accountId,
      action: 'queue.claim',
      outcome: 'ALLOWED',
      orderId: claimed.orderId,
    });
    return assignmentView(deps, claimed);
  });
  await noteTimeline(deps, claimed.orderId, 'ASSIGNED', actor.sub, {
    revision: claimed.revisionCount ?? 0,
  });
  return view;
};

/** Leases the most urgent order this designer may take, or undefined (204) when none fits or at capacity. */
export const claimNext = async (deps: DesignDeps, actor: Actor) => {
  const lanes = [`OFFER#${actor.sub}`, 'QUEUE'];
  // The registry and the first page of each lane at once: one round trip before the first
  // attempt, not four (a designer at capacity pays for two index pages it does not use).
  const [registered, slot, ...firstPages] = await Promise.allSettled([
    deps.designers.get(actor.sub),
    deps.designers.acquireSlot(actor.sub),
    ...lanes.map((lane) => deps.orders.queuePage(lane, CLAIM_PAGE)),
  ] as const);
  const held = slot.status === 'fulfilled' && slot.value;
  try {
    if (registered.status === 'rejected') throw registered.reason;
    if (!registered.value?.enabled) {
      throw new ConflictError(
        'You are not an active designer in the registry; ask an operator.',
        'DESIGNER_INACTIVE',
      );
    }
    if (slot.status === 'rejected') throw slot.reason;
    if (!held) return undefined;
    const designer = registered.value;
    let contended = false;
    for (const [i, lane] of lanes.entries()) {
      const first = firstPages[i];
      if (first?.status === 'rejected') throw first.reason;
      let result = first?.value;
      for (let page = 0; result && page < CLAIM_MAX_PAGES; page++) {
        const open = result.entries.filter((e) => canTake(designer, e.itemTypes));
        while (open.length) {
          const [entry] = open.splice(pickEntry(open, contended), 1);
          const view = entry && (await tryClaim(deps, actor, designer, lane, entry.orderId));
          if (view) return view;
          contended = true;
        }
        const more = result.cursor && page + 1 < CLAIM_MAX_PAGES;
        result = more ? await deps.orders.queuePage(lane, CLAIM_PAGE, result.cursor) : undefined;
      }
    }
  } catch (error) {
    if (held) await deps.designers.releaseSlot(actor.sub);
    throw error;
  }
  await deps.designers.releaseSlot(actor.sub);
  return undefined;
};

export const heartbeat = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.heartbeat');
  const lease = addMinutes(deps.clock.now(), LEASE_MINUTES).toISOString();
  const moved = await deps.orders.transition(
    orderId,
    ['ASSIGNED'],
    { leaseExpiresAt: lease },
    { expect: { assignee: actor.sub }, indexes: { pending: { name: 'LEASE', at: lease } } },
  );
  if (!moved) throw notHeld(order.orderId);
  return { orderId, leaseExpiresAt: lease };
};

export const listAssignments = async (deps: DesignDeps, actor: Actor) => {
  const ids = await deps.orders.assignedTo(actor.sub);
  const orders = (await Promise.all(ids.map((id) => deps.orders.get(id)))).filter(
    (o): o is Order => o !== undefined && o.assignee === actor.sub,
  );
  for (const o of orders)
    await recordAudit(deps, actor, {
      accountId: o.accountId,
      action: 'assignment.list',
      outcome: 'ALLOWED',
      orderId: o.orderId,
    });
  return { assignments: await Promise.all(orders.map((o) => assignmentView(deps, o))) };
};

export const getAssignment = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.view', ['ASSIGNED', 'QA']);
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.view',
    outcome: 'ALLOWED',
    orderId,
  });
  return assignmentView(deps, order);
};

const presignedGets = async (
  deps: DesignDeps,
  actor: Actor,
  order: Order,
  files: OrderFile[],
  action: AuditAction,
) => {
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
    expiresAt: addMinutes(deps.clock.now(), URL_TTL_SECONDS / 60).toISOString(),
    files: result,
  };
};

export const inputsOf = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.inputs');
  const inputs = (await deps.orders.files(orderId)).filter((f) => f.role === 'input' && f.check?.ok);
  return presignedGets(deps, actor, order, inputs, 'assignment.inputs');
};

export const declareOutput = async (deps: DesignDeps, actor: Actor, orderId: string, body: unknown) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.upload-url');
  const { name, sizeBytes, sha256, format: ext } = parseDeclareOutput(body);
  const version = (order.designVersion ?? 0) + 1;
  const existing = (await deps.orders.files(orderId)).filter(
    (f) => f.role === 'output' && f.version === version,
  );
  if (existing.length >= MAX_OUTPUT_FILES)
    throw new ConflictError(`A design version holds at most ${MAX_OUTPUT_FILES} files.`, 'TOO_MANY_FILES');
  const fileId = deps.ids.next('fil');
  const key = `${orderPrefix(orderId)}outputs/v${version}/${fileId}.${ext}`;
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.upload-url',
    outcome: 'ALLOWED',
    orderId,
    fileId,
  });
  await deps.orders.addFile({
    orderId,
    accountId: order.accountId,
    fileId,
    role: 'output',
    version,
    uploadedBy: actor.sub,
    format: ext,
    nameCipher: await deps.phi.encrypt(name, fileNameContext(order.accountId, orderId, fileId)),
    sizeBytes,
    sha256,
    key,
    declaredAt: deps.clock.now().toISOString(),
    upload: { mode: 'single' },
  });
  const put = await deps.files.presignPut({
    key,
    sizeBytes,
    sha256Base64: Buffer.from(sha256, 'hex').toString('base64'),
    expiresInSeconds: URL_TTL_SECONDS,
  });
  return { fileId, version, upload: { mode: 'single' as const, method: 'PUT' as const, ...put } };
};

export const submitDesign = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.submit');
  const version = (order.designVersion ?? 0) + 1;
  const outputs = (await deps.orders.files(orderId)).filter(
    (f) => f.role === 'output' && f.version === version,
  );
  if (!outputs.some((f) => f.format !== 'pdf')) {
    throw new ConflictError('Upload the design (STL, PLY or OBJ) before submitting.', 'NO_DESIGN');
  }
  const heads = await Promise.all(outputs.map((f) => deps.files.head(f.key)));
  const missing = outputs.filter((_f, i) => !heads[i]).map((f) => f.fileId);
  if (missing.length)
    throw new ConflictError(`Files ${missing.join(', ')} have not been uploaded yet.`, 'FILES_MISSING', {
      fileIds: missing,
    });
  if (!order.designTaskToken)
    throw new ConflictError(
      'The order is not ready for a hand-in yet; try again in a moment.',
      'NOT_WAITING',
    );
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.submit',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now().toISOString();
  const moved = await deps.orders.transition(
    orderId,
    ['ASSIGNED'],
    { status: 'QA', designVersion: version, lastDesigner: actor.sub, updatedAt: now },
    {
      expect: { assignee: actor.sub },
      remove: ['designTaskToken', 'qaProblems'],
      indexes: { pending: null },
    },
  );
  if (!moved) throw notHeld(orderId);
  await signal(deps, order, moved, order.designTaskToken, { orderId, version }, 'assignment.submit');
  await noteTimeline(deps, orderId, 'DESIGN_SUBMITTED', actor.sub, { version, files: outputs.length }, now);
  return { orderId, status: 'QA' as const, version };
};

/** Gives an order back to the queue (the designer's choice, or an expired lease). */
const requeue = async (deps: DesignDeps, order: Order, by: string, reason: string) => {
  const now = deps.clock.now().toISOString();
  const moved = await deps.orders.transition(
    order.orderId,
    ['ASSIGNED'],
    { status: 'QUEUED', updatedAt: now },
    {
      expect: { assignee: order.assignee ?? '' },
      remove: ['assignee', 'leaseExpiresAt', 'claimedAt'],
      indexes: {
        queue: { lane: 'QUEUE', sortKey: queueSortKey(order, (order.revisionCount ?? 0) > 0) },
        assignee: null,
        pending: null,
      },
    },
  );
  if (!moved) return false;
  const assignee = order.assignee;
  // The slot and the order go back together: a slot that cannot be given back undoes the requeue.
  if (assignee) await orUndo(deps, order, moved, reason, () => deps.designers.releaseSlot(assignee));
  await noteTimeline(deps, order.orderId, reason, by);
  return true;
};

export const releaseAssignment = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadHeld(deps, actor, orderId, 'assignment.release');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'assignment.release',
    outcome: 'ALLOWED',
    orderId,
  });
  if (!(await requeue(deps, order, actor.sub, 'RELEASED'))) throw notHeld(orderId);
  return { orderId, status: 'QUEUED' as const };
};

// ---------------------------------------------------------------- labs

/** A lab's own order; anything else is a 404 and an audited denial (the one check, in orders.ts). */
const loadOwnDelivered = async (deps: DesignDeps, actor: Actor, orderId: string, action: AuditAction) => {
  return loadOwnedOrder(deps, actor, orderId, action);
};

export const deliverablesOf = async (deps: DesignDeps, actor: Actor, orderId: string) => {
  const order = await loadOwnDelivered(deps, actor, orderId, 'order.deliverables');
  if (order.deletionRequest) {
    throw new ConflictError(
      `The files of order ${orderId} are scheduled for deletion; withdraw the request to see them again.`,
      'DELETION_REQUESTED',
    );
  }
  if (order.filesPurgedAt) {
    throw new ConflictError(
      `The files of order ${orderId} were deleted at your request; see GET /orders/${orderId}/certificate.`,
      'FILES_PURGED',
    );
  }
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
  deps: DesignDeps,
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

export const requestRevision = async (deps: DesignDeps, actor: Actor, orderId: string, body: unknown) => {
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

// ---------------------------------------------------------------- scheduled sweeps

/** Expired leases go back to the queue; expired revision offers open to every designer. */
export const sweepLeases = async (deps: DesignDeps) => {
  const now = deps.clock.now().toISOString();
  let expired = 0;
  for (const orderId of await deps.orders.pendingBefore('LEASE', now, 100)) {
    const order = await deps.orders.get(orderId);
    if (
      order?.status === 'ASSIGNED' &&
      (order.leaseExpiresAt ?? '') < now &&
      // A requeue that failed was undone; the next run tries again, the other orders go on now.
      (await requeue(deps, order, 'lease-sweep', 'LEASE_EXPIRED').catch(() => false))
    ) {
      expired++;
      if (order.assignee)
        await deps.notifier.notify('assignment.lease-expired', { orderId, designerId: order.assignee });
    }
  }
  let offers = 0;
  for (const orderId of await deps.orders.pendingBefore('OFFER', now, 100)) {
    const order = await deps.orders.get(orderId);
    if (order?.status !== 'QUEUED') continue;
    const moved = await deps.orders.transition(
      orderId,
      ['QUEUED'],
      {},
      {
        remove: ['offerTo', 'offerExpiresAt'],
        indexes: { queue: { lane: 'QUEUE', sortKey: queueSortKey(order, true) }, pending: null },
      },
    );
    if (moved) offers++;
  }
  return { expiredLeases: expired, openedOffers: offers };
};

/** Deliveries neither accepted nor revised in time are accepted automatically. */
export const sweepAutoAccept = async (deps: DesignDeps) => {
  let accepted = 0;
  for (const orderId of await deps.orders.pendingBefore('DECISION', deps.clock.now().toISOString(), 100)) {
    const result = await acceptDelivery(deps, undefined, orderId, true).catch(() => undefined);
    if (result?.status === 'ACCEPTED') accepted++;
  }
  return { autoAccepted: accepted };
};

/** The longest a turnaround runs in wall-clock time (rush or standard across a weekend), for the due query. */
const MAX_TURNAROUND_WALL_MS = 5 * 86_400_000;

/** Operators hear when an order has used 80% of its time without a design, and when it is overdue. */
export const sweepTurnaround = async (deps: DesignDeps) => {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + MAX_TURNAROUND_WALL_MS * 0.2).toISOString();
  let warned = 0;
  let overdue = 0;
  for (const orderId of await deps.orders.dueBefore(horizon, 200)) {
    const order = await deps.orders.get(orderId);
    if (!order?.dueAt || !order.submittedAt || !['QUEUED', 'ASSIGNED', 'QA'].includes(order.status)) continue;
    const start = Date.parse(order.submittedAt);
    const due = Date.parse(order.dueAt);
    const facts = {
      orderId,
      accountId: order.accountId,
      turnaround: order.turnaround,
      dueAt: order.dueAt,
      status: order.status,
    };
    if (now.getTime() >= due && !order.dueAlertOverdueAt) {
      await deps.orders.transition(orderId, [order.status], { dueAlertOverdueAt: now.toISOString() });
      await deps.notifier.operatorAlert('Order overdue', facts);
      overdue++;
    } else if (now.getTime() >= start + 0.8 * (due - start) && !order.dueAlert80At && now.getTime() < due) {
      await deps.orders.transition(orderId, [order.status], { dueAlert80At: now.toISOString() });
      await deps.notifier.operatorAlert('Order at 80% of its turnaround without a design', facts);
      warned++;
    }
  }
  return { warned, overdue };
};
