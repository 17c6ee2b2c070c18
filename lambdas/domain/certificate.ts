/**
 * Deletion certificates: what a purge removed, signed so that a lab (or its auditor) can check it
 * with nothing but our public key, years later, without trusting us or any AWS API.
 *
 * What is signed is the whole document but `signature.value`, in `canonicalJson` form (keys sorted,
 * no whitespace): see signedBytes. A stored certificate may be pretty-printed or re-ordered by any
 * tool and still verify, while any change to a value, or a field added or removed, anywhere in the
 * file, does not. The signature is ECDSA P-256 over SHA-256 in DER (what KMS's ECDSA_SHA_256
 * returns), so `openssl dgst -sha256 -verify` checks it too.
 *
 * Verification checks, in this order, and says which one failed: the document's shape (strict:
 * an added field is refused by name, a removed one is named as missing), the public key, the
 * signature's encoding, and the ECDSA signature. When that fails, the signed fingerprint of the
 * signing key tells "another key" from "changed content".
 *
 * Certificates go to labs and are kept for good, so they hold ids, object keys (server-chosen,
 * never file names), sizes, hashes and attribute names only; the schema refuses free text where
 * PHI could slip in.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import * as z from 'zod/mini';
import { canonicalJson } from './canonical-json';

export interface DeletedObject {
  key: string;
  versionId?: string;
  sizeBytes: number;
  sha256?: string;
  deleteMarker?: boolean;
}

export interface DeletionCertificate {
  certificateId: string;
  kind: 'order' | 'account-summary';
  accountId: string;
  /** Required for 'order', absent for 'account-summary'. */
  orderId?: string;
  reason: 'retention-expired' | 'lab-request' | 'account-termination';
  /** ISO 8601 (UTC, milliseconds), from the injected clock. */
  deletedAt: string;
  /** What did the deleting, e.g. 'caseline purge-sweep'. */
  process: string;
  /** Every object version and delete marker removed (for 'order'; may be empty for 'account-summary'). */
  objects: DeletedObject[];
  /** Attribute names removed from the order record, e.g. patientRef, notes, file names. */
  recordsAnonymised: string[];
  /** After this instant no S3 noncurrent version, PITR restore point or backup can still hold the data: see backupsClearBy. */
  backupsClearBy: string;
  /** Required for 'account-summary', absent for 'order'. `sha256`: signedCertificateSha256 of that order's certificate. */
  orderCertificates?: { orderId: string; certificateId: string; sha256: string }[];
  /**
   * 'account-summary' only: the account's own KMS key (its ARN), which held its PHI fields and case
   * files, and the instant KMS deletes it, after which no copy of the account's data can be
   * decrypted. Absent from summaries signed before accounts had keys, and for an account that had none.
   */
  accountKey?: { keyId: string; deletionDate: string };
}

export interface SignedCertificate {
  certificate: DeletionCertificate;
  signature: {
    algorithm: 'ECDSA_SHA_256';
    /** The KMS key that signed (its ARN when KMS told us). Informative: the public key decides. */
    keyId: string;
    /**
     * Hex SHA-256 of the signing key's DER SubjectPublicKeyInfo (`openssl pkey -pubin -outform DER |
     * sha256sum`). Lets a verifier say "wrong key" rather than "changed"; not itself trusted.
     */
    publicKeySha256: string;
    /** Base64 of the DER-encoded ECDSA signature over the canonical JSON of the whole document without `signature.value` (docs/certificates.md). */
    value: string;
  };
}

/** Days each kind of copy can outlive a deletion. `BACKUP_WINDOWS` in common/definitions.ts fits. */
export interface BackupWindows {
  /** S3 lifecycle: noncurrent versions expire this many days after they became noncurrent. */
  readonly noncurrentVersionDays: number;
  /** DynamoDB point-in-time recovery window. */
  readonly pointInTimeRecoveryDays: number;
  /** AWS Backup recovery points' retention, when a backup plan also copies the tables. */
  readonly backupPlanDays?: number;
}

/** Signs bytes with an ECDSA P-256 key: KMS in production, a node:crypto key in unit tests. */
export interface CertificateSigner {
  /** The key that made the latest signature (a KMS key ARN), or the configured id before any. */
  keyId(): string;
  /** DER-encoded ECDSA_SHA_256 signature of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** DER SubjectPublicKeyInfo of the signing key. */
  publicKeyDer(): Promise<Uint8Array>;
}

