/**
 * Self-serve audit exports (issue 12 item 2; docs/audit.md): what an account's audit export holds
 * and how its manifest is signed and checked. The archive's layout is the one `verify-audit DIR`
 * reads, so an unpacked export verifies offline as it is:
 *
 *   range.json                    { accountId, from, to }
 *   events.jsonl                  the account's events as stored (the digests hash exactly these)
 *   events.csv                    the same events for people: staff and designers by pseudonym
 *   digests/global/<no>.json      the global digests of the runs that cover the range
 *   digests/accounts/<no>.json    the account's digests of those runs
 *   manifest.json                 filters, range, counts, each file's SHA-256; signed with the audit key
 *
 * Audit events hold no PHI by construction (ids and codes only, never a name, note or patient
 * reference: domain/audit.ts), so neither file can carry any.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { ValidationError } from '../kernel/errors';
import { type AccountDigest, type AuditRecord, type GlobalDigest, signedBytes } from './audit-digest';
import { type CertificateSigner, publicKeySha256 } from './certificate';
import type { ArchiveEntry } from './export';

/** The longest range one export covers. */
export const AUDIT_EXPORT_MAX_DAYS = 366;
export const AUDIT_MANIFEST_PATH = 'manifest.json';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Field-level checks of `{ from, to }`: ISO instants, from ≤ to ≤ now, at most a year apart. */
export const auditExportRange = (body: unknown, now: Date): { from: string; to: string } => {
  const issues: { field: string; message: string }[] = [];
  const input = typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined;
  if (!input) throw new ValidationError([{ field: 'body', message: 'must be a JSON object {from, to}' }]);
  const fields = input as Record<string, unknown>;
  const instant = (field: 'from' | 'to') => {
    const value = fields[field];
    if (
      typeof value !== 'string' ||
      value.length !== 24 ||
      !ISO_INSTANT.test(value) ||
      Number.isNaN(Date.parse(value)) ||
      new Date(value).toISOString() !== value
    ) {
      issues.push({ field, message: 'must be an ISO 8601 UTC instant such as 2026-01-05T09:00:00.000Z' });
      return undefined;
    }
    return value;
  };
  const from = instant('from');
  const to = instant('to');
  for (const field of Object.keys(fields))
    if (field !== 'from' && field !== 'to') issues.push({ field, message: 'is not a field of this request' });
  if (from && to) {
    if (to < from) issues.push({ field: 'to', message: 'must not be before from' });
    else if (Date.parse(to) - Date.parse(from) > AUDIT_EXPORT_MAX_DAYS * 86_400_000)
      issues.push({ field: 'to', message: `must be at most ${AUDIT_EXPORT_MAX_DAYS} days after from` });
    if (to > now.toISOString()) issues.push({ field: 'to', message: 'must not be in the future' });
  }
  if (issues.length > 0 || !from || !to) throw new ValidationError(issues);
  return { from, to };
};

const sha256Hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * A stable pseudonym for a member of staff or a designer: the same person has the same one in every
 * export, and it cannot be turned back into their login (subs are random; the prefix separates uses).
 */
export const actorPseudonym = (role: string, sub: string): string =>
  `${role === 'designer' ? 'designer' : 'staff'}-${sha256Hex(`caseline-audit-actor:${sub}`).slice(0, 16)}`;

const LAB_ROLES = new Set(['lab', 'lab-admin']);

export const CSV_COLUMNS = [
  'seq',
  'eventId',
  'at',
  'action',
  'outcome',
  'reason',
  'actorRole',
  'actor',
  'actorAccount',
  'actorCountry',
  'sourceIp',
  'orderId',
  'fileId',
  'route',
] as const;

/** RFC 4180: quoted when it holds a comma, quote or line break; a leading = + - @ is defused. */
const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * One event as a CSV row. Who: the account's own users by their sub, staff and designers by
 * pseudonym, another account's users as `another-account` (refusals against this account's orders).
 */
export const csvRow = (
  accountId: string,
  event: Readonly<Record<string, unknown>>,
  countryOf: (sub: string) => string | undefined = () => undefined,
): string => {
  const role = String(event.actorRole ?? 'none');
  const sub = typeof event.actorSub === 'string' ? event.actorSub : '';
  const own = LAB_ROLES.has(role) && event.actorAccountId === accountId;
  const actor = own ? sub : LAB_ROLES.has(role) ? 'another-account' : sub ? actorPseudonym(role, sub) : '';
  const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    seq: event.seq,
    eventId: event.eventId,
    at: event.at,
    action: event.action,
    outcome: event.outcome,
    reason: event.reason,
    actorRole: role,
    actor,
    actorAccount: own ? 'this' : LAB_ROLES.has(role) ? 'other' : 'staff',
    actorCountry: sub && !LAB_ROLES.has(role) ? countryOf(sub) : undefined,
    sourceIp: event.sourceIp,
    orderId: event.orderId,
    fileId: event.fileId,
    route: event.route,
  };
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
};

export interface AuditExportContent {
  readonly exportId: string;
  readonly accountId: string;
  readonly from: string;
  readonly to: string;
  readonly requestedAt: string;
  readonly requestedByRole: string;
  readonly createdAt: string;
  /** The account's events with from ≤ at ≤ to, page by page. */
  readonly events: AsyncIterable<readonly AuditRecord[]>;
  readonly globals: readonly GlobalDigest[];
  readonly accounts: readonly AccountDigest[];
  readonly countryOf?: (sub: string) => string | undefined;
}

