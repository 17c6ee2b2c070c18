/**
 * Order intake: a lab creates a draft, declares and uploads its scans, submits it, reads it,
 * lists its orders, or cancels a draft. Pure domain: everything external comes in through Deps.
 */
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { uploadKeyOf } from './account-keys';
import { requireOpenAccount } from './account-policy';
import { type AuditAction, recordAudit } from './audit';
import {
  fileNameContext,
  OPEN_STATUSES,
  type Order,
  type OrderFile,
  type OrderPhi,
  type OrderStatus,
  orderPrefix,
  phiContext,
  type TimelineEntry,
} from './order';
import type { CreateOrderInput } from './order-input';
import type { Deps } from './ports';
import { closedOrderPurge, draftExpiry } from './retention';
import { parseDeclareUpload, parsePartNumbers, parseParts } from './schemas/files';
import { computeDueAt } from './turnaround';

/** Per-order cap on input files. */
export const MAX_FILES_PER_ORDER = 20;
/** Above this a file is uploaded in parts, each part URL signed just in time. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const PART_SIZE_BYTES = 16 * 1024 * 1024;
/** Presigned URLs live at most this long (seed 000: 15-minute sessions). */
export const URL_TTL_SECONDS = 15 * 60;

export { MAX_FILE_BYTES, MAX_PART_URLS_PER_REQUEST } from './schemas/files';

const notFound = (orderId: string) =>
  new NotFoundError(
    `No order ${orderId} in your account. Check the id, or list your orders with GET /orders.`,
  );

const timeline = (deps: Pick<Deps, 'orders' | 'clock'>, entry: Omit<TimelineEntry, 'at'>) =>
  deps.orders.addTimeline({ ...entry, at: deps.clock.now().toISOString() });

/**
 * Loads an order the actor's account owns. Another account's order answers exactly like a
 * missing one (404), and the attempt is audited against the owner's account.
 */
export const loadOwnedOrder = async (
  deps: Deps,
  actor: Actor,
  orderId: string,
  action: AuditAction,
): Promise<Order> => {
  const order = await deps.orders.get(orderId);
  if (!order || order.accountId !== actor.accountId) {
    await recordAudit(deps, actor, {
      accountId: order?.accountId ?? actor.accountId,
      action,
      outcome: 'DENIED',
      orderId,
      reason: order ? 'NOT_OWNER' : 'NOT_FOUND',
    });
    throw notFound(orderId);
  }
  return order;
};

export interface OrderSummary {
  readonly orderId: string;
  readonly caseRef: string;
  readonly status: OrderStatus;
  readonly turnaround: 'standard' | 'rush';
  readonly createdAt: string;
  readonly submittedAt?: string;
  readonly dueAt?: string;
  readonly itemCount: number;
}

/** The case reference is PHI: callers pass it from the decrypted PHI (or a legacy clear field). */
const summary = (o: Order, caseRef: string): OrderSummary => ({
  orderId: o.orderId,
  caseRef,
  status: o.status,
  turnaround: o.turnaround,
  createdAt: o.createdAt,
  ...(o.submittedAt ? { submittedAt: o.submittedAt } : {}),
  ...(o.dueAt ? { dueAt: o.dueAt } : {}),
  itemCount: o.items.length,
});

/**
 * A create whose order was never written leaves no guard behind (it is released), but if even the
 * release fails the guard names an order that does not exist. Such a guard older than this (well
 * past the create function's timeout, so no create can still be writing it) is taken over.
 */
export const STALE_CASE_REF_GUARD_MS = 5 * 60 * 1000;

/**
 * The duplicate-case guard's key: a keyed hash (KMS HMAC) of the account and case reference, so the
 * guard finds an open order by case number without the number being stored in clear.
 */
export const caseRefGuardKey = (deps: Pick<Deps, 'hasher'>, accountId: string, caseRef: string) =>
  deps.hasher.mac(JSON.stringify(['case-ref-guard', accountId, caseRef]));