export type VerificationFailure =
  /** Not JSON, not an object, or a field of the wrong type or value. */
  | 'MALFORMED'
  /** A field the certificate must have is missing (removed after signing, or never there). */
  | 'FIELD_MISSING'
  /** A field that is no part of a certificate (added after signing). */
  | 'FIELD_UNEXPECTED'
  /** The public key given cannot be read, or is not an ECDSA P-256 public key. */
  | 'BAD_PUBLIC_KEY'
  /** signature.value is not base64 of a DER ECDSA signature. */
  | 'BAD_SIGNATURE_ENCODING'
  /** The certificate says it was signed by another key than the one given. */
  | 'WRONG_KEY'
  /** The signature does not match the content: a value changed, or the signature is another document's. */
  | 'SIGNATURE_MISMATCH';

export type VerificationResult =
  | { valid: true; certificate: DeletionCertificate }
  | { valid: false; code: VerificationFailure; reason: string };

/** The certificate handed to signCertificate breaks the certificate schema; `issues` says where. */
export class InvalidCertificateError extends Error {
  override readonly name = 'InvalidCertificateError';
  constructor(
    readonly issues: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`Deletion certificate not signed: ${issues.join('; ')}`, options);
  }
}

/** The signer failed, or produced a signature that its own public key does not verify. */
export class CertificateSigningError extends Error {
  override readonly name = 'CertificateSigningError';
}

export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

// ---------------------------------------------------------------- canonical form

// canonicalJson lives in its own module (no node: imports), so the console verifies in the browser.
export { canonicalJson };

/**
 * Hex SHA-256 of a signed certificate's canonical form, signature included: what an account
 * summary lists per order, pinning the exact signed file however it was since re-formatted.
 */
export const signedCertificateSha256 = (signed: SignedCertificate): string =>
  createHash('sha256').update(canonicalJson(signed), 'utf8').digest('hex');

/** Hex SHA-256 of a DER SubjectPublicKeyInfo: the key fingerprint a signed certificate carries. */
export const publicKeySha256 = (spkiDer: Uint8Array): string =>
  createHash('sha256').update(spkiDer).digest('hex');

// ---------------------------------------------------------------- backups

const DAY_MS = 86_400_000;

/**
 * The instant after which no copy of purged data can remain: deletedAt plus the longest window
 * (S3 noncurrent-version expiry, DynamoDB PITR, AWS Backup retention), rounded up to the next
 * midnight UTC, because S3 rounds a lifecycle expiry to midnight UTC of the following day.
 * Rounding is never earlier than the exact sum, so the date errs late, never early.
 */
export const backupsClearBy = (deletedAt: Date, windows: BackupWindows): string => {
  const start = deletedAt.getTime();
  if (!Number.isFinite(start)) throw new RangeError('backupsClearBy: deletedAt is not a valid date');
  const days = [windows.noncurrentVersionDays, windows.pointInTimeRecoveryDays, windows.backupPlanDays ?? 0];
  for (const d of days) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`backupsClearBy: retention windows are whole days ≥ 0, got ${d}`);
    }
  }
  const exact = start + Math.max(...days) * DAY_MS;
  return new Date((Math.floor(exact / DAY_MS) + 1) * DAY_MS).toISOString();
};

// ---------------------------------------------------------------- schema

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// Ids are generated (ord_…, cert_…, account ids): no spaces, so no names or notes.
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// Attribute names, e.g. patientRef, files[].nameCipher: never values.
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.[\]-]{0,99}$/;
// S3 keys are server-chosen ids (orders/<orderId>/inputs/<fileId>.<ext>); no control characters.
const OBJECT_KEY = /^[^\p{Cc}]{1,1024}$/u;
// arn:<partition>:kms:<region>:<12-digit account>:key/<key id> (a UUID, or mrk-<32 hex> for multi-Region keys).
const KMS_KEY_ARN =
  /^arn:aws[a-z-]{0,20}:kms:[a-z0-9-]{1,30}:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// zod/mini, with every message given here: no locale is loaded, so none comes from zod.
