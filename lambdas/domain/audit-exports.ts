/**
 * Self-serve audit exports, the routes and the job (docs/audit.md, "Audit exports"): an account's
 * lab-admin (its own account; another account answers 404) or a staff auditor (any account) asks
 * for `{from, to}`; a workflow task writes the archive (domain/audit-export.ts: verify-audit's
 * layout, a manifest signed with the audit key) as a stream into the exports area, through the
 * portability export's archive writer, and the status route hands it out by a 15-minute presigned
 * GET, audited first. The records are export records (domain/export.ts) of kind `audit`, with a
 * slot of their own: one open audit export per account (a double click answers the running one),
 * beside at most one portability export.
 */
import { createHash } from 'node:crypto';
import { EXPORTS } from '../../common/definitions';
import type { Clock } from '../kernel/clock';
import { NotFoundError, RangeNotSealedError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { uploadKeyOf } from './account-keys';
import { recordAudit } from './audit';
import type { AccountDigest, GlobalDigest } from './audit-digest';
import { AUDIT_MANIFEST_PATH, auditExportEntries, auditExportRange } from './audit-export';
import { type AuditTrail, type DigestReader, digestKeysCovering } from './audit-trail';
import type { CertificateSigner } from './certificate';
import type { DesignerRegistry } from './designers';
import {
  EXPORT_ID_PREFIXES,
  EXPORT_URL_TTL_SECONDS,
  type ExportArchive,
  type ExportRecord,
  type ExportStore,
  type ExportWorkflow,
  exportListPage,
  exportListView,
  openExport,
} from './export';
import type { AccountKeys, AuditLog, FileStore, IdGenerator } from './ports';
import { type ProcessingRecordDeps, processingRecord, type RecordContext } from './processing-record';

export interface AuditExportRequestDeps {
  readonly exports: Pick<ExportStore, 'create' | 'finish'>;
  readonly auditExportWorkflow: ExportWorkflow;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface AuditExportStatusDeps {
  readonly exports: Pick<ExportStore, 'get' | 'list'>;
  readonly files: Pick<FileStore, 'presignGet'>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface AuditExportJobDeps {
  readonly exports: ExportStore;
  readonly archive: ExportArchive;
  readonly accountKeys: AccountKeys;
  readonly ledger: AuditTrail;
  readonly digests: DigestReader;
  readonly auditSigner: CertificateSigner;
  readonly designers: Pick<DesignerRegistry, 'get'>;
  /** For the record of processing (processing-record.ts). */
  readonly accounts: ProcessingRecordDeps['accounts'];
  readonly orders: ProcessingRecordDeps['orders'];
  readonly purgeStore: ProcessingRecordDeps['purgeStore'];
  readonly incidents: ProcessingRecordDeps['incidents'];
  readonly clock: Clock;
}

/** A lab-admin reads its own account only (404 otherwise, audited); an auditor any account. */
const mayExport = async (
  deps: Pick<AuditExportRequestDeps, 'audit' | 'clock' | 'ids'>,
  actor: Actor,
  accountId: string,
  action: 'audit.export-request' | 'audit.export-status' | 'audit.export-list',
) => {
  if (actor.roles.includes('auditor') || (actor.roles.includes('lab-admin') && actor.accountId === accountId))
    return;
  await recordAudit(deps, actor, { accountId, action, outcome: 'DENIED', reason: 'NOT_OWNER' });
  throw new NotFoundError(`Account ${accountId} was not found.`);
};

const view = (record: ExportRecord, now: Date) => ({
  exportId: record.exportId,
  accountId: record.accountId,
  from: record.from,
  to: record.to,
  status:
    record.status === 'READY' && record.expiresAt && now.toISOString() >= record.expiresAt
      ? ('EXPIRED' as const)
      : record.status,
  requestedAt: record.requestedAt,
  ...(record.completedAt ? { completedAt: record.completedAt } : {}),
  ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
  ...(record.sizeBytes !== undefined ? { sizeBytes: record.sizeBytes } : {}),
  ...(record.manifestSha256 ? { manifestSha256: record.manifestSha256 } : {}),
  ...(record.failure ? { failure: record.failure } : {}),
});

/** POST /accounts/{accountId}/audit-exports {from, to}: audited first; a double click answers the open one. */
export const requestAuditExport = async (
  deps: AuditExportRequestDeps,
  actor: Actor,
  accountId: string,
  body: unknown,
) => {
  await mayExport(deps, actor, accountId, 'audit.export-request');
  const now = deps.clock.now();
  const { from, to } = auditExportRange(body, now);
  const record: ExportRecord = {
    exportId: deps.ids.next(EXPORT_ID_PREFIXES.audit),
    kind: 'audit',
    from,
    to,
    accountId,
    status: 'RUNNING',
    requestedAt: now.toISOString(),
    requestedBy: actor.sub,
    requestedByRole: actor.roles.includes('auditor') ? 'auditor' : 'lab-admin',
    sourceIp: actor.sourceIp,
  };
  await recordAudit(deps, actor, { accountId, action: 'audit.export-request', outcome: 'ALLOWED' });
  const existing = await openExport(deps, deps.auditExportWorkflow, record, now);
  if (existing) return { ...view(existing, now), duplicate: true };
  return { ...view(record, now), duplicate: false };
};

export const auditExportFileName = (record: Pick<ExportRecord, 'accountId' | 'exportId'>) =>
  `caseline-audit-${record.accountId}-${record.exportId}.zip`;

/** GET /accounts/{accountId}/audit-exports/{exportId}: when ready, a 15-minute link, audited first. */
export const auditExportStatus = async (
  deps: AuditExportStatusDeps,
  actor: Actor,
  accountId: string,
  exportId: string,
) => {
  await mayExport(deps, actor, accountId, 'audit.export-status');
  const record = await deps.exports.get(accountId, exportId);
  if (record?.kind !== 'audit') {
    await recordAudit(deps, actor, {
      accountId,
      action: 'audit.export-status',
      outcome: 'DENIED',
      reason: 'NOT_FOUND',
    });
    throw new NotFoundError(`Audit export ${exportId} was not found.`);
  }
  const now = deps.clock.now();
  const status = view(record, now);
  const downloadable = status.status === 'READY' && record.objectKey !== undefined;
  await recordAudit(deps, actor, {
    accountId,
    action: downloadable ? 'audit.export-download' : 'audit.export-status',
    outcome: 'ALLOWED',
    reason: exportId,
  });
  if (!downloadable || !record.objectKey) return status;
  const fileName = auditExportFileName(record);
  const url = await deps.files.presignGet({
    key: record.objectKey,
    ...(record.versionId ? { versionId: record.versionId } : {}),
    expiresInSeconds: EXPORT_URL_TTL_SECONDS,
    downloadName: fileName,
  });
  return {
    ...status,
    download: {
      url,
      fileName,
      expiresAt: new Date(now.getTime() + EXPORT_URL_TTL_SECONDS * 1000).toISOString(),
    },
  };
};

/**
 * GET /accounts/{accountId}/audit-exports: the account's audit exports, newest first, a page at a
 * time, with their range and status; no download links (the status route hands each out, audited).
 * Audited as one listing, as the status route audits each view.
 */
export const listAuditExports = async (
  deps: AuditExportStatusDeps,
  actor: Actor,
  accountId: string,
  query: { readonly limit?: string; readonly cursor?: string },
) => {
  await mayExport(deps, actor, accountId, 'audit.export-list');
  const page = exportListPage(query, EXPORT_ID_PREFIXES.audit);
  await recordAudit(deps, actor, { accountId, action: 'audit.export-list', outcome: 'ALLOWED' });
  const found = await deps.exports.list(accountId, EXPORT_ID_PREFIXES.audit, page);
  const now = deps.clock.now();
  return exportListView(found, (r) => view(r, now));
};

/** Events a ledger query returns at most per page (the query's own 1 MB cap comes first). */
const PAGE = 1_000;
/** Account digests read at once when the job lists their events. */
const DIGEST_READS = 16;

/**
 * Workflow task: writes the archive and finishes the record. A finished export is left as it is.
 * The range must be sealed first (RangeNotSealedError: the workflow waits for the next sealing run
 * and tries again), so every event of the archive is in a digest of it.
 */
export const runAuditExport = async (
  deps: AuditExportJobDeps,
  input: { exportId: string; accountId: string },
  context: RecordContext,
) => {
  const record = await deps.exports.get(input.accountId, input.exportId);
  if (record?.kind !== 'audit' || !record.from || !record.to)
    throw new NotFoundError('No such audit export.');
  if (record.status !== 'RUNNING') return { status: record.status };
  const { accountId, from, to } = { accountId: record.accountId, from: record.from, to: record.to };
  const covering = await digestKeysCovering(deps.digests, accountId, from, to);
  const lastKey = covering.globals[covering.globals.length - 1]?.key;
  const last = lastKey ? ((await deps.digests.get(lastKey)) as GlobalDigest | undefined) : undefined;
  if (!last || last.window.to < to)
    throw new RangeNotSealedError(
      `The audit trail is sealed through ${last?.window.to ?? 'nothing yet'}; the export waits for ${to}.`,
    );
  const kmsKeyId = await uploadKeyOf(deps, accountId);
  // The archive holds the events of the range and every other event its digests list (a run's
  // window may start before `from` or end after `to`): verify-audit checks each digest whole.
  const listed = new Set<number>();
  let first = from;
  let through = to;
  for (let i = 0; i < covering.accounts.length; i += DIGEST_READS) {
    const docs = await Promise.all(
      covering.accounts.slice(i, i + DIGEST_READS).map((a) => deps.digests.get(a.key)),
    );
    for (const doc of docs as (AccountDigest | undefined)[])
      for (const leaf of doc?.events ?? []) {
        listed.add(leaf.seq);
        if (leaf.at < first) first = leaf.at;
        if (leaf.at > through) through = leaf.at;
      }
  }
  const ledger = deps.ledger;
  const events = async function* () {
    let cursor: string | undefined;
    do {
      const page = await ledger.page({
        accountId,
        from: first,
        to: through,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      yield page.events.filter((e) => (e.at >= from && e.at <= to) || listed.has(e.seq));
      cursor = page.cursor;
    } while (cursor);
  };
  const digestFile = (kind: 'global' | 'accounts') => (d: { key: string; digestNo: number }) => ({
    path: `digests/${kind}/${String(d.digestNo).padStart(10, '0')}.json`,
    read: () => deps.digests.get(d.key),
  });
  let manifestSha256 = '';
  const entries = (async function* () {
    for await (const entry of auditExportEntries(
      {
        exportId: record.exportId,
        accountId,
        from,
        to,
        requestedAt: record.requestedAt,
        requestedByRole: record.requestedByRole,
        createdAt: deps.clock.now().toISOString(),
        events,
        digests: [
          ...covering.globals.map(digestFile('global')),
          ...covering.accounts.map(digestFile('accounts')),
        ],
        countryOf: async (sub) => (await deps.designers.get(sub))?.country,
        processingRecord: () =>
          processingRecord(deps, accountId, { from, to }, context, Number.POSITIVE_INFINITY),
      },
      deps.auditSigner,
    )) {
      if (entry.path === AUDIT_MANIFEST_PATH) {
        const hash = createHash('sha256');
        for await (const chunk of entry.body) hash.update(chunk);
        manifestSha256 = hash.digest('hex');
      }
      yield entry;
    }
  })();
  const key = `${EXPORTS.prefix}${record.exportId}.zip`;
  const written = await deps.archive.write(key, entries, kmsKeyId);
  const completedAt = deps.clock.now();
  await deps.exports.finish(accountId, record.exportId, {
    status: 'READY',
    completedAt: completedAt.toISOString(),
    objectKey: key,
    ...(written.versionId ? { versionId: written.versionId } : {}),
    sizeBytes: written.sizeBytes,
    manifestSha256,
    expiresAt: new Date(completedAt.getTime() + EXPORTS.expireDays * 86_400_000).toISOString(),
  });
  return { status: 'READY' as const };
};
