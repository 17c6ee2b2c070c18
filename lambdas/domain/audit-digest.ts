/**
 * Signed audit digests (docs/audit.md): what they hold, how they are hashed and signed, and how a
 * set of them and an account's events are checked offline. Pure: the sealer (audit-seal.ts) makes
 * them, the CLI's verify-audit checks them, with nothing but the files and the public key.
 *
 * Every event carries `seq`, its place in write order (taken from a counter before the write).
 * A digest run covers a range of those numbers: per account with events, an account digest
 * listing each event's seq, id, claimed time and SHA-256 (of its canonical JSON); and one global
 * digest per run, written even when nothing happened, listing each account digest's hash under a
 * tag of the account. Each digest names the previous one of its chain (hash and signature), so a
 * missing, edited or inserted digest or event breaks a check that names it.
 */
import { createHash, type KeyObject, verify } from 'node:crypto';
import { type CertificateSigner, canonicalJson, publicKeySha256 } from './certificate';

export { SEQUENCE_PARTITION_SIZE, sequencePartition, sequenceSortKey } from './audit-sequence';

/** Attributes of a stored audit item that are index keys, not the event: left out of its hash. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);

/** An audit event as stored, keys left out: what is hashed, and what an export lists. */
export type AuditRecord = Readonly<Record<string, unknown>> & {
  readonly eventId: string;
  readonly at: string;
  readonly accountId: string;
  readonly seq: number;
};

export const recordOf = (item: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k)));

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const LAB_ROLES = new Set(['lab', 'lab-admin']);

/**
 * A stable pseudonym for someone outside the event's account (staff, a designer, another lab's
 * user): the same person has the same one in every export and every digest, and it cannot be turned
 * back into their login (subs are random; the prefix keeps this use apart). 128 bits: it commits
 * to the sub as firmly as the event's hash commits to the rest.
 */
export const actorPseudonym = (role: string, sub: string): string =>
  sub === ''
    ? ''
    : `${role === 'designer' ? 'designer' : LAB_ROLES.has(role) ? 'lab' : 'staff'}-${sha256Hex(`caseline-audit-actor:${sub}`).slice(0, 32)}`;

/** Another lab's account, as an account's own trail names it: not its id (that would list a customer). */
export const accountPseudonym = (accountId: string): string =>
  `account-${sha256Hex(`caseline-audit-other-account:${accountId}`).slice(0, 32)}`;

/**
 * The **disclosed form** of an event: what its digest hashes and what an export or a fetch holds.
 * The account's own users keep their `sub` (`actor`) and account (`actorAccount`); staff and
 * designers are named by pseudonym with the staff account as it is; another lab's user (a refusal
 * against this account's orders) by pseudonym, with its account by pseudonym too. Every stored
 * attribute is still committed: each is kept or replaced by a hash of it. A form already disclosed
 * (no `actorSub`) is returned as it is, so the verifier hashes a stored event and a disclosed line
 * alike.
 */
export const disclosedForm = (stored: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const record = recordOf(stored);
  if (!('actorSub' in record)) return record;
  const { actorSub, actorAccountId, ...rest } = record;
  const role = String(record.actorRole ?? 'none');
  const sub = typeof actorSub === 'string' ? actorSub : '';
  const account = typeof actorAccountId === 'string' ? actorAccountId : '';
  const lab = LAB_ROLES.has(role);
  const own = lab && account === record.accountId;
  return {
    ...rest,
    actor: own ? sub : actorPseudonym(role, sub),
    actorAccount: own || !lab ? account : accountPseudonym(account),
  };
};

/** Hex SHA-256 of an event's disclosed form, as canonical JSON (index keys left out). */
export const eventSha256 = (record: Readonly<Record<string, unknown>>): string =>
  sha256Hex(canonicalJson(disclosedForm(record)));

/**
 * How a global digest names an account without listing the customer base in clear: the SHA-256
 * of `caseline-audit-account:<accountId>`. The account's own digests carry the same tag, which
 * is how a verifier finds the account's entry in each global digest.
 */
