/**
 * A lab reads its orders: one order with its PHI, files and timeline (designers shown by
 * pseudonym), a page of summaries, or download links for its own input scans. Every read is
 * audited before anything is decrypted or signed.
 */
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { type AuditDeps, recordAudit } from '../audit';
import { presignedGets } from '../design/shared';
import {
  fileNameContext,
  type Order,
  type OrderPhi,
  type OrderStatus,
  phiContext,
  type TimelineEntry,
} from '../order';
import type { Deps } from '../ports';
import { loadOwnedOrder, requireFilesKept, summary } from './shared';

/** The PHI of an order, decrypted; call only after the read was audited. */
const decryptPhi = async (deps: Pick<Deps, 'phi'>, order: Order): Promise<OrderPhi> =>
  JSON.parse(await deps.phi.decrypt(order.phi, phiContext(order.accountId, order.orderId))) as OrderPhi;

/** The case reference from the decrypted PHI; orders written before it was encrypted kept it in clear. */
const caseRefOf = (order: Order, phi: OrderPhi): string => phi.caseRef ?? order.caseRef ?? '';

export const getOrder = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'phi'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'order.view');
  if (order.deletionRequest?.scope === 'order' || order.status === 'PURGED') {
    // Hidden at once by a deletion request; a purged order keeps only its certificate.
    throw new NotFoundError(
      order.status === 'PURGED'
        ? `Order ${orderId} was deleted; its certificate is at GET /orders/${orderId}/certificate.`
        : `Order ${orderId} is scheduled for deletion; withdraw with DELETE /orders/${orderId}/deletion-request.`,
    );
  }
  // Audit first, then decrypt: a view that cannot be audited does not happen.
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.view',
    outcome: 'ALLOWED',
    orderId,
  });
  const [phi, files, events] = await Promise.all([
    decryptPhi(deps, order),
    deps.orders.files(orderId).then((all) => all.filter((f) => f.role === 'input')),
    deps.orders.timeline(orderId),
  ]);
  return {
    ...summary(order, caseRefOf(order, phi)),
    patientRef: phi.patientRef,
    ...(phi.notes ? { notes: phi.notes } : {}),
    remake: order.remake,
    ...(order.closedReason ? { closedReason: order.closedReason } : {}),
    ...(order.deliveredVersion
      ? { deliveredVersion: order.deliveredVersion, deliveredAt: order.deliveredAt }
      : {}),
    ...(order.revisionCount ? { revisionCount: order.revisionCount } : {}),
    ...(order.acceptedAt ? { acceptedAt: order.acceptedAt, autoAccepted: order.autoAccepted === true } : {}),
    ...(order.archivedAt ? { archivedAt: order.archivedAt } : {}),
    // When the order will be purged: archived, rejected, cancelled or stuck (domain/retention.ts).
    ...(order.purgeAfter ? { purgeAfter: order.purgeAfter } : {}),
    items: order.items.map((item, i) => ({
      ...item,
      ...(phi.itemNotes?.[i] ? { notes: phi.itemNotes[i] } : {}),
    })),
    // Files asked to be deleted are hidden at once, names first; purged ones are gone.
    ...(order.deletionRequest?.scope === 'files'
      ? {
          filesDeletion: {
            requestedAt: order.deletionRequest.requestedAt,
            purgeAt: order.deletionRequest.purgeAt,
          },
        }
      : {}),
    ...(order.filesPurgedAt ? { filesPurgedAt: order.filesPurgedAt } : {}),
    files: await Promise.all(
      (order.deletionRequest?.scope === 'files' || order.filesPurgedAt ? [] : files).map(async (f) => ({
        fileId: f.fileId,
        name: await deps.phi.decrypt(f.nameCipher, fileNameContext(f.accountId, f.orderId, f.fileId)),
        format: f.format,
        sizeBytes: f.sizeBytes,
        sha256: f.sha256,
        uploaded: Boolean(f.uploadedAt),
        ...(f.check ? { check: f.check } : {}),
      })),
    ),
    timeline: labTimeline(events),
  };
};

/**
 * The lab's own input scans, to look at or download: one presigned GET (15 minutes, one object)
 * per scan, each audited before it is signed (design/shared.ts presignedGets, as a designer's
 * inputs and the lab's deliverables). A scan ingest checked is handed out at the version it
 * checked; one uploaded to a draft and not checked yet, as it stands; one the check refused, not
 * at all (it is no mesh to look at; the order's view says why).
 */
