/**
 * Self-serve audit exports (docs/audit.md, "Audit exports"): what an account's audit export holds
 * and how its manifest is signed and checked. The archive's layout is the one `verify-audit DIR`
 * reads, so an unpacked export verifies offline as it is:
 *
 *   range.json                    { accountId, from, to }
 *   events.jsonl                  the account's events in their disclosed form (audit-digest.ts):
 *                                 what the digests hash, line by line; staff, designers and other
 *                                 labs' users by pseudonym
 *   events.csv                    the same events for people, with the designers' countries
 *   processing-record.json        the account's record of processing for the range (GDPR Art 30(2))
 *   digests/global/<no>.json      the global digests of the runs that cover the range
 *   digests/accounts/<no>.json    the account's digests of those runs
 *   manifest.json                 filters, range, counts, each file's SHA-256; signed with the audit key
 *
 * Audit events hold no PHI by construction (ids and codes only, never a name, note or patient
 * reference: domain/audit.ts), so neither file can carry any.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { ValidationError } from '../kernel/errors';
import { type AuditRecord, disclosedForm, signedBytes } from './audit-digest';
import { type CertificateSigner, publicKeySha256 } from './certificate';
import type { ArchiveEntry } from './export';

/** The longest range one export covers. */
export const AUDIT_EXPORT_MAX_DAYS = 366;
export const AUDIT_MANIFEST_PATH = 'manifest.json';
export const AUDIT_RECORD_PATH = 'processing-record.json';

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
  'targetSub',
] as const;

/** RFC 4180: quoted when it holds a comma, quote or line break; a leading = + - @ is defused. */
const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * One event as a CSV row: its disclosed form (audit-digest.ts: the account's own users by `sub`,
 * staff, designers and other labs' users by pseudonym) and, for designers, the country the registry
 * gives now (not part of the event, so not covered by its digest).
 */
export const csvRow = (disclosed: Readonly<Record<string, unknown>>, country?: string): string => {
  const row: Record<string, unknown> = { ...disclosed, actorCountry: country };
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
  /**
   * The account's stored events with from ≤ at ≤ to, a page at a time. Called twice (the JSONL,
   * then the CSV): the second pass keeps only the events the first one wrote.
   */
  readonly events: () => AsyncIterable<readonly AuditRecord[]>;
  /** The covering digests (global first, then the account's), each fetched as it is written. */
  readonly digests: readonly { readonly path: string; readonly read: () => Promise<unknown> }[];
  /** A designer's country in the registry now (for the CSV), by their sub. */
  readonly countryOf?: (sub: string) => Promise<string | undefined>;
  /** The account's record of processing for the range (GDPR Art 30(2)), read when its turn comes. */
  readonly processingRecord?: () => Promise<unknown>;
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

const once = (bytes: Uint8Array): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    yield bytes;
  },
});

/**
 * The archive's entries, manifest last (signed with the audit key once every file is hashed).
 * Nothing is held whole: each events file is written a page at a time as it is read (hashed and
 * measured on the way), each digest is fetched when its turn comes. What stays in memory is the
 * set of write-order numbers of the events written (8 bytes each), so that the CSV lists exactly
 * the events of the JSONL even if a late write lands between the two passes.
 */
export async function* auditExportEntries(
  content: AuditExportContent,
  signer: CertificateSigner,
): AsyncGenerator<ArchiveEntry> {
  const files: { path: string; sizeBytes: number; sha256: string }[] = [];
  /** An entry whose bytes are hashed and counted as the archive pulls them. */
  const streamed = (
    path: string,
    chunks: () => AsyncIterable<Uint8Array>,
    compress = true,
  ): ArchiveEntry => ({
    path,
    compress,
    body: (async function* () {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of chunks()) {
        hash.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
      files.push({ path, sizeBytes: size, sha256: hash.digest('hex') });
    })(),
  });
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  const range = { accountId: content.accountId, from: content.from, to: content.to };
  yield streamed('range.json', () => once(json(range)));

  const written = new Set<number>();
  yield streamed('events.jsonl', async function* () {
    for await (const page of content.events()) {
      const lines: string[] = [];
      for (const event of page) {
        if (written.has(event.seq)) continue;
        written.add(event.seq);
        lines.push(`${JSON.stringify(disclosedForm(event))}\n`);
      }
      if (lines.length > 0) yield Buffer.from(lines.join(''));
    }
  });
  const countries = new Map<string, string | undefined>();
  const countryOf = async (event: AuditRecord) => {
    const sub = event.actorSub;
    if (event.actorRole !== 'designer' || typeof sub !== 'string' || !content.countryOf) return undefined;
    if (!countries.has(sub)) countries.set(sub, await content.countryOf(sub));
    return countries.get(sub);
  };
  yield streamed('events.csv', async function* () {
    yield Buffer.from(`${CSV_COLUMNS.join(',')}\r\n`);
    const listed = new Set<number>();
    for await (const page of content.events()) {
      const rows: string[] = [];
      for (const event of page) {
        if (!written.has(event.seq) || listed.has(event.seq)) continue;
        listed.add(event.seq);
        rows.push(csvRow(disclosedForm(event), await countryOf(event)));
      }
      if (rows.length > 0) yield Buffer.from(rows.join(''));
    }
  });
  const record = content.processingRecord;
  if (record)
    yield streamed(AUDIT_RECORD_PATH, async function* () {
      yield json(await record());
    });
  let globalDigests = 0;
  let accountDigests = 0;
  for (const digest of content.digests) {
    if (digest.path.startsWith('digests/global/')) globalDigests++;
    else accountDigests++;
    yield streamed(digest.path, async function* () {
      yield json(await digest.read());
    });
  }
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
    counts: { events: written.size, globalDigests, accountDigests },
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