export const accountTag = (accountId: string): string => sha256Hex(`caseline-audit-account:${accountId}`);

export interface ChainLink {
  readonly digestNo: number;
  /** digestSha256 of the previous digest. */
  readonly sha256: string;
  /** Its signature.value. */
  readonly signature: string;
}

export interface DigestWindow {
  /** The previous run's `to`; null for the first run. */
  readonly from: string | null;
  readonly to: string;
}

export interface AccountDigestBody {
  readonly kind: 'account';
  readonly version: 1;
  readonly digestNo: number;
  readonly accountId: string;
  readonly accountTag: string;
  readonly window: DigestWindow;
  readonly count: number;
  /** In write order. */
  readonly events: readonly { seq: number; eventId: string; at: string; sha256: string }[];
  /** The account's previous digest (any earlier run), null for its first. */
  readonly previous: ChainLink | null;
}

export interface GlobalDigestBody {
  readonly kind: 'global';
  readonly version: 1;
  readonly digestNo: number;
  readonly window: DigestWindow;
  /** The write-order numbers this run reached: from the previous run's `through` + 1 to `through`. */
  readonly sequence: { readonly from: number; readonly through: number };
  /** Numbers in this range taken but not yet written (a write in flight): sealed by a later run. */
  readonly holesOpened: readonly number[];
  /** Holes of earlier runs whose event arrived and is sealed in this run. */
  readonly holesFilled: readonly number[];
  readonly holesOpen: number;
  readonly accounts: readonly { accountTag: string; sha256: string; count: number }[];
  /** The previous run's global digest, null for the first. */
  readonly previous: ChainLink | null;
}

export interface DigestSignature {
  readonly algorithm: 'ECDSA_SHA_256';
  readonly keyId: string;
  readonly publicKeySha256: string;
  /** Base64 DER ECDSA signature over the canonical JSON of the document without signature.value. */
  readonly value: string;
}

export type Signed<T> = T & { readonly signature: DigestSignature };
export type AccountDigest = Signed<AccountDigestBody>;
export type GlobalDigest = Signed<GlobalDigestBody>;
export type AuditDigest = AccountDigest | GlobalDigest;

/** The exact signed bytes: the canonical JSON of the whole document but signature.value. */
export const signedBytes = (doc: { readonly signature?: Partial<DigestSignature> }): string => {
  const { value: _value, ...signature } = doc.signature ?? {};
  return canonicalJson({ ...doc, signature });
};

/** Hex SHA-256 of the signed bytes: the same whoever re-signs the same content; what chains name. */
export const digestSha256 = (doc: { readonly signature?: Partial<DigestSignature> }): string =>
  sha256Hex(signedBytes(doc));

export const linkTo = (doc: AuditDigest): ChainLink => ({
  digestNo: doc.digestNo,
  sha256: digestSha256(doc),
  signature: doc.signature.value,
});

export const signDigest = async <T extends AccountDigestBody | GlobalDigestBody>(
  signer: CertificateSigner,
  body: T,
): Promise<Signed<T>> => {
  const publicKey = await signer.publicKeyDer();
  const signature = {
    algorithm: 'ECDSA_SHA_256' as const,
    keyId: signer.keyId(),
    publicKeySha256: publicKeySha256(publicKey),
  };
  const unsigned = { ...body, signature };
  const value = Buffer.from(await signer.sign(Buffer.from(signedBytes(unsigned), 'utf8'))).toString('base64');
  return { ...body, signature: { ...signature, value } };
};

const windowKey = (from: string | null) => from ?? '0000-00-00T00:00:00.000Z';
const digestNoKey = (n: number) => String(n).padStart(10, '0');

/** Object keys: listed by window start (the previous run's end), so a time range is a key range. */
export const globalDigestKey = (windowFrom: string | null, digestNo: number): string =>
  `global/${windowKey(windowFrom)}_${digestNoKey(digestNo)}.json`;
