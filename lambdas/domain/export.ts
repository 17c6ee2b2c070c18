/**
 * Data portability (GDPR Art 20; seed 001): a lab's administrator asks for everything its account
 * holds, and a job writes it as one zip in open formats (JSON and the mesh files as uploaded) with
 * a manifest of every file's path, size and SHA-256, signed with the certificate key so anyone can
 * check it offline with our public key (the same recipe as a deletion certificate).
 *
 * The archive streams: each case file is read from S3 while it is written into the zip, and the
 * zip goes out through a multipart upload; the job holds one order's JSON and one upload part at a
 * time, whatever the account holds (the manifest and the zip's directory grow with the number of
 * files, not their size). Every PHI read (an order's record, each file) is audited first, as the
 * administrator who asked, and fails closed. Purged orders and orders the lab asked to delete are
 * not exported: the manifest names them by id, with the reason.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { EXPORTS } from '../../common/definitions';
import type { Role } from '../../common/roles';
import type { Clock } from '../kernel/clock';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { uploadKeyOf } from './account-keys';
import { recordAudit } from './audit';
import {
  type CertificateSigner,
  canonicalJson,
  publicKeySha256,
  readPublicKey,
  SIGNING_ALGORITHM,
} from './certificate';
import { fileNameContext, type Order, type OrderFile, type OrderPhi, phiContext } from './order';
import { labTimeline } from './orders/read';
import type { AccountKeys, AuditLog, FileStore, IdGenerator, OrderRepository, PhiCipher } from './ports';

/** A download URL lives as briefly as every other presigned GET: 15 minutes, one object. */
export const EXPORT_URL_TTL_SECONDS = 15 * 60;
/** An export request older than this whose record was never written gives its place up. */
export const STALE_EXPORT_GUARD_MS = 5 * 60 * 1000;
/**
 * A RUNNING export older than this is given up (FAILED, ABANDONED) when the next one is asked for:
 * a run takes at most 15 minutes, with the workflow's retries well under an hour.
 */
export const ABANDONED_EXPORT_MS = 2 * 60 * 60 * 1000;
const ORDERS_PAGE = 100;

/**
 * Export ids start with their kind (`exp_…`, `aex_…`) then the time they were made: the records of
 * one kind, read by sort key in reverse, are newest first without an index.
 */
export const EXPORT_ID_PREFIXES = { portability: 'exp', audit: 'aex' } as const;
/** A list page: 25 unless asked, at most 100. */
export const EXPORT_LIST_DEFAULT = 25;
export const EXPORT_LIST_MAX = 100;
const CURSOR_ID = /^[A-Za-z0-9]{1,64}$/;

export type ExportStatus = 'RUNNING' | 'READY' | 'FAILED';

export interface ExportRecord {
  readonly exportId: string;
  /** An audit export (domain/audit-exports.ts) and its range; absent: a portability export. */
  readonly kind?: 'audit';
  readonly from?: string;
  readonly to?: string;
  readonly accountId: string;
  readonly status: ExportStatus;
  readonly requestedAt: string;
  /** The administrator who asked: every read the job makes is audited as them. */
  readonly requestedBy: string;
  readonly requestedByRole: Role;
  readonly sourceIp: string;
  readonly completedAt?: string;
  readonly objectKey?: string;
  readonly versionId?: string;
  readonly sizeBytes?: number;
  readonly orderCount?: number;
  readonly fileCount?: number;
  /** Hex SHA-256 of the manifest.json in the archive, as written. */
  readonly manifestSha256?: string;
  /** When the lifecycle rule removes the archive (completedAt + EXPORTS.expireDays). */
  readonly expiresAt?: string;
  /** Why it failed: an error name, never a message. */
  readonly failure?: string;
}