export const labInputsOf = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
  actor: Actor,
  orderId: string,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'order.inputs');
  requireFilesKept(order);
  if (order.status === 'CANCELLED') {
    // Cancelling a draft removed its uploads (orders/cancel.ts).
    throw new ConflictError(`Order ${orderId} was cancelled: its uploads were removed.`, 'FILES_REMOVED', {
      status: order.status,
    });
  }
  const inputs = (await deps.orders.files(orderId)).filter(
    (f) => f.role === 'input' && (f.check ? f.check.ok : Boolean(f.uploadedAt)),
  );
  return presignedGets(deps, actor, order, inputs, 'order.inputs');
};

/** Entries a lab's own users make: `by` is one of the lab's colleagues and is shown as it is. */
const LAB_ACTIONS: ReadonlySet<string> = new Set([
  'CREATED',
  'FILE_DECLARED',
  'FILE_UPLOADED',
  'SUBMITTED',
  'CANCELLED',
  'DELETION_REQUESTED',
  'DELETION_WITHDRAWN',
  'ACCEPTED',
  'AUTO_ACCEPTED',
  'REVISION_REQUESTED',
]);
/** Entries a designer makes: the lab sees a pseudonym, never the designer's id. */
const DESIGNER_ACTIONS: ReadonlySet<string> = new Set(['ASSIGNED', 'DESIGN_SUBMITTED', 'RELEASED']);
/** Processes named in `by` (no person behind them). */
const PROCESSES: ReadonlySet<string> = new Set([
  'ingest',
  'qa',
  'workflow',
  'lease-sweep',
  'auto-accept',
  'caseline purge-sweep',
]);

/**
 * The timeline as a lab sees it. Designers must stay unknown to labs: their entries say
 * `designer-1`, `designer-2`… numbered by first appearance in this order (the same designer keeps
 * its number within the order, not across orders). Anyone else on our side (an operator, a process
 * not listed) is shown as `caseline`: an unknown `by` is never shown.
 */
export const labTimeline = (events: readonly TimelineEntry[]) => {
  const designers = new Map<string, string>();
  return events.map(({ orderId: _o, by, ...e }) => {
    let shown: string;
    if (DESIGNER_ACTIONS.has(e.type)) {
      shown = designers.get(by) ?? `designer-${designers.size + 1}`;
      designers.set(by, shown);
    } else if (LAB_ACTIONS.has(e.type) || PROCESSES.has(by)) {
      shown = by;
    } else {
      shown = 'caseline';
    }
    return { ...e, by: shown };
  });
};

export const listOrders = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'phi'>,
  actor: Actor,
  query: { limit?: string; cursor?: string; status?: string },
) => {
  const issues = [];
  const limit = query.limit === undefined ? 25 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    issues.push({ field: 'limit', message: 'Use a whole number from 1 to 100.' });
  }
  const statuses: OrderStatus[] = [
    'DRAFT',
    'SUBMITTED',
    'QUEUED',
    'ASSIGNED',
    'QA',
    'DELIVERED',
    'ACCEPTED',
    'ARCHIVED',
    'REJECTED',
    'CANCELLED',
    'STUCK',
  ];
  if (query.status !== undefined && !statuses.includes(query.status as OrderStatus)) {
    issues.push({ field: 'status', message: `Use one of ${statuses.join(', ')}.` });
  }
  if (issues.length) throw new ValidationError(issues);
  await recordAudit(deps, actor, { accountId: actor.accountId, action: 'order.list', outcome: 'ALLOWED' });
  const page = await deps.orders.listByAccount(actor.accountId, {
    limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(query.status ? { status: query.status as OrderStatus } : {}),
  });
  const visible = page.orders.filter((o) => o.deletionRequest?.scope !== 'order' && o.status !== 'PURGED');
  // Audited above, before any case reference is decrypted.
  const orders = await Promise.all(
    visible.map(async (o) => summary(o, caseRefOf(o, await decryptPhi(deps, o)))),
  );
  return { orders, ...(page.cursor ? { nextCursor: page.cursor } : {}) };
};