export const accountDigestKey = (accountId: string, windowFrom: string | null, digestNo: number): string =>
  `accounts/${accountId}/${windowKey(windowFrom)}_${digestNoKey(digestNo)}.json`;

// ---------------------------------------------------------------- offline verification

export interface AuditBundle {
  /** What was asked for: the account and the time range. */
  readonly accountId: string;
  /** The range the digests must cover, without a gap at either end. */
  readonly range?: { readonly from: string; readonly to: string };
  readonly globals: readonly unknown[];
  readonly accounts: readonly unknown[];
  readonly events: readonly Readonly<Record<string, unknown>>[];
}

export type BundleCheck =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const signatureValid = (
  doc: Record<string, unknown>,
  key: KeyObject,
  fingerprint: string,
): string | undefined => {
  const signature = doc.signature;
  if (!isObject(signature) || typeof signature.value !== 'string') return 'has no signature';
  if (signature.publicKeySha256 !== fingerprint) return 'was signed by another key than the one given';
  let ok = false;
  try {
    ok = verify(
      'sha256',
      Buffer.from(signedBytes(doc as { signature: DigestSignature }), 'utf8'),
      key,
      Buffer.from(signature.value, 'base64'),
    );
  } catch {
    ok = false;
  }
  return ok ? undefined : 'signature does not match its content (edited after signing)';
};

const fail = (message: string): BundleCheck => ({ ok: false, message: `INVALID: ${message}` });

/**
 * Checks, in this order, and stops at the first failure, naming it: every digest's signature;
 * the global chain (consecutive numbers, each naming the one before, windows and write-order
 * ranges joined with no gap); each account digest listed in its run's global digest, and the
 * account's own chain; every run whose global digest lists the account has its account digest;
 * every event listed by a digest is present with the same SHA-256; every event present is listed.
 */