export interface AuditManifestBody {
  readonly kind: 'audit-export';
  readonly version: 1;
  readonly exportId: string;
  readonly accountId: string;
  readonly filters: { readonly accountId: string };
  readonly range: { readonly from: string; readonly to: string };
  readonly requestedAt: string;
  readonly requestedByRole: string;
  readonly createdAt: string;
  readonly counts: {
    readonly events: number;
    readonly globalDigests: number;
    readonly accountDigests: number;
  };
  readonly files: readonly { readonly path: string; readonly sizeBytes: number; readonly sha256: string }[];
}

const pad = (n: number) => String(n).padStart(10, '0');
const once = (bytes: Uint8Array): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    yield bytes;
  },
});

/**
 * The archive's entries, manifest last (signed with the audit key once every file is hashed).
 * The events are read a page at a time; the two event files are held until written (a year of an
 * account's events is a few MB; the zip itself streams out: adapters/s3-export-archive.ts).
 */
export async function* auditExportEntries(
  content: AuditExportContent,
  signer: CertificateSigner,
): AsyncGenerator<ArchiveEntry> {
  const files: { path: string; sizeBytes: number; sha256: string }[] = [];
  const file = (path: string, bytes: Buffer): ArchiveEntry => {
    files.push({ path, sizeBytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    return { path, sizeBytes: bytes.byteLength, body: once(bytes), compress: true };
  };
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  yield file('range.json', json({ accountId: content.accountId, from: content.from, to: content.to }));
  const jsonl: string[] = [];
  const csv: string[] = [`${CSV_COLUMNS.join(',')}\r\n`];
  const seen: AuditRecord[] = [];
  for await (const page of content.events) seen.push(...page);
  seen.sort((a, b) => Number(a.seq ?? 0) - Number(b.seq ?? 0));
  for (const event of seen) {
    jsonl.push(`${JSON.stringify(event)}\n`);
    csv.push(csvRow(content.accountId, event, content.countryOf));
  }
  yield file('events.jsonl', Buffer.from(jsonl.join('')));
  yield file('events.csv', Buffer.from(csv.join('')));
  for (const g of content.globals) yield file(`digests/global/${pad(g.digestNo)}.json`, json(g));
  for (const a of content.accounts) yield file(`digests/accounts/${pad(a.digestNo)}.json`, json(a));
  const manifest = await signAuditManifest(signer, {
    kind: 'audit-export',
    version: 1,
    exportId: content.exportId,
    accountId: content.accountId,
    filters: { accountId: content.accountId },
    range: { from: content.from, to: content.to },
    requestedAt: content.requestedAt,
    requestedByRole: content.requestedByRole,
    createdAt: content.createdAt,
    counts: {
      events: seen.length,
      globalDigests: content.globals.length,
      accountDigests: content.accounts.length,
    },
    files: [...files],
  });
  const bytes = json(manifest);
  yield { path: AUDIT_MANIFEST_PATH, sizeBytes: bytes.byteLength, body: once(bytes), compress: true };
}

export type SignedAuditManifest = AuditManifestBody & {
  readonly signature: { algorithm: 'ECDSA_SHA_256'; keyId: string; publicKeySha256: string; value: string };
};

/** Signed as the digests are: the canonical JSON of the whole document but `signature.value`. */
export const signAuditManifest = async (
  signer: CertificateSigner,
  body: AuditManifestBody,
): Promise<SignedAuditManifest> => {
  const signature = {
    algorithm: 'ECDSA_SHA_256' as const,
    keyId: signer.keyId(),
    publicKeySha256: publicKeySha256(await signer.publicKeyDer()),
  };
  const value = Buffer.from(
    await signer.sign(Buffer.from(signedBytes({ ...body, signature }), 'utf8')),
  ).toString('base64');
  return { ...body, signature: { ...signature, value } };
};

/**
 * The manifest's own checks: its signature by the given key, then every file it lists present with
 * its SHA-256. `read` returns a file's bytes, or undefined when it is missing. Undefined when valid,
 * else the first failure, named.
 */
export const verifyAuditManifest = async (
  manifest: unknown,
  key: KeyObject,
  read: (path: string) => Promise<Buffer | undefined>,
): Promise<string | undefined> => {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
    return 'manifest.json is not a manifest';
  const doc = manifest as Partial<SignedAuditManifest>;
  if (doc.kind !== 'audit-export' || !Array.isArray(doc.files) || typeof doc.signature?.value !== 'string')
    return 'manifest.json is not a signed audit-export manifest';
  const fingerprint = publicKeySha256(key.export({ type: 'spki', format: 'der' }));
  if (doc.signature.publicKeySha256 !== fingerprint)
    return 'manifest.json was signed by another key than the one given';
  let ok = false;
  try {
    ok = verify(
      'sha256',
      Buffer.from(signedBytes(doc as SignedAuditManifest), 'utf8'),
      key,
      Buffer.from(doc.signature.value, 'base64'),
    );
  } catch {
    ok = false;
  }
  if (!ok) return 'manifest.json signature does not match its content (edited after signing)';
  for (const f of doc.files) {
    if (typeof f?.path !== 'string' || f.path.includes('..') || f.path.startsWith('/'))
      return 'manifest.json lists a file outside the export';
    const bytes = await read(f.path);
    if (!bytes) return `${f.path} is missing (the manifest lists it)`;
    if (sha256Hex(bytes) !== f.sha256)
      return `${f.path} does not match its SHA-256 in manifest.json (edited)`;
  }
  return undefined;
};