/** The guard key an order holds: its keyed hash, or the clear reference on legacy orders. */
export const guardKeyOf = (order: Order): string | undefined => order.caseRefMac ?? order.caseRef;

/**
 * Reserves the case reference for `orderId`, or answers 409 naming the open order that holds it.
 * A guard left by a create that never wrote its order, or by a close that did not release it, is
 * taken over (conditionally: of two takers one wins).
 */
const reserveCaseRef = async (
  deps: Deps,
  actor: Actor,
  input: CreateOrderInput,
  guardKey: string,
  orderId: string,
) => {
  const now = deps.clock.now();
  let replacing: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const reservation = await deps.orders.reserveCaseRef(
      actor.accountId,
      guardKey,
      orderId,
      now.toISOString(),
      replacing,
    );
    if (reservation.reserved) return;
    const holder = await deps.orders.get(reservation.orderId);
    if (holder && holder.accountId === actor.accountId && OPEN_STATUSES.includes(holder.status)) {
      throw new ConflictError(
        `Case ${input.caseRef} is already open as order ${holder.orderId}. If this is a remake, send "remake": true.`,
        'DUPLICATE_CASE_REF',
        { existingOrderId: holder.orderId },
      );
    }
    const reservedAt = reservation.reservedAt ? Date.parse(reservation.reservedAt) : 0;
    if (!holder && now.getTime() - reservedAt < STALE_CASE_REF_GUARD_MS) {
      // Another create for this case is between its guard and its order: it may still succeed.
      throw new ConflictError(
        `Case ${input.caseRef} is being created by another request. Look for it with GET /orders in a minute before trying again.`,
        'CASE_REF_PENDING',
      );
    }
    replacing = reservation.orderId;
  }
  throw new ConflictError(
    `Case ${input.caseRef} is being created by another request. Try again in a minute.`,
    'CASE_REF_PENDING',
  );
};

/**
 * Undoes a create whose order was written but must not stand (its account was terminated
 * meanwhile, or that could not be confirmed): the order is cancelled with its PURGE timer due now,
 * so the next purge sweep removes it, and its case reference is given back. Nobody was told its
 * id and nothing was uploaded to it. Should this fail, the draft keeps its expiry timer (and a
 * termination still running purges it): it is purged late, never kept, and operators are told.
 */
