/**
 * A lab uploads the scans of a draft: it declares each file (checked against duplicates in the
 * order and in its other open orders), uploads it with one presigned PUT or, above
 * MULTIPART_THRESHOLD_BYTES, in parts signed just in time, and completes the upload.
 */
import { presignedExpiry } from '../../kernel/clock';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { uploadKeyOf } from '../account-keys';
import { type AuditDeps, recordAudit } from '../audit';
import { fileNameContext, type Order, type OrderFile, orderPrefix } from '../order';
import type { Deps } from '../ports';
import { parseDeclareUpload, parsePartNumbers, parseParts } from '../schemas/files';
import { loadOwnedOrder, requireDraft, timeline, URL_TTL_SECONDS } from './shared';

/** Per-order cap on input files. */
export const MAX_FILES_PER_ORDER = 20;
/** Above this a file is uploaded in parts, each part URL signed just in time. */
export const MULTIPART_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const PART_SIZE_BYTES = 16 * 1024 * 1024;

export { MAX_FILE_BYTES, MAX_PART_URLS_PER_REQUEST } from '../schemas/files';

export const declareUpload = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'phi' | 'files' | 'accountKeys'>,
  actor: Actor,
  orderId: string,
  body: unknown,
) => {
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

const loadFile = async (deps: Pick<Deps, 'orders'>, order: Order, fileId: string) => {
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
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
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
  // Read before the first signature: every part URL lives at least until the stated expiry.
  const expiresAt = presignedExpiry(deps.clock.now(), URL_TTL_SECONDS);
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
  return { fileId, partSize: file.upload.partSize, partCount, completed: parts, parts: urls, expiresAt };
};

export const completeUpload = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'files'>,
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