/** Export records and the one-open-export-per-account guard (orders table, ACCOUNT# items). */
export interface ExportStore {
  /**
   * Records a new export as the account's open one, unless another is open: then returns that
   * one (a double click). `staleBefore`: an open slot whose record was never written, taken
   * before this instant, is taken over.
   */
  create(
    record: ExportRecord,
    staleBefore: string,
  ): Promise<{ created: true } | { created: false; existing: ExportRecord }>;
  get(accountId: string, exportId: string): Promise<ExportRecord | undefined>;
  /**
   * The account's exports whose id starts with `idPrefix` (one kind: EXPORT_ID_PREFIXES), newest
   * first (ids are time-ordered), at most `limit`, after the id `after` (the last of the previous
   * page). `more`: there may be another page.
   */
  list(
    accountId: string,
    idPrefix: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<{ records: ExportRecord[]; more: boolean }>;
  /** Records the outcome and gives the account's open slot back; a finished export stays finished. */
  finish(
    accountId: string,
    exportId: string,
    outcome: Pick<ExportRecord, 'status' | 'completedAt'> & Partial<ExportRecord>,
  ): Promise<void>;
}

/** One file of the archive: its path, its length when known, its bytes (pulled only when written). */
export interface ArchiveEntry {
  readonly path: string;
  /** Checked by the zip when given; a file written as it is read (audit events) has none. */
  readonly sizeBytes?: number;
  readonly body: AsyncIterable<Uint8Array>;
  /** Deflate it (JSON); meshes are stored as they are (they are large, and compress poorly). */
  readonly compress: boolean;
}

/** Where export archives go, written as a stream (handed out through FileStore.presignGet). */
export interface ExportArchive {
  /**
   * Writes the entries, in order, as one zip at `key` (SSE-KMS). The next entry is pulled only
   * when the previous one is written, so the source may build each lazily.
   */
  write(
    key: string,
    entries: AsyncIterable<ArchiveEntry>,
    /** The account's own key (its ARN): the archive holds its PHI, so it is shredded with it. */
    kmsKeyId: string,
  ): Promise<{ sizeBytes: number; versionId?: string }>;
}

export interface ExportWorkflow {
  /** Starts the export job, named by the export id (a repeated start is the same execution). */
  start(exportId: string, input: { exportId: string; accountId: string }): Promise<void>;
}

export interface ExportRequestDeps {
  readonly exports: ExportStore;
  readonly exportWorkflow: ExportWorkflow;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface ExportStatusDeps {
  readonly exports: Pick<ExportStore, 'get' | 'list'>;
  /** The case-files store signs the link (its presignGet): the zip library stays out of this bundle. */
  readonly files: Pick<FileStore, 'presignGet'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface ExportJobDeps {
  readonly exports: ExportStore;
  readonly archive: ExportArchive;
  readonly accountKeys: AccountKeys;
  readonly orders: OrderRepository;
  readonly files: FileStore;
  readonly phi: PhiCipher;
  readonly signer: CertificateSigner;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

// ---------------------------------------------------------------- the routes

/**
 * Another account's administrator learns nothing: 404 as for a missing export, and the attempt
 * is audited against the account it aimed at.
 */
const requireOwnAccount = async (
  deps: Pick<ExportRequestDeps, 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  action: 'export.request' | 'export.status' | 'export.list',
) => {
  if (actor.accountId === accountId) return;
  await recordAudit(deps, actor, {
    accountId,
    action,
    outcome: 'DENIED',
    reason: 'NOT_OWNER',
  });
  throw new NotFoundError(`Account ${accountId} was not found.`);
};

const statusView = (record: ExportRecord, now: Date) => ({
  exportId: record.exportId,
  accountId: record.accountId,
  status:
    record.status === 'READY' && record.expiresAt && now.toISOString() >= record.expiresAt
      ? ('EXPIRED' as const)
      : record.status,
  requestedAt: record.requestedAt,
  requestedBy: record.requestedBy,
  ...(record.completedAt ? { completedAt: record.completedAt } : {}),
  ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
  ...(record.sizeBytes !== undefined ? { sizeBytes: record.sizeBytes } : {}),
  ...(record.orderCount !== undefined ? { orderCount: record.orderCount } : {}),
  ...(record.fileCount !== undefined ? { fileCount: record.fileCount } : {}),
  ...(record.manifestSha256 ? { manifestSha256: record.manifestSha256 } : {}),
  ...(record.failure ? { failure: record.failure } : {}),
});

/**
 * Records `record` as the account's open export of its kind and starts its workflow; answers the
 * export already open instead (a double click), after giving up one older than any run can take
 * (its job never started, or its workflow was lost). A workflow that cannot be started leaves the
 * export FAILED and the slot free. Undefined when `record` was opened.
 */
export const openExport = async (
  deps: { readonly exports: Pick<ExportStore, 'create' | 'finish'>; readonly clock: Clock },
  workflow: ExportWorkflow,
  record: ExportRecord,
  now: Date,
): Promise<ExportRecord | undefined> => {
  const { accountId, exportId } = record;
  const staleBefore = new Date(now.getTime() - STALE_EXPORT_GUARD_MS).toISOString();
  let created = await deps.exports.create(record, staleBefore);
  if (
    !created.created &&
    created.existing.requestedAt < new Date(now.getTime() - ABANDONED_EXPORT_MS).toISOString()
  ) {
    await deps.exports.finish(accountId, created.existing.exportId, {
      status: 'FAILED',
      completedAt: now.toISOString(),
      failure: 'ABANDONED',
    });
    created = await deps.exports.create(record, staleBefore);
  }
  if (!created.created) return created.existing;
  try {
    await workflow.start(exportId, { exportId, accountId });
  } catch (cause) {
    await deps.exports.finish(accountId, exportId, {
      status: 'FAILED',
      completedAt: deps.clock.now().toISOString(),
      failure: 'NOT_STARTED',
    });
    throw new ServiceUnavailableError({ cause });
  }
  return undefined;
};

/**
 * POST /accounts/{accountId}/exports. One open export per account: a second request while one
 * runs (a double click, a retry) answers that one with `duplicate: true`. The record is written
 * before the job starts; a job that cannot be started leaves the export FAILED and the slot free.
 */
export const requestExport = async (deps: ExportRequestDeps, actor: Actor, accountId: string) => {
  await requireOwnAccount(deps, actor, accountId, 'export.request');
  const now = deps.clock.now();
  const record: ExportRecord = {
    exportId: deps.ids.next(EXPORT_ID_PREFIXES.portability),
    accountId,
    status: 'RUNNING',
    requestedAt: now.toISOString(),
    requestedBy: actor.sub,
    requestedByRole: actor.roles[0] ?? 'lab-admin',
    sourceIp: actor.sourceIp,
  };
  // Audit first: a request that cannot be audited changes nothing.
  await recordAudit(deps, actor, { accountId, action: 'export.request', outcome: 'ALLOWED' });
  const existing = await openExport(deps, deps.exportWorkflow, record, now);
  if (existing) return { ...statusView(existing, now), duplicate: true };
  return { ...statusView(record, now), duplicate: false };
};

/**
 * GET /accounts/{accountId}/exports/{exportId}: where it stands and, when ready, a 15-minute
 * presigned GET for that one object version. The view is audited first (the hand-out of the
 * link as `export.download`) and nothing is answered if the audit cannot be written.
 */
export const exportStatus = async (
  deps: ExportStatusDeps,
  actor: Actor,
  accountId: string,
  exportId: string,
) => {
  await requireOwnAccount(deps, actor, accountId, 'export.status');
  const record = await deps.exports.get(accountId, exportId);
  if (!record || record.kind === 'audit') {
    await recordAudit(deps, actor, {
      accountId,
      action: 'export.status',
      outcome: 'DENIED',
      reason: 'NOT_FOUND',
    });
    throw new NotFoundError(`Export ${exportId} was not found.`);
  }
  const now = deps.clock.now();
  const view = statusView(record, now);
  const downloadable = view.status === 'READY' && record.objectKey !== undefined;
  await recordAudit(deps, actor, {
    accountId,
    action: downloadable ? 'export.download' : 'export.status',
    outcome: 'ALLOWED',
    reason: exportId,
  });
  if (!downloadable || !record.objectKey) return view;
  const url = await deps.files.presignGet({
    key: record.objectKey,
    ...(record.versionId ? { versionId: record.versionId } : {}),
    expiresInSeconds: EXPORT_URL_TTL_SECONDS,
    downloadName: exportFileName(record),
  });
  return {
    ...view,
    download: {
      url,
      fileName: exportFileName(record),
      expiresAt: new Date(now.getTime() + EXPORT_URL_TTL_SECONDS * 1000).toISOString(),
    },
  };
};

/**
 * A list's query, checked before anything is read: limit 1-100 (default 25); cursor, the
 * nextCursor of the previous page: the last export id of that page, which must be of this kind.
 */
export const exportListPage = (
  query: { readonly limit?: string; readonly cursor?: string },
  idPrefix: string,
): { limit: number; after?: string } => {
  const issues = [];
  const limit = query.limit === undefined ? EXPORT_LIST_DEFAULT : Number(query.limit);
  if (
    query.limit !== undefined &&
    (query.limit.length > 3 || !Number.isInteger(limit) || limit < 1 || limit > EXPORT_LIST_MAX)
  )
    issues.push({ field: 'limit', message: `Use a whole number from 1 to ${EXPORT_LIST_MAX}.` });
  const { cursor } = query;
  const ofKind = `${idPrefix}_`;
  if (cursor !== undefined && !(cursor.startsWith(ofKind) && CURSOR_ID.test(cursor.slice(ofKind.length))))
    issues.push({ field: 'cursor', message: 'Use the nextCursor value from the previous page, unchanged.' });
  if (issues.length) throw new ValidationError(issues);
  return { limit, ...(cursor ? { after: cursor } : {}) };
};

/** One page of records as `view` shows them, and the cursor of the next page when there may be one. */
export const exportListView = <V>(
  page: { records: ExportRecord[]; more: boolean },
  view: (record: ExportRecord) => V,
) => {
  const last = page.records.at(-1);
  return {
    exports: page.records.map(view),
    ...(page.more && last ? { nextCursor: last.exportId } : {}),
  };
};

/**
 * GET /accounts/{accountId}/exports: the account's portability exports, newest first, a page at a
 * time, with their status; no download links (each is handed out, audited, by the status route).
 * Audited as one listing, as the status route audits each view; export records hold no PHI.
 */
export const listExports = async (
  deps: Pick<ExportStatusDeps, 'exports' | 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  query: { readonly limit?: string; readonly cursor?: string },
) => {
  await requireOwnAccount(deps, actor, accountId, 'export.list');
  const page = exportListPage(query, EXPORT_ID_PREFIXES.portability);
  await recordAudit(deps, actor, { accountId, action: 'export.list', outcome: 'ALLOWED' });
  const found = await deps.exports.list(accountId, EXPORT_ID_PREFIXES.portability, page);
  const now = deps.clock.now();
  return exportListView(found, (r) => statusView(r, now));
};

export const exportFileName = (record: Pick<ExportRecord, 'accountId' | 'exportId'>) =>
  `caseline-export-${record.accountId}-${record.exportId}.zip`;

/** The archive's key: ids only, under the prefix the lifecycle rule expires. */
export const exportKey = (exportId: string) => `${EXPORTS.prefix}${exportId}.zip`;

// ---------------------------------------------------------------- the manifest

export interface ManifestFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

export interface ExportManifest {
  kind: 'account-export';
  exportId: string;
  accountId: string;
  requestedAt: string;
  requestedBy: string;
  /** When the archive was written (the job's clock). */
  createdAt: string;
  orders: { orderId: string; status: string; files: number }[];
  /** Orders not in the archive, by id: purged, or asked by the lab to be deleted. */
  excluded: { orderId: string; reason: 'PURGED' | 'DELETION_REQUESTED' }[];
  /** Every file of the archive but manifest.json itself, in archive order. */
  files: ManifestFile[];
}

export interface SignedManifest {
  manifest: ExportManifest;
  signature: {
    algorithm: 'ECDSA_SHA_256';
    keyId: string;
    publicKeySha256: string;
    /** Base64 DER ECDSA over the canonical JSON of the whole document without `signature.value`. */
    value: string;
  };
}

export const MANIFEST_PATH = 'manifest.json';

/** What the signature covers: the whole document but `signature.value`, canonical JSON. */
export const manifestSignedBytes = (
  manifest: ExportManifest,
  header: Omit<SignedManifest['signature'], 'value'>,
): Buffer =>
  Buffer.from(
    canonicalJson({
      manifest,
      signature: {
        algorithm: header.algorithm,
        keyId: header.keyId,
        publicKeySha256: header.publicKeySha256,
      },
    }),
    'utf8',
  );

export class ExportSigningError extends Error {
  override readonly name = 'ExportSigningError';
}

export const signManifest = async (
  signer: CertificateSigner,
  manifest: ExportManifest,
): Promise<SignedManifest> => {
  const stored = JSON.parse(canonicalJson(manifest)) as ExportManifest;
  const publicKey = await signer.publicKeyDer();
  const header = {
    algorithm: SIGNING_ALGORITHM,
    keyId: signer.keyId(),
    publicKeySha256: publicKeySha256(publicKey),
  } as const;
  const value = Buffer.from(await signer.sign(manifestSignedBytes(stored, header))).toString('base64');
  const signed: SignedManifest = { manifest: stored, signature: { ...header, value } };
  // A manifest that would not verify (a key swapped behind the alias) is never written.
  const check = verifyManifest(signed, publicKey);
  if (!check.valid) throw new ExportSigningError(`The export manifest does not verify: ${check.reason}`);
  return signed;
};

export type ManifestVerification =
  | { valid: true; manifest: ExportManifest }
  | {
      valid: false;
      code: 'MALFORMED' | 'BAD_PUBLIC_KEY' | 'WRONG_KEY' | 'SIGNATURE_MISMATCH';
      reason: string;
    };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a signed manifest (parsed or as text) against the certificate public key; never throws. */
export const verifyManifest = (
  document: unknown,
  publicKey: KeyObject | Uint8Array | string,
): ManifestVerification => {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return { valid: false, code: 'MALFORMED', reason: 'manifest.json is not JSON' };
    }
  }
  if (!isRecord(doc) || !isRecord(doc.manifest) || !isRecord(doc.signature)) {
    return { valid: false, code: 'MALFORMED', reason: 'expected { manifest, signature }' };
  }
  const signature = doc.signature as Partial<SignedManifest['signature']>;
  const manifest = doc.manifest as unknown as ExportManifest;
  if (
    Object.keys(doc).length !== 2 ||
    signature.algorithm !== SIGNING_ALGORITHM ||
    typeof signature.keyId !== 'string' ||
    typeof signature.publicKeySha256 !== 'string' ||
    typeof signature.value !== 'string' ||
    manifest.kind !== 'account-export' ||
    !Array.isArray(manifest.files)
  ) {
    return {
      valid: false,
      code: 'MALFORMED',
      reason: 'the manifest or its signature is not of the expected shape',
    };
  }
  let key: KeyObject;
  try {
    key = readPublicKey(publicKey);
  } catch (error) {
    return {
      valid: false,
      code: 'BAD_PUBLIC_KEY',
      reason: `the public key cannot be used: ${(error as Error).message}`,
    };
  }
  const header = {
    algorithm: SIGNING_ALGORITHM,
    keyId: signature.keyId,
    publicKeySha256: signature.publicKeySha256,
  } as const;
  let ok = false;
  try {
    ok = verify(
      'sha256',
      manifestSignedBytes(manifest, header),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature.value, 'base64'),
    );
  } catch {
    ok = false;
  }
  if (ok) return { valid: true, manifest };
  const given = publicKeySha256(key.export({ format: 'der', type: 'spki' }));
  if (given !== signature.publicKeySha256) {
    return { valid: false, code: 'WRONG_KEY', reason: `signed by another key (${signature.keyId})` };
  }
  return {
    valid: false,
    code: 'SIGNATURE_MISMATCH',
    reason: 'the signature does not match the manifest: it was changed after signing',
  };
};

// ---------------------------------------------------------------- the job

/** A file name as an archive path segment: no folders, no control characters, at most 120 characters. */
const safeName = (name: string) =>
  name
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 120) || 'file';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