const instant = z.string().check(
  z.regex(ISO_INSTANT, { error: 'must be an ISO 8601 UTC instant such as 2026-01-05T09:00:00.000Z' }),
  z.refine((s: string) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, {
    error: 'is not a real date',
  }),
);
const id = z.string().check(z.regex(ID, { error: 'must be an id (letters, digits, . _ : -)' }));
const sha256 = z
  .string()
  .check(z.regex(SHA256_HEX, { error: 'must be 64 lowercase hexadecimal characters' }));
const oneOf = <const T extends readonly string[]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const DeletedObjectSchema = z.strictObject({
  key: z.string().check(z.regex(OBJECT_KEY, { error: 'must be an S3 object key' })),
  versionId: z.optional(
    z
      .string()
      .check(
        z.minLength(1, { error: 'must be 1 to 1024 characters' }),
        z.maxLength(1024, { error: 'must be 1 to 1024 characters' }),
      ),
  ),
  sizeBytes: z.number().check(
    z.refine((n: number) => Number.isSafeInteger(n) && n >= 0, {
      error: 'must be a whole number of bytes, 0 or more',
    }),
  ),
  sha256: z.optional(sha256),
  deleteMarker: z.optional(z.boolean()),
});

const CertificateSchema = z
  .strictObject({
    certificateId: id,
    kind: oneOf(['order', 'account-summary']),
    accountId: id,
    orderId: z.optional(id),
    reason: oneOf(['retention-expired', 'lab-request', 'account-termination']),
    deletedAt: instant,
    process: z
      .string()
      .check(z.regex(/^[\x20-\x7e]{1,100}$/, { error: 'must be 1 to 100 printable ASCII characters' })),
    objects: z.array(DeletedObjectSchema),
    recordsAnonymised: z.array(z.string().check(z.regex(ATTRIBUTE, { error: 'must be an attribute name' }))),
    backupsClearBy: instant,
    orderCertificates: z.optional(z.array(z.strictObject({ orderId: id, certificateId: id, sha256 }))),
    accountKey: z.optional(
      z.strictObject({
        keyId: z.string().check(z.regex(KMS_KEY_ARN, { error: 'must be a KMS key ARN' })),
        deletionDate: instant,
      }),
    ),
  })
  .check(
    z.superRefine((c, ctx) => {
      const missing = (field: string, why: string) =>
        ctx.addIssue({ code: 'custom', path: [field], message: why, params: { missing: true } });
      const unexpected = (field: string, why: string) =>
        ctx.addIssue({ code: 'custom', path: [field], message: why, params: { unexpected: true } });
      if (c.kind === 'order') {
        if (c.orderId === undefined) missing('orderId', 'an order certificate names its order');
        if (c.orderCertificates !== undefined)
          unexpected('orderCertificates', 'only an account summary lists order certificates');
        if (c.accountKey !== undefined)
          unexpected('accountKey', "only an account summary states the account's key");
      } else {
        if (c.orderId !== undefined) unexpected('orderId', 'an account summary covers every order');
        if (c.orderCertificates === undefined)
          missing('orderCertificates', 'an account summary lists its order certificates');
      }
      if (c.accountKey && c.accountKey.deletionDate < c.deletedAt) {
        ctx.addIssue({
          code: 'custom',
          path: ['accountKey', 'deletionDate'],
          message: 'is before deletedAt',
        });
      }
      if (c.backupsClearBy < c.deletedAt) {
        ctx.addIssue({ code: 'custom', path: ['backupsClearBy'], message: 'is before deletedAt' });
      }
      const seen = new Set<string>();
      c.objects.forEach((o, i) => {
        const identity = `${o.key}\u0000${o.versionId ?? ''}`;
        if (seen.has(identity))
          ctx.addIssue({ code: 'custom', path: ['objects', i], message: 'lists an object version twice' });
        seen.add(identity);
      });
      const orders = new Set<string>();
      c.orderCertificates?.forEach((o, i) => {
        if (orders.has(o.orderId))
          ctx.addIssue({ code: 'custom', path: ['orderCertificates', i], message: 'lists an order twice' });
        orders.add(o.orderId);
      });
    }),
  );