const undoCreate = async (deps: Deps, order: Order, closedReason: 'ACCOUNT_TERMINATED' | 'CREATE_FAILED') => {
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
export const createOrder = async (deps: Deps, actor: Actor, input: CreateOrderInput) => {
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

/** The PHI of an order, decrypted; call only after the read was audited. */
const decryptPhi = async (deps: Pick<Deps, 'phi'>, order: Order): Promise<OrderPhi> =>
  JSON.parse(await deps.phi.decrypt(order.phi, phiContext(order.accountId, order.orderId))) as OrderPhi;

/** The case reference from the decrypted PHI; orders written before it was encrypted kept it in clear. */
const caseRefOf = (order: Order, phi: OrderPhi): string => phi.caseRef ?? order.caseRef ?? '';

export const getOrder = async (deps: Deps, actor: Actor, orderId: string) => {
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
  deps: Deps,
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

const requireDraft = (order: Order, what: string) => {
  if (order.status !== 'DRAFT') {
    throw new ConflictError(
      `Order ${order.orderId} is ${order.status}: ${what} only while it is a DRAFT.`,
      'WRONG_STATE',
      {
        status: order.status,
      },
    );
  }
};

export const declareUpload = async (deps: Deps, actor: Actor, orderId: string, body: unknown) => {
  const input = parseDeclareUpload(body);
  const order = await loadOwnedOrder(deps, actor, orderId, 'file.upload-url');
  requireDraft(order, 'files can be added');

  const existing = (await deps.orders.files(orderId)).filter((f) => f.role === 'input');
  if (existing.length >= MAX_FILES_PER_ORDER) {
    throw new ConflictError(`An order holds at most ${MAX_FILES_PER_ORDER} files.`, 'TOO_MANY_FILES');
  }
  const sameInOrder = existing.find((f) => f.sha256 === input.sha256);
  if (sameInOrder) {
    throw new ConflictError('This file is already part of the order.', 'DUPLICATE_FILE', {
      existingOrderId: orderId,
      existingFileId: sameInOrder.fileId,
    });
  }
  // A remake order confirms a repeated case reference, not a repeated scan: a file already sent
  // in another open order is confirmed per file, with "remake": true on its declaration.
  if (!input.remake) {
    const seen = await deps.orders.findOpenFileBySha(actor.accountId, input.sha256);
    if (seen && seen.orderId !== orderId) {
      throw new ConflictError(
        `This exact file was already sent in open order ${seen.orderId}. If this is a remake, send "remake": true.`,
        'DUPLICATE_FILE',
        { existingOrderId: seen.orderId },
      );
    }
  }

  const fileId = deps.ids.next('fil');
  const key = `${orderPrefix(orderId)}inputs/${fileId}.${input.format}`;
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'file.upload-url',
    outcome: 'ALLOWED',
    orderId,
    fileId,
  });
  const nameCipher = await deps.phi.encrypt(input.name, fileNameContext(order.accountId, orderId, fileId));
  const multipart = input.sizeBytes > MULTIPART_THRESHOLD_BYTES;
  // The account's key before anything is written: an upload is encrypted under it or not made.
  const kmsKeyId = await uploadKeyOf(deps, order.accountId);
  const uploadId = multipart ? await deps.files.startMultipart(key, kmsKeyId) : undefined;
  const file: OrderFile = {
    orderId,
    accountId: order.accountId,
    fileId,
    role: 'input',
    format: input.format,
    nameCipher,
    sizeBytes: input.sizeBytes,
    sha256: input.sha256,
    key,
    declaredAt: deps.clock.now().toISOString(),
    upload: uploadId ? { mode: 'multipart', uploadId, partSize: PART_SIZE_BYTES } : { mode: 'single' },
  };
  await deps.orders.addFile(file);
  await timeline(deps, {
    orderId,
    type: 'FILE_DECLARED',
    by: actor.sub,
    detail: { fileId, sizeBytes: input.sizeBytes },
  });

  if (!uploadId) {
    const put = await deps.files.presignPut({
      key,
      sizeBytes: input.sizeBytes,
      sha256Base64: Buffer.from(input.sha256, 'hex').toString('base64'),
      expiresInSeconds: URL_TTL_SECONDS,
      kmsKeyId,
    });
    return { fileId, upload: { mode: 'single' as const, method: 'PUT' as const, ...put } };
  }
  const partCount = Math.ceil(input.sizeBytes / PART_SIZE_BYTES);
  return {
    fileId,
    upload: {
      mode: 'multipart' as const,
      partSize: PART_SIZE_BYTES,
      partCount,
      next: `POST /orders/${orderId}/uploads/${fileId}/parts`,
      complete: `POST /orders/${orderId}/uploads/${fileId}/complete`,
    },
  };
};

const loadFile = async (deps: Deps, order: Order, fileId: string) => {
  const file = (await deps.orders.files(order.orderId)).find((f) => f.fileId === fileId);
  if (!file) throw new NotFoundError(`No file ${fileId} in order ${order.orderId}.`);
  return file;
};

const mergeParts = (
  a: readonly { partNumber: number; etag: string }[],
  b: readonly { partNumber: number; etag: string }[],
) =>
  [...new Map([...a, ...b].map((p) => [p.partNumber, p])).values()].sort(
    (x, y) => x.partNumber - y.partNumber,
  );

/**
 * The next batch of part URLs for a multipart upload, signed now so none expires while earlier
 * parts are still uploading. `completed` parts are recorded so an interrupted upload resumes.
 */
export const presignParts = async (
  deps: Deps,
  actor: Actor,
  orderId: string,
  fileId: string,
  body: unknown,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'file.upload-url');
  requireDraft(order, 'files can be uploaded');
  const file = await loadFile(deps, order, fileId);
  if (file.upload.mode !== 'multipart') {
    throw new ConflictError(
      'This file is uploaded with a single PUT; declare it again to get a fresh URL.',
      'NOT_MULTIPART',
    );
  }
  const partCount = Math.ceil(file.sizeBytes / file.upload.partSize);
  // The whole body is checked before anything is recorded.
  const completed = parseParts(body, 'completed', partCount);
  const asked = parsePartNumbers(body, partCount);
  const parts = mergeParts(file.parts ?? [], completed);
  if (completed.length) await deps.orders.updateFile(orderId, fileId, { parts });
  const done = new Set(parts.map((p) => p.partNumber));
  let wanted = asked;
  if (!wanted) {
    wanted = [];
    for (let n = 1; n <= partCount && wanted.length < 10; n++) if (!done.has(n)) wanted.push(n);
  }
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'file.upload-url',
    outcome: 'ALLOWED',
    orderId,
    fileId,
  });
  const uploadId = file.upload.uploadId;
  const urls = await Promise.all(
    wanted.map(async (partNumber) => ({
      partNumber,
      url: await deps.files.presignPart({
        key: file.key,
        uploadId,
        partNumber,
        expiresInSeconds: URL_TTL_SECONDS,
      }),
    })),
  );
  const expiresAt = new Date(deps.clock.now().getTime() + URL_TTL_SECONDS * 1000).toISOString();
  return { fileId, partSize: file.upload.partSize, partCount, completed: parts, parts: urls, expiresAt };
};