const jsonBytes = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** Which files of an order go in the archive: uploaded inputs, and the delivered design's files. */
const exportedFiles = (order: Order, files: readonly OrderFile[]): OrderFile[] => {
  // Files the lab asked to delete are hidden from it, purged ones gone; a cancelled draft's uploads were removed.
  if (order.deletionRequest || order.filesPurgedAt || order.status === 'CANCELLED') return [];
  const delivered =
    order.deliveredVersion !== undefined && ['DELIVERED', 'ACCEPTED', 'ARCHIVED'].includes(order.status);
  return files.filter((f) => (f.role === 'input' ? true : delivered && f.version === order.deliveredVersion));
};

/**
 * Whether a file is in S3, and which version to read: the one ingest or QA checked; otherwise (a
 * draft's scan) the one HEAD finds now, and a scan declared but never uploaded is left out.
 */
const presentVersion = async (
  deps: Pick<ExportJobDeps, 'files'>,
  file: OrderFile,
): Promise<{ present: boolean; versionId?: string }> => {
  if (file.check?.versionId) return { present: true, versionId: file.check.versionId };
  // A delivered design passed QA, so it is there; files checked before versions were recorded too.
  if (file.role === 'output' || file.check) return { present: true };
  const head = await deps.files.head(file.key);
  return head
    ? { present: true, ...(head.versionId ? { versionId: head.versionId } : {}) }
    : { present: false };
};

