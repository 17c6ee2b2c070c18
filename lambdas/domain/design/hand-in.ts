/**
 * A designer hands a design in: declares each output file (a presigned PUT per file, the file
 * name kept encrypted), then submits the version, which completes the workflow's waiting task
 * and sends the order to QA (workflow-tasks.ts).
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { uploadKeyOf } from '../account-keys';
import { type AuditDeps, recordAudit } from '../audit';
import { fileNameContext, orderPrefix } from '../order';
import { URL_TTL_SECONDS } from '../orders/shared';
import type { Deps } from '../ports';
import { noteTimeline, type StrandDeps } from '../recovery';
import { parseDeclareOutput } from '../schemas/files';
import { loadHeld, notHeld, signal } from './shared';

/** Output files per design version, and their size cap. */
export const MAX_OUTPUT_FILES = 10;
export { MAX_OUTPUT_BYTES } from '../schemas/files';

export const declareOutput = async (
  deps: AuditDeps & Pick<Deps, 'orders' | 'phi' | 'files' | 'accountKeys'>,
  actor: Actor,
  orderId: string,
  body: unknown,
) => {
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
  // The lab's key, before anything is written: the design is encrypted under it (the URL names
  // the key's ARN, a bare id: the designer does not learn the account from it).
  const kmsKeyId = await uploadKeyOf(deps, order.accountId);
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
    kmsKeyId,
  });
  return { fileId, version, upload: { mode: 'single' as const, method: 'PUT' as const, ...put } };
};

export const submitDesign = async (
  deps: AuditDeps & StrandDeps & Pick<Deps, 'files' | 'workflow'>,
  actor: Actor,
  orderId: string,
) => {
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