export const completeUpload = async (
  deps: Deps,
  actor: Actor,
  orderId: string,
  fileId: string,
  body: unknown,
) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'file.complete');
  requireDraft(order, 'uploads can be completed');
  const file = await loadFile(deps, order, fileId);
  if (file.upload.mode === 'multipart') {
    const partCount = Math.ceil(file.sizeBytes / file.upload.partSize);
    const parts = mergeParts(file.parts ?? [], parseParts(body, 'parts', partCount));
    if (parts.length !== partCount) {
      const have = new Set(parts.map((p) => p.partNumber));
      const missing = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !have.has(n));
      throw new ConflictError(
        `Parts ${missing.slice(0, 20).join(', ')} are not uploaded yet.`,
        'PARTS_MISSING',
        {
          missingParts: missing,
        },
      );
    }
    await deps.files.completeMultipart({ key: file.key, uploadId: file.upload.uploadId, parts });
    await deps.orders.updateFile(orderId, fileId, { parts });
  }
  const head = await deps.files.head(file.key);
  if (!head)
    throw new ConflictError('The file has not arrived yet: upload it, then complete.', 'FILE_MISSING', {
      fileId,
    });
  if (head.sizeBytes !== file.sizeBytes) {
    throw new ConflictError(
      `The uploaded file has ${head.sizeBytes} bytes but ${file.sizeBytes} were declared. Upload the file again.`,
      'SIZE_MISMATCH',
      { fileId },
    );
  }
  const uploadedAt = deps.clock.now().toISOString();
  await deps.orders.updateFile(orderId, fileId, { uploadedAt });
  await timeline(deps, { orderId, type: 'FILE_UPLOADED', by: actor.sub, detail: { fileId } });
  return { fileId, uploaded: true, sizeBytes: head.sizeBytes };
};