/** Why an order is left out, or undefined when it goes in. */
const exclusionOf = (order: Order): ExportManifest['excluded'][number]['reason'] | undefined => {
  if (order.status === 'PURGED' || order.status === 'PURGING') return 'PURGED';
  if (order.deletionRequest?.scope === 'order') return 'DELETION_REQUESTED';
  return undefined;
};

/**
 * The export job (a Task of statemachines/account-export.asl.json). Runs again safely: a finished
 * export answers its status, an unfinished one is written again from the start (a new version of
 * the same key; the record points at the one finished).
 */
export const runExport = async (deps: ExportJobDeps, input: { exportId: string; accountId: string }) => {
  const record = await deps.exports.get(input.accountId, input.exportId);
  if (!record) throw new NotFoundError(`Export ${input.exportId} was not found.`);
  if (record.status !== 'RUNNING') return { status: record.status };
  // The account's own key before anything is read: the archive is written under it, so shredding
  // the key at termination makes a kept copy unreadable too (ACCOUNT_KEY_MISSING without one).
  const kmsKeyId = await uploadKeyOf(deps, record.accountId);
  // Every read is audited as the administrator who asked, from where they asked.
  const requester: Actor = {
    sub: record.requestedBy,
    username: record.requestedBy,
    roles: [record.requestedByRole],
    accountId: record.accountId,
    sourceIp: record.sourceIp,
  };
  const files: ManifestFile[] = [];
  const orders: ExportManifest['orders'] = [];
  const excluded: ExportManifest['excluded'] = [];

  const hashed = async function* (
    path: string,
    sizeBytes: number,
    body: AsyncIterable<Uint8Array>,
  ): AsyncIterable<Uint8Array> {
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of body) {
      hash.update(chunk);
      length += chunk.byteLength;
      yield chunk;
    }
    if (length !== sizeBytes) {
      throw new ConflictError(`${path} is ${length} bytes, not the ${sizeBytes} recorded`, 'SIZE_MISMATCH');
    }
    files.push({ path, sizeBytes, sha256: hash.digest('hex') });
  };
  const entry = (path: string, sizeBytes: number, body: AsyncIterable<Uint8Array>, compress: boolean) => ({
    path,
    sizeBytes,
    body: hashed(path, sizeBytes, body),
    compress,
  });
  const fileBody = async function* (file: OrderFile, versionId?: string): AsyncIterable<Uint8Array> {
    // Audit first: a file whose read cannot be audited is not read.
    await recordAudit(deps, requester, {
      accountId: record.accountId,
      action: 'export.file',
      outcome: 'ALLOWED',
      orderId: file.orderId,
      fileId: file.fileId,
    });
    yield* deps.files.read(file.key, versionId);
  };

  const entries = async function* (): AsyncIterable<ArchiveEntry> {
    let cursor: string | undefined;
    do {
      const page = await deps.orders.listByAccount(record.accountId, {
        limit: ORDERS_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      for (const order of page.orders) {
        const exclusion = exclusionOf(order);
        if (exclusion) {
          excluded.push({ orderId: order.orderId, reason: exclusion });
          continue;
        }
        await recordAudit(deps, requester, {
          accountId: record.accountId,
          action: 'export.order',
          outcome: 'ALLOWED',
          orderId: order.orderId,
        });
        const [phi, allFiles, events] = await Promise.all([
          deps.phi
            .decrypt(order.phi, phiContext(order.accountId, order.orderId))
            .then((text) => JSON.parse(text) as OrderPhi),
          deps.orders.files(order.orderId),
          deps.orders.timeline(order.orderId),
        ]);
        const chosen = exportedFiles(order, allFiles);
        const versions = await Promise.all(chosen.map((f) => presentVersion(deps, f)));
        const placed = await Promise.all(
          chosen
            .map((file, i) => ({ file, version: versions[i] }))
            .filter(({ version }) => version?.present)
            .map(async ({ file: f, version }) => {
              const name = await deps.phi.decrypt(
                f.nameCipher,
                fileNameContext(f.accountId, f.orderId, f.fileId),
              );
              const folder = f.role === 'input' ? 'inputs' : `design-v${f.version ?? 0}`;
              return {
                file: f,
                name,
                versionId: version?.versionId,
                path: `orders/${order.orderId}/${folder}/${f.fileId}-${safeName(name)}`,
              };
            }),
        );
        const prescription = {
          orderId: order.orderId,
          accountId: order.accountId,
          caseRef: phi.caseRef ?? order.caseRef ?? '',
          patientRef: phi.patientRef,
          ...(phi.notes ? { notes: phi.notes } : {}),
          status: order.status,
          turnaround: order.turnaround,
          remake: order.remake,
          createdAt: order.createdAt,
          createdBy: order.createdBy,
          ...(order.submittedAt ? { submittedAt: order.submittedAt } : {}),
          ...(order.dueAt ? { dueAt: order.dueAt } : {}),
          ...(order.deliveredVersion ? { deliveredVersion: order.deliveredVersion } : {}),
          ...(order.deliveredAt ? { deliveredAt: order.deliveredAt } : {}),
          ...(order.acceptedAt ? { acceptedAt: order.acceptedAt } : {}),
          ...(order.archivedAt ? { archivedAt: order.archivedAt } : {}),
          ...(order.purgeAfter ? { purgeAfter: order.purgeAfter } : {}),
          ...(order.closedReason ? { closedReason: order.closedReason } : {}),
          ...(order.revisionCount ? { revisionCount: order.revisionCount } : {}),
          items: order.items.map((item, i) => ({
            ...item,
            ...(phi.itemNotes?.[i] ? { notes: phi.itemNotes[i] } : {}),
          })),
          files: placed.map(({ file, name, path }) => ({
            fileId: file.fileId,
            role: file.role,
            ...(file.version !== undefined ? { version: file.version } : {}),
            name,
            format: file.format,
            sizeBytes: file.sizeBytes,
            sha256: file.sha256,
            path,
            ...(file.uploadedAt ? { uploadedAt: file.uploadedAt } : {}),
          })),
        };
        const orderJson = jsonBytes(prescription);
        yield entry(`orders/${order.orderId}/order.json`, orderJson.byteLength, once(orderJson), true);
        const timelineJson = jsonBytes(labTimeline(events));
        yield entry(
          `orders/${order.orderId}/timeline.json`,
          timelineJson.byteLength,
          once(timelineJson),
          true,
        );
        for (const { file, path, versionId } of placed) {
          yield entry(path, file.sizeBytes, fileBody(file, versionId), false);
        }
        orders.push({ orderId: order.orderId, status: order.status, files: placed.length });
      }
      cursor = page.cursor;
    } while (cursor);

    // Pulled last: every file above has been written and hashed by now.
    const signed = await signManifest(deps.signer, {
      kind: 'account-export',
      exportId: record.exportId,
      accountId: record.accountId,
      requestedAt: record.requestedAt,
      requestedBy: record.requestedBy,
      createdAt: deps.clock.now().toISOString(),
      orders,
      excluded,
      files,
    });
    const manifestJson = jsonBytes(signed);
    manifestSha256 = createHash('sha256').update(manifestJson).digest('hex');
    yield {
      path: MANIFEST_PATH,
      sizeBytes: manifestJson.byteLength,
      body: once(manifestJson),
      compress: true,
    };
  };

  let manifestSha256 = '';
  const key = exportKey(record.exportId);
  const written = await deps.archive.write(key, entries(), kmsKeyId);
  const completedAt = deps.clock.now();
  await deps.exports.finish(record.accountId, record.exportId, {
    status: 'READY',
    completedAt: completedAt.toISOString(),
    objectKey: key,
    ...(written.versionId ? { versionId: written.versionId } : {}),
    sizeBytes: written.sizeBytes,
    orderCount: orders.length,
    fileCount: files.length,
    manifestSha256,
    expiresAt: new Date(completedAt.getTime() + EXPORTS.expireDays * 86_400_000).toISOString(),
  });
  return { status: 'READY' as const };
};

/** The workflow's Catch: the job failed for good; the record says so (an error name only). */
export const failExport = async (
  deps: Pick<ExportJobDeps, 'exports' | 'clock'>,
  input: { exportId: string; accountId: string; errorName?: string },
) => {
  const record = await deps.exports.get(input.accountId, input.exportId);
  if (record?.status !== 'RUNNING') return { status: record?.status ?? 'FAILED' };
  const failure = /^[A-Za-z0-9.]{1,64}$/.test(input.errorName ?? '') ? (input.errorName as string) : 'Error';
  await deps.exports.finish(input.accountId, input.exportId, {
    status: 'FAILED',
    completedAt: deps.clock.now().toISOString(),
    failure,
  });
  return { status: 'FAILED' as const };
};