const SignedCertificateSchema = z.strictObject({
  certificate: CertificateSchema,
  signature: z.strictObject({
    algorithm: z.literal(SIGNING_ALGORITHM, { error: `must be ${SIGNING_ALGORITHM}` }),
    keyId: z
      .string()
      .check(
        z.minLength(1, { error: 'must be 1 to 2048 characters' }),
        z.maxLength(2048, { error: 'must be 1 to 2048 characters' }),
      ),
    publicKeySha256: sha256,
    value: z
      .string()
      .check(z.minLength(1, { error: 'must be base64' }), z.regex(BASE64, { error: 'must be base64' })),
  }),
});

interface Issue {
  readonly kind: 'missing' | 'unexpected' | 'invalid';
  readonly text: string;
}

const formatPath = (path: readonly PropertyKey[], root = ''): string =>
  path.reduce<string>(
    (out, part) =>
      typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part),
    root,
  );

const valueAt = (value: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (v, part) =>
      v !== null && typeof v === 'object' && Object.hasOwn(v, part)
        ? (v as Record<PropertyKey, unknown>)[part]
        : undefined,
    value,
  );

const issuesOf = (error: z.core.$ZodError, input: unknown, root = ''): Issue[] =>
  error.issues.flatMap((issue): Issue[] => {
    const where = formatPath(issue.path, root);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        kind: 'unexpected',
        text: `unexpected field ${formatPath([key], where)}: a signed certificate has no such field`,
      }));
    }
    const params = issue.code === 'custom' ? (issue.params ?? {}) : {};
    if (params.unexpected)
      return [{ kind: 'unexpected', text: `unexpected field ${where}: ${issue.message}` }];
    if (params.missing || (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined)) {
      return [
        { kind: 'missing', text: `missing field ${where}${params.missing ? `: ${issue.message}` : ''}` },
      ];
    }
    const message = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
    return [{ kind: 'invalid', text: `${where} ${message.replace(/^Invalid input: /, '')}` }];
  });

// ---------------------------------------------------------------- signing

/**
 * The bytes a signature covers: the whole signed document except `signature.value`, in canonical
 * form. The certificate and the signature's header (algorithm, key id, key fingerprint) are thus
 * all protected: no field of a stored certificate can change without the signature failing.
 * A third party rebuilds them with `jq -cS 'del(.signature.value)' FILE | tr -d '\n'`.
 */
export const signedBytes = (
  certificate: DeletionCertificate,
  header: Omit<SignedCertificate['signature'], 'value'>,
): Buffer =>
  Buffer.from(
    canonicalJson({
      certificate,
      signature: {
        algorithm: header.algorithm,
        keyId: header.keyId,
        publicKeySha256: header.publicKeySha256,
      },
    }),
    'utf8',
  );

/**
 * Checks the certificate against the schema verifiers apply, signs it, and checks the signature
 * with the signer's public key before returning, so a certificate that would not verify (a key
 * swapped behind an alias, a broken digest path) is never handed out.
 * The returned certificate is exactly what was signed: keys sorted, undefined properties dropped.
 */
export const signCertificate = async (
  signer: CertificateSigner,
  certificate: DeletionCertificate,
): Promise<SignedCertificate> => {
  const parsed = CertificateSchema.safeParse(certificate);
  if (!parsed.success) {
    throw new InvalidCertificateError(issuesOf(parsed.error, certificate, 'certificate').map((i) => i.text));
  }
  const stored = JSON.parse(canonicalJson(certificate)) as DeletionCertificate;
  const publicKey = await signer.publicKeyDer();
  const header = {
    algorithm: SIGNING_ALGORITHM,
    keyId: signer.keyId(),
    publicKeySha256: publicKeySha256(publicKey),
  } as const;
  const value = await signer.sign(signedBytes(stored, header));
  const signed: SignedCertificate = {
    certificate: stored,
    signature: { ...header, value: Buffer.from(value).toString('base64') },
  };
  const check = verifyCertificate(signed, publicKey);
  if (!check.valid) {
    throw new CertificateSigningError(
      `Key ${header.keyId} produced a deletion certificate signature that does not verify (${check.code}): ${check.reason}`,
    );
  }
  return signed;
};