export const submitOrder = async (deps: Deps, actor: Actor, orderId: string) => {
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

/** Closing an order gives its case reference and file checksums back for new orders. */
const releaseGuards = async (deps: Pick<Deps, 'orders'>, order: Order) => {
  const guardKey = guardKeyOf(order);
  if (!order.remake && guardKey) await deps.orders.releaseCaseRef(order.accountId, guardKey, order.orderId);
  await deps.orders.forgetFileShas(order.orderId);
};

export const cancelOrder = async (deps: Deps, actor: Actor, orderId: string) => {
  const order = await loadOwnedOrder(deps, actor, orderId, 'order.cancel');
  if (order.status === 'CANCELLED') return { orderId, status: 'CANCELLED' as const, removedObjects: 0 };
  requireDraft(order, 'an order can be cancelled');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.cancel',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now().toISOString();
  // The uploads go now; the record (patient reference, notes) at the end of the closing window.
  const purge = closedOrderPurge('CANCELLED', deps.clock.now());
  const cancelled = await deps.orders.transition(
    orderId,
    ['DRAFT'],
    { status: 'CANCELLED', updatedAt: now, closedReason: 'CANCELLED_BY_LAB', purgeAfter: purge.purgeAfter },
    { indexes: { pending: purge.pending } },
  );
  if (!cancelled) requireDraft((await deps.orders.get(orderId)) ?? order, 'an order can be cancelled');
  const removedObjects = await removeUploads(deps, orderId, await deps.orders.files(orderId));
  await releaseGuards(deps, order);
  await timeline(deps, { orderId, type: 'CANCELLED', by: actor.sub, detail: { removedObjects } });
  return { orderId, status: 'CANCELLED' as const, removedObjects };
};

/** A cancelled draft's uploads go at once (unfinished multipart uploads too); returns the count. */
const removeUploads = async (deps: Pick<Deps, 'files'>, orderId: string, files: readonly OrderFile[]) => {
  await Promise.all(
    files.map((f) =>
      f.upload.mode === 'multipart' && !f.uploadedAt
        ? deps.files.abortMultipart(f.key, f.upload.uploadId)
        : undefined,
    ),
  );
  return deps.files.deletePrefix(orderPrefix(orderId));
};

/**
 * The purge sweep found a draft's expiry timer due. A draft touched since (a file declared or
 * uploaded) has its timer moved on to DRAFT_IDLE_DAYS after that; one idle that long is cancelled
 * as a lab's cancel would (uploads removed now, guards given back, the record on the CANCELLED
 * window). A draft submitted or cancelled meanwhile is left to its new state ('changed').
 */
export const expireDraft = async (
  deps: Deps,
  order: Order,
  by: string,
): Promise<'extended' | 'cancelled' | 'changed'> => {
  const { orderId } = order;
  const files = await deps.orders.files(orderId);
  const touched = [order.updatedAt, ...files.flatMap((f) => [f.declaredAt, f.uploadedAt ?? ''])];
  const lastTouched = touched.reduce((a, b) => (b > a ? b : a));
  const now = deps.clock.now();
  const next = draftExpiry(new Date(lastTouched));
  if (next.at > now.toISOString()) {
    const moved = await deps.orders.transition(orderId, ['DRAFT'], {}, { indexes: { pending: next } });
    return moved ? 'extended' : 'changed';
  }
  const purge = closedOrderPurge('CANCELLED', now);
  const cancelled = await deps.orders.transition(
    orderId,
    ['DRAFT'],
    {
      status: 'CANCELLED',
      updatedAt: now.toISOString(),
      closedReason: 'DRAFT_EXPIRED',
      purgeAfter: purge.purgeAfter,
    },
    { indexes: { pending: purge.pending } },
  );
  if (!cancelled) return 'changed';
  const removedObjects = await removeUploads(deps, orderId, files);
  await releaseGuards(deps, order);
  await timeline(deps, {
    orderId,
    type: 'CANCELLED',
    by,
    detail: { removedObjects, reason: 'DRAFT_EXPIRED' },
  });
  return 'cancelled';
};

export { OPEN_STATUSES, releaseGuards };