export const verifyAuditBundle = (bundle: AuditBundle, publicKey: KeyObject): BundleCheck => {
  const fingerprint = publicKeySha256(publicKey.export({ type: 'spki', format: 'der' }));
  const tag = accountTag(bundle.accountId);
  const globals: GlobalDigest[] = [];
  for (const doc of bundle.globals) {
    if (!isObject(doc) || doc.kind !== 'global' || typeof doc.digestNo !== 'number')
      return fail('a global digest file is not a global digest');
    const bad = signatureValid(doc, publicKey, fingerprint);
    if (bad) return fail(`global digest #${doc.digestNo} ${bad}`);
    globals.push(doc as unknown as GlobalDigest);
  }
  if (globals.length === 0) return fail('no global digest covers the range');
  globals.sort((a, b) => a.digestNo - b.digestNo);
  for (let i = 1; i < globals.length; i++) {
    const prev = globals[i - 1] as GlobalDigest;
    const cur = globals[i] as GlobalDigest;
    if (cur.digestNo !== prev.digestNo + 1)
      return fail(
        `global digest #${prev.digestNo + 1} is missing (#${prev.digestNo} is followed by #${cur.digestNo})`,
      );
    const link = cur.previous;
    if (!link || link.sha256 !== digestSha256(prev) || link.signature !== prev.signature.value)
      return fail(
        `global digest #${cur.digestNo} does not chain to global digest #${prev.digestNo} (that digest was replaced)`,
      );
    if (cur.window.from !== prev.window.to || cur.sequence.from !== prev.sequence.through + 1)
      return fail(`global digest #${cur.digestNo} leaves a gap after global digest #${prev.digestNo}`);
  }
  const byNo = new Map(globals.map((g) => [g.digestNo, g]));
  const first = globals[0] as GlobalDigest;
  const last = globals[globals.length - 1] as GlobalDigest;
  // The first run ever covers all that came before it; any other must start by the range's start.
  if (bundle.range && first.previous !== null && (first.window.from ?? '') > bundle.range.from)
    return fail(
      `global digest #${first.digestNo - 1} is missing: the digests start at ${first.window.from}, after ${bundle.range.from}`,
    );
  if (bundle.range && last.window.to < bundle.range.to)
    return fail(
      `the digests end at ${last.window.to}, before ${bundle.range.to}: global digest #${last.digestNo + 1} is missing (or not written yet)`,
    );

  const accounts: AccountDigest[] = [];
  for (const doc of bundle.accounts) {
    if (!isObject(doc) || doc.kind !== 'account' || typeof doc.digestNo !== 'number')
      return fail('an account digest file is not an account digest');
    const bad = signatureValid(doc, publicKey, fingerprint);
    if (bad) return fail(`account digest #${doc.digestNo} ${bad}`);
    const digest = doc as unknown as AccountDigest;
    if (digest.accountId !== bundle.accountId || digest.accountTag !== tag)
      return fail(`account digest #${digest.digestNo} is another account's`);
    const run = byNo.get(digest.digestNo);
    if (!run) return fail(`account digest #${digest.digestNo} is outside the global digests given`);
    if (!run.accounts.some((a) => a.accountTag === tag && a.sha256 === digestSha256(digest)))
      return fail(
        `account digest #${digest.digestNo} is not the one global digest #${digest.digestNo} lists (replaced)`,
      );
    accounts.push(digest);
  }
  accounts.sort((a, b) => a.digestNo - b.digestNo);
  const accountByNo = new Map(accounts.map((a) => [a.digestNo, a]));
  for (const run of globals) {
    if (run.accounts.some((a) => a.accountTag === tag) && !accountByNo.has(run.digestNo))
      return fail(
        `account digest #${run.digestNo} of ${bundle.accountId} is missing (global digest #${run.digestNo} lists one)`,
      );
  }
  for (const digest of accounts) {
    const link = digest.previous;
    if (!link || link.digestNo < first.digestNo) continue;
    const prev = accountByNo.get(link.digestNo);
    if (!prev || link.sha256 !== digestSha256(prev) || link.signature !== prev.signature.value)
      return fail(`account digest #${digest.digestNo} does not chain to account digest #${link.digestNo}`);
  }

  const events = new Map<number, Readonly<Record<string, unknown>>>();
  for (const event of bundle.events) {
    const seq = event.seq;
    const name = `event ${String(event.eventId ?? '?')}`;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq))
      return fail(`${name} has no write-order number: inserted`);
    if (events.has(seq))
      return fail(`${name} and another event both claim write-order number ${seq}: inserted`);
    events.set(seq, event);
  }
  const listed = new Set<number>();
  for (const digest of accounts) {
    for (const leaf of digest.events) {
      listed.add(leaf.seq);
      const event = events.get(leaf.seq);
      if (!event)
        return fail(
          `event ${leaf.eventId} (seq ${leaf.seq}, at ${leaf.at}) listed by account digest #${digest.digestNo} is missing: deleted`,
        );
      if (eventSha256(event) !== leaf.sha256)
        return fail(
          `event ${String(event.eventId)} (seq ${leaf.seq}) does not match its hash in account digest #${digest.digestNo}: edited or swapped`,
        );
    }
  }
  for (const [seq, event] of [...events].sort(([a], [b]) => a - b)) {
    if (!listed.has(seq))
      return fail(
        `event ${String(event.eventId)} (seq ${seq}) is in no digest${seq > last.sequence.through ? ' given (not sealed yet?)' : ''}: inserted`,
      );
  }
  const count = accounts.reduce((n, d) => n + d.count, 0);
  return {
    ok: true,
    message: `OK: ${count} events of ${bundle.accountId} in ${accounts.length} account digests, chained through global digests #${first.digestNo}–#${last.digestNo} (${first.window.from ?? 'start'} to ${last.window.to}, write order ${first.sequence.from}–${last.sequence.through}); every signature by key ${fingerprint.slice(0, 16)}…`,
  };
};