// ---------------------------------------------------------------- verification

/** A P-256 public key from a KeyObject, DER SubjectPublicKeyInfo or PEM; throws with what it is instead. */
export const readPublicKey = (publicKey: KeyObject | Uint8Array | string): KeyObject => {
  const key =
    typeof publicKey === 'string'
      ? createPublicKey(publicKey)
      : publicKey instanceof Uint8Array
        ? createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' })
        : publicKey.type === 'private'
          ? createPublicKey(publicKey)
          : publicKey;
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ec') {
    throw new Error(`it is a ${key.asymmetricKeyType ?? key.type} key, not an ECDSA key`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') throw new Error(`it is on curve ${curve ?? 'unknown'}, not P-256`);
  return key;
};

/** True when `der` is SEQUENCE { INTEGER r, INTEGER s } in minimal DER, as KMS and OpenSSL write it. */
const isDerEcdsaSignature = (der: Buffer): boolean => {
  const integer = (at: number): number | undefined => {
    if (der[at] !== 0x02) return undefined;
    const length = der[at + 1];
    if (length === undefined || length < 1 || length > 33 || at + 2 + length > der.length) return undefined;
    const first = der[at + 2] ?? 0;
    if (first & 0x80) return undefined; // negative
    if (first === 0 && length > 1 && !((der[at + 3] ?? 0) & 0x80)) return undefined; // not minimal
    return at + 2 + length;
  };
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2) return false;
  const afterR = integer(2);
  return afterR !== undefined && integer(afterR) === der.length;
};

const fail = (code: VerificationFailure, reason: string): VerificationResult => ({
  valid: false,
  code,
  reason,
});

/**
 * Checks a signed certificate (parsed JSON, or its JSON text) against a public key (KeyObject, DER
 * SubjectPublicKeyInfo, or PEM). Never throws: every failure comes back with a code and a reason
 * a person can act on. On success it returns the certificate that was checked.
 */
export const verifyCertificate = (
  signed: unknown,
  publicKey: KeyObject | Uint8Array | string,
): VerificationResult => {
  let document = signed;
  if (typeof signed === 'string') {
    try {
      document = JSON.parse(signed);
    } catch (error) {
      return fail('MALFORMED', `the document is not JSON (${(error as Error).message})`);
    }
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return fail('MALFORMED', 'the document is not a signed certificate: expected { certificate, signature }');
  }

  const parsed = SignedCertificateSchema.safeParse(document);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error, document, '');
    const code: VerificationFailure = issues.some((i) => i.kind === 'unexpected')
      ? 'FIELD_UNEXPECTED'
      : issues.some((i) => i.kind === 'missing')
        ? 'FIELD_MISSING'
        : 'MALFORMED';
    const shown = issues.slice(0, 5).map((i) => i.text);
    const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
    return fail(code, `${shown.join('; ')}${more}`);
  }
  // Verify what was stored, not zod's copy of it: the schema is strict, so they hold the same fields.
  const { certificate, signature } = document as SignedCertificate;

  let key: KeyObject;
  try {
    key = readPublicKey(publicKey);
  } catch (error) {
    return fail('BAD_PUBLIC_KEY', `the public key cannot be used: ${(error as Error).message}`);
  }

  const value = Buffer.from(signature.value, 'base64');
  if (!isDerEcdsaSignature(value)) {
    return fail('BAD_SIGNATURE_ENCODING', 'signature.value is not a DER-encoded ECDSA P-256 signature');
  }

  if (verify('sha256', signedBytes(certificate, signature), { key, dsaEncoding: 'der' }, value)) {
    return { valid: true, certificate };
  }
  // The fingerprint is signed too, so it only tells the two failures apart; the ECDSA check decided.
  const given = publicKeySha256(key.export({ format: 'der', type: 'spki' }));
  if (given !== signature.publicKeySha256) {
    return fail(
      'WRONG_KEY',
      `the certificate says it was signed by another key (${signature.keyId}, public key SHA-256 ${signature.publicKeySha256}) than the one given (SHA-256 ${given})`,
    );
  }
  return fail(
    'SIGNATURE_MISMATCH',
    'the signature does not match the certificate: a value was changed or a field removed after signing, or the signature belongs to another certificate',
  );
};
