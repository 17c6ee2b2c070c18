/**
 * The S3 stand-in: the S3 REST API (path-style) on node:http, with the rules the deployed
 * case-files bucket applies, so the local stack is never more lenient than AWS:
 *
 * - SigV4 on every request (Authorization header or presigned query); anonymous requests are
 *   AccessDenied, as Block Public Access and the bucket policy make them; time is the stack's clock.
 * - x-amz-checksum-* (CRC32, CRC32C, SHA1, SHA256), Content-MD5 and x-amz-content-sha256 verified
 *   against the body, for single PUTs and each part; composite checksums on completion.
 * - Versioning (version ids, delete markers, ListObjectVersions, versionId on GET/HEAD/DELETE,
 *   DeleteObjects with versions); Object Lock (COMPLIANCE and GOVERNANCE retention, legal hold).
 * - SSE-KMS through the KMS stand-in, over the wire: each object's data key comes from
 *   GenerateDataKey under the key named (encryption context aws:s3:arn) and is decrypted on every
 *   read, so a disabled key or one pending deletion makes the object unreadable, as on AWS.
 * - The bucket policy's encryption rule: a PUT asking for another key or another algorithm is denied.
 *
 * - CORS as S3 evaluates a bucket's rules (common/console.ts): a preflight (OPTIONS, unsigned) is
 *   answered 403 unless a rule allows its origin, method and every requested header; an actual
 *   request from an allowed origin gets Access-Control-Allow-Origin and the exposed headers, one
 *   from any other origin gets none (the browser then withholds the answer).
 *
 * Not evaluated: IAM policies (asserted on the CDK template instead), ACLs, lifecycle rules,
 * replication, CopyObject, virtual-hosted-style addressing.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, pipeline, Transform } from 'node:stream';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { CorsRule } from '../../common/console';
import type { Clock } from '../../lambdas/kernel/clock';
import { type BodyStream, bodyStream, readAll } from './body';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  DIGEST_BYTES,
  digestOf,
  type Hasher,
  hasher,
  isChecksumAlgorithm,
} from './checksums';
import { S3Error } from './errors';
import { type Authorization, authorize, type Credentials } from './sigv4';
import {
  type Bucket,
  type BucketConfig,
  type Checksum,
  type Encryption,
  type Lock,
  type LockMode,
  newId,
  type Part,
  S3Store,
  type Sealed,
  type StoredVersion,
  type Upload,
} from './store';
import {
  child,
  childText,
  MalformedXmlError,
  parseXml,
  type XmlChild,
  type XmlElement,
  xmlDocument,
} from './xml';

export interface S3ServerOptions {
  host: string;
  port: number;
  region: string;
  credentials: Credentials;
  clock: Clock;
  /** The KMS stand-in, reached with the SDK like any other client. */
  kmsEndpoint: string;
  /** Metadata journal and encrypted bodies; omit to keep everything in memory. */
  dir?: string;
  /** Buckets that exist from the start (created if missing). */
  buckets?: readonly Omit<BucketConfig, 'created'>[];
}

export interface S3Server {
  readonly endpoint: string;
  /** A bucket's CORS rules (PutBucketCors); none means S3's default: every cross-origin request refused. */
  setCors(bucketName: string, rules: readonly CorsRule[]): void;
  close(): Promise<void>;
}

/** The rule S3 applies: the first whose origin, method and (for a preflight) every header match. */
export const matchCors = (
  rules: readonly CorsRule[],
  origin: string,
  method: string,
  requestHeaders: readonly string[],
): CorsRule | undefined =>
  rules.find(
    (rule) =>
      (rule.allowedOrigins.includes(origin) || rule.allowedOrigins.includes('*')) &&
      (rule.allowedMethods as readonly string[]).includes(method) &&
      requestHeaders.every(
        (h) => rule.allowedHeaders.includes('*') || rule.allowedHeaders.includes(h.toLowerCase()),
      ),
  );

/** At most this many headers in one preflight: the list is bounded before it is split. */
const MAX_CORS_REQUEST_HEADERS = 2048;

const MAX_SINGLE_PUT = 5 * 1024 ** 3;
const MIN_PART = 5 * 1024 ** 2;
const MAX_PARTS = 10_000;
const MAX_XML_BODY = 2 * 1024 * 1024;
const MAX_DELETE_KEYS = 1000;
const MAX_KEY_BYTES = 1024;
const OWNER: XmlChild = [
  'Owner',
  [
    ['ID', '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a'],
    ['DisplayName', 'caseline-local'],
  ],
];
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Headers = IncomingMessage['headers'];
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

const quote = (hex: string) => `"${hex}"`;
const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, '');
const httpDate = (iso: string) => new Date(iso).toUTCString();
const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}.000Z`;
const s3Encode = (value: string, url: boolean) =>
  url
    ? encodeURIComponent(value)
        .replace(/%2F/g, '/')
        .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : value;

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  bucketName: string;
  key: string;
  query: Map<string, string>;
  auth: Authorization;
  now: Date;
  requestId: string;
}

/** AES-256-GCM under a data key; the tag is kept with the metadata. */
const seal = (key: Buffer) => {
  const iv = randomBytes(12);
  return { iv, cipher: createCipheriv('aes-256-gcm', key, iv) };
};

/** Passes on bytes [start, end] of what flows through it. */
const slice = (start: number, end: number) => {
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(start - offset, 0);
      const to = Math.min(end + 1 - offset, chunk.length);
      offset += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
};

export const startS3Server = async (opts: S3ServerOptions): Promise<S3Server> => {
  const store = new S3Store(opts.dir);
  const kms = new KMSClient({
    endpoint: opts.kmsEndpoint,
    region: opts.region,
    credentials: { ...opts.credentials },
    maxAttempts: 1,
  });
  for (const bucket of opts.buckets ?? []) {
    if (!store.buckets.has(bucket.name))
      store.putBucket({ ...bucket, created: opts.clock.now().toISOString() });
  }

  const bucketOf = (name: string): Bucket => {
    const bucket = store.buckets.get(name);
    if (!bucket) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist');
    return bucket;
  };

  // ---- encryption -------------------------------------------------------------------------

  const kmsError = (error: unknown): S3Error => {
    const name = (error as { name?: string })?.name ?? 'Error';
    const message = (error as { message?: string })?.message ?? '';
    if (name === 'DisabledException')
      return new S3Error('KMS.DisabledException', message || 'The key is disabled.');
    if (name === 'KMSInvalidStateException')
      return new S3Error('KMS.KMSInvalidStateException', message || 'The key is not usable.');
    if (name === 'NotFoundException')
      return new S3Error('KMS.NotFoundException', `Invalid keyId ${message}`.trim());
    return new S3Error('KMSAccessDenied', 'Access Denied');
  };

  /** Which encryption a write asks for, after the bucket policy's rule; nothing is generated yet. */
  const encryptionRequest = (bucket: Bucket, key: string, headers: Headers) => {
    const sse = header(headers, 'x-amz-server-side-encryption');
    const kmsKey = header(headers, 'x-amz-server-side-encryption-aws-kms-key-id');
    if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
      throw new S3Error('InvalidArgument', 'The encryption method specified is not supported');
    }
    if (kmsKey !== undefined && sse !== 'aws:kms') {
      throw new S3Error(
        'InvalidArgument',
        'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      );
    }
    const customerKey = header(headers, 'x-amz-server-side-encryption-customer-algorithm');
    if (
      bucket.requiredKmsKeyId &&
      ((sse !== undefined && sse !== 'aws:kms') ||
        (sse === 'aws:kms' &&
          kmsKey !== bucket.requiredKmsKeyId &&
          !(bucket.allowedKmsKeyPrefix && kmsKey?.startsWith(bucket.allowedKmsKeyPrefix))) ||
        customerKey !== undefined)
    ) {
      // The bucket policy's explicit deny: another algorithm, another key (aws:kms alone means
      // aws/s3), or a customer-provided key (SSE-C).
      throw new S3Error('AccessDenied', 'Access Denied');
    }
    const algorithm = sse ?? (bucket.defaultKmsKeyId ? 'aws:kms' : 'AES256');
    const keyId =
      algorithm === 'aws:kms' ? (kmsKey ?? (sse ? 'alias/aws/s3' : bucket.defaultKmsKeyId)) : undefined;
    const bucketKeyHeader = header(headers, 'x-amz-server-side-encryption-bucket-key-enabled');
    const bucketKey =
      algorithm === 'aws:kms' &&
      (bucketKeyHeader === undefined ? Boolean(bucket.defaultKmsKeyId) : bucketKeyHeader === 'true');
    const context = bucketKey ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${key}`;
    return { algorithm, keyId, bucketKey, context } as const;
  };

  const newDataKey = async (
    request: ReturnType<typeof encryptionRequest>,
  ): Promise<{ encryption: Encryption; plaintext: Buffer }> => {
    if (request.algorithm === 'AES256') {
      const plaintext = randomBytes(32);
      const { iv, cipher } = seal(store.masterKey);
      const wrapped = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        plaintext,
        encryption: {
          algorithm: 'AES256',
          bucketKey: false,
          dataKey: wrapped.toString('base64'),
          context: request.context,
        },
      };
    }
    try {
      const out = await kms.send(
        new GenerateDataKeyCommand({
          KeyId: request.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: { 'aws:s3:arn': request.context },
        }),
      );
      if (!out.Plaintext || !out.CiphertextBlob || !out.KeyId) throw new Error('KMS returned no data key');
      return {
        plaintext: Buffer.from(out.Plaintext),
        encryption: {
          algorithm: 'aws:kms',
          kmsKeyId: out.KeyId,
          bucketKey: request.bucketKey,
          dataKey: Buffer.from(out.CiphertextBlob).toString('base64'),
          context: request.context,
        },
      };
    } catch (error) {
      throw kmsError(error);
    }
  };

  /** The plaintext data key: a KMS Decrypt every time, so the key's state is checked on every read. */
  const openDataKey = async (encryption: Encryption): Promise<Buffer> => {
    const blob = Buffer.from(encryption.dataKey, 'base64');
    if (encryption.algorithm === 'AES256') {
      const decipher = createDecipheriv('aes-256-gcm', store.masterKey, blob.subarray(0, 12));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    }
    try {
      const out = await kms.send(
        new DecryptCommand({
          CiphertextBlob: blob,
          ...(encryption.kmsKeyId ? { KeyId: encryption.kmsKeyId } : {}),
          EncryptionContext: { 'aws:s3:arn': encryption.context },
        }),
      );
      if (!out.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(out.Plaintext);
    } catch (error) {
      throw kmsError(error);
    }
  };

  const decryptStream = (sealed: Sealed, key: Buffer) => {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return pipeline(store.blobReader(sealed.blob), decipher, new PassThrough(), () => undefined);
  };

  const encryptionHeaders = (encryption: Encryption | undefined): Record<string, string> =>
    !encryption
      ? {}
      : encryption.algorithm === 'AES256'
        ? { 'x-amz-server-side-encryption': 'AES256' }
        : {
            'x-amz-server-side-encryption': 'aws:kms',
            ...(encryption.kmsKeyId
              ? { 'x-amz-server-side-encryption-aws-kms-key-id': encryption.kmsKeyId }
              : {}),
            ...(encryption.bucketKey ? { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' } : {}),
          };

  // ---- bodies and checksums -----------------------------------------------------------------

  /** The checksums a write declares (headers, or a trailer announced by x-amz-trailer). */
  const declaredChecksums = (headers: Headers) => {
    const declared = new Map<ChecksumAlgorithm, string | 'trailer'>();
    for (const algorithm of CHECKSUM_ALGORITHMS) {
      const value = header(headers, checksumHeader(algorithm));
      if (value === undefined) continue;
      if (Buffer.from(value, 'base64').length !== DIGEST_BYTES[algorithm]) {
        throw new S3Error('InvalidRequest', `Value for ${checksumHeader(algorithm)} header is invalid.`);
      }
      declared.set(algorithm, value);
    }
    const trailer = header(headers, 'x-amz-trailer')?.trim().toLowerCase();
    if (trailer) {
      const algorithm = CHECKSUM_ALGORITHMS.find((a) => checksumHeader(a) === trailer);
      if (!algorithm)
        throw new S3Error(
          'InvalidRequest',
          `The value specified in the x-amz-trailer header is not supported`,
        );
      declared.set(algorithm, 'trailer');
    }
    if (declared.size > 1) {
      throw new S3Error(
        'InvalidRequest',
        'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
      );
    }
    const sdkAlgorithm = header(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
    if (sdkAlgorithm !== undefined && !isChecksumAlgorithm(sdkAlgorithm)) {
      throw new S3Error(
        'InvalidRequest',
        'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]',
      );
    }
    const md5 = header(headers, 'content-md5');
    if (md5 !== undefined && Buffer.from(md5, 'base64').length !== 16) {
      throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.');
    }
    return { declared, md5 };
  };

  const expectedLength = (ctx: Context): number => {
    const decoded = header(ctx.req.headers, 'x-amz-decoded-content-length');
    const raw = decoded ?? header(ctx.req.headers, 'content-length');
    if (raw === undefined)
      throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.');
    const n = /^\d{1,13}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(n)) throw new S3Error('InvalidArgument', 'Invalid Content-Length');
    return n;
  };

  interface Ingested {
    sealed: Sealed;
    size: number;
    md5: Buffer;
    digests: Map<ChecksumAlgorithm, Buffer>;
  }

  /**
   * Streams a body through its hashes and the cipher into a new blob, then verifies it: length,
   * x-amz-content-sha256, Content-MD5 and the declared checksum. A body that fails any check is
   * deleted; nothing is recorded until the caller has a verified blob.
   */
  const ingest = async (
    ctx: Context,
    key: Buffer,
    length: number,
    limit: number,
    extra?: ChecksumAlgorithm,
  ): Promise<Ingested> => {
    if (length > limit)
      throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    const { declared, md5: declaredMd5 } = declaredChecksums(ctx.req.headers);
    const stream: BodyStream = bodyStream(ctx.req, ctx.auth.payloadHash);
    const payloadHex = /^[0-9a-f]{64}$/.test(ctx.auth.payloadHash) ? createHash('sha256') : undefined;
    const md5 = hasher('MD5');
    const hashers = new Map<ChecksumAlgorithm, Hasher>();
    for (const algorithm of declared.keys()) hashers.set(algorithm, hasher(algorithm));
    if (extra && !hashers.has(extra)) hashers.set(extra, hasher(extra));
    const blob = newId();
    const writer = store.blobWriter(blob);
    const { iv, cipher } = seal(key);
    let size = 0;
    try {
      for await (const chunk of stream.chunks) {
        size += chunk.length;
        if (size > length)
          throw new S3Error(
            'IncompleteBody',
            'The request body is longer than the Content-Length you declared.',
          );
        payloadHex?.update(chunk);
        md5.update(chunk);
        for (const h of hashers.values()) h.update(chunk);
        await writer.write(cipher.update(chunk));
      }
      if (size !== length) {
        throw new S3Error(
          'IncompleteBody',
          'You did not provide the number of bytes specified by the Content-Length HTTP header.',
        );
      }
      await writer.write(cipher.final());
      await writer.end();
      if (payloadHex && payloadHex.digest('hex') !== ctx.auth.payloadHash) {
        throw new S3Error(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
      }
      const md5Digest = md5.digest();
      if (declaredMd5 !== undefined && !md5Digest.equals(Buffer.from(declaredMd5, 'base64'))) {
        throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      const digests = new Map<ChecksumAlgorithm, Buffer>();
      for (const [algorithm, h] of hashers) digests.set(algorithm, h.digest());
      for (const [algorithm, value] of declared) {
        const expected = value === 'trailer' ? stream.trailers[checksumHeader(algorithm)] : value;
        if (expected === undefined)
          throw new S3Error('InvalidRequest', `The trailer ${checksumHeader(algorithm)} is missing.`);
        if (!digests.get(algorithm)?.equals(Buffer.from(expected, 'base64'))) {
          throw new S3Error(
            'BadDigest',
            `The ${algorithm} you specified did not match the calculated checksum.`,
          );
        }
      }
      return {
        sealed: { blob, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
        size,
        md5: md5Digest,
        digests,
      };
    } catch (error) {
      writer.abort();
      store.deleteBlob(blob);
      throw error;
    }
  };

  // ---- object lock --------------------------------------------------------------------------

  const parseRetainUntil = (value: string, now: Date): string => {
    const date = new Date(value);
    if (Number.isNaN(date.getTime()))
      throw new S3Error('InvalidArgument', 'The retain until date is not valid.');
    if (date.getTime() <= now.getTime())
      throw new S3Error('InvalidArgument', 'The retain until date must be in the future!');
    return date.toISOString();
  };

  const lockFromHeaders = (bucket: Bucket, headers: Headers, now: Date): Lock | undefined => {
    const mode = header(headers, 'x-amz-object-lock-mode');
    const until = header(headers, 'x-amz-object-lock-retain-until-date');
    const hold = header(headers, 'x-amz-object-lock-legal-hold');
    if (mode === undefined && until === undefined && hold === undefined) {
      if (!bucket.lockDefault) return undefined;
      const { mode: defaultMode, days, years } = bucket.lockDefault;
      const until = new Date(now);
      if (days) until.setUTCDate(until.getUTCDate() + days);
      if (years) until.setUTCFullYear(until.getUTCFullYear() + years);
      return { mode: defaultMode, retainUntil: until.toISOString() };
    }
    if (!bucket.objectLock)
      throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
    if ((mode === undefined) !== (until === undefined)) {
      throw new S3Error(
        'InvalidArgument',
        'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
      );
    }
    if (mode !== undefined && mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE')
      throw new S3Error('InvalidArgument', 'Unknown wormMode directive.');
    if (hold !== undefined && hold !== 'ON' && hold !== 'OFF')
      throw new S3Error('InvalidArgument', 'Legal Hold must be either of ON or OFF');
    const lock: Lock = {};
    if (mode !== undefined && until !== undefined) {
      lock.mode = mode as LockMode;
      lock.retainUntil = parseRetainUntil(until, now);
    }
    if (hold === 'ON') lock.legalHold = true;
    return lock;
  };

  /** Why a version may not be deleted now (undefined: it may). */
  const lockedBy = (version: StoredVersion, now: Date, bypassGovernance: boolean): string | undefined => {
    if (version.lock?.legalHold) return 'legal hold';
    const until = version.lock?.retainUntil;
    if (until && new Date(until).getTime() > now.getTime()) {
      if (version.lock?.mode === 'COMPLIANCE' || !bypassGovernance) return 'retention';
    }
    return undefined;
  };

  // ---- versions -----------------------------------------------------------------------------

  const versionHeader = (bucket: Bucket, versionId: string): Record<string, string> =>
    bucket.versioning === 'Unversioned' ? {} : { 'x-amz-version-id': versionId };

  /** Records a new current version (or delete marker) the way the bucket's versioning state says. */
  const addVersion = (
    bucket: Bucket,
    key: string,
    fields: Omit<StoredVersion, 'versionId'>,
  ): StoredVersion => {
    const versionId = bucket.versioning === 'Enabled' ? newId() : 'null';
    const version: StoredVersion = { versionId, ...fields };
    const replaced = bucket.objects.get(key)?.find((v) => v.versionId === 'null');
    store.putVersion(bucket.name, key, version);
    if (replaced?.body && versionId === 'null') store.deleteBlob(replaced.body.blob);
    return version;
  };

  const findVersion = (bucket: Bucket, key: string, versionId: string | undefined): StoredVersion => {
    const versions = bucket.objects.get(key);
    if (versionId === undefined) {
      const latest = versions?.[0];
      if (!latest) throw new S3Error('NoSuchKey', 'The specified key does not exist.');
      if (latest.deleteMarker) {
        throw new S3Error('NoSuchKey', 'The specified key does not exist.', {
          'x-amz-delete-marker': 'true',
          ...versionHeader(bucket, latest.versionId),
        });
      }
      return latest;
    }
    const found = versions?.find((v) => v.versionId === versionId);
    if (!found) {
      if (versionId !== 'null' && !/^[A-Za-z0-9._-]{1,1024}$/.test(versionId)) {
        throw new S3Error('InvalidArgument', 'Invalid version id specified');
      }
      throw new S3Error('NoSuchVersion', 'The specified version does not exist.');
    }
    if (found.deleteMarker) {
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': found.versionId,
        allow: 'DELETE',
      });
    }
    return found;
  };

  /** Deletes one key (a delete marker) or one version; the shared core of DeleteObject(s). */
  const deleteOne = (
    bucket: Bucket,
    key: string,
    versionId: string | undefined,
    now: Date,
    bypass: boolean,
  ): { versionId?: string; deleteMarker: boolean; markerVersionId?: string } => {
    if (versionId === undefined) {
      if (bucket.versioning === 'Unversioned') {
        const existing = bucket.objects.get(key)?.find((v) => v.versionId === 'null');
        if (existing) store.removeVersion(bucket.name, key, existing);
        return { deleteMarker: false };
      }
      const marker = addVersion(bucket, key, {
        deleteMarker: true,
        lastModified: now.toISOString(),
        size: 0,
        etag: '',
      });
      return { deleteMarker: true, markerVersionId: marker.versionId };
    }
    const version = bucket.objects.get(key)?.find((v) => v.versionId === versionId);
    if (!version) {
      if (versionId !== 'null' && !/^[A-Za-z0-9._-]{1,1024}$/.test(versionId)) {
        throw new S3Error('InvalidArgument', 'Invalid version id specified');
      }
      return { versionId, deleteMarker: false };
    }
    if (lockedBy(version, now, bypass)) {
      throw new S3Error('AccessDenied', 'Access Denied because object protected by object lock.');
    }
    store.removeVersion(bucket.name, key, version);
    return {
      versionId,
      deleteMarker: Boolean(version.deleteMarker),
      ...(version.deleteMarker ? { markerVersionId: versionId } : {}),
    };
  };

  // ---- responses ----------------------------------------------------------------------------

  const send = (ctx: Context, status: number, headers: Record<string, string>, body?: string) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    ctx.res.writeHead(status, {
      'x-amz-request-id': ctx.requestId,
      'x-amz-id-2': ctx.requestId,
      date: new Date().toUTCString(),
      server: 'AmazonS3',
      ...(payload
        ? { 'content-type': 'application/xml', 'content-length': String(payload.length) }
        : { 'content-length': '0' }),
      ...headers,
    });
    ctx.res.end(ctx.method === 'HEAD' ? undefined : payload);
  };

  const sendXml = (
    ctx: Context,
    root: string,
    children: readonly (XmlChild | undefined)[],
    headers: Record<string, string> = {},
  ) => send(ctx, 200, headers, xmlDocument(root, children));

  const objectHeaders = (
    bucket: Bucket,
    v: StoredVersion,
    checksumMode: boolean,
  ): Record<string, string> => ({
    etag: v.etag,
    'last-modified': httpDate(v.lastModified),
    'content-type': v.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
    ...versionHeader(bucket, v.versionId),
    ...encryptionHeaders(v.encryption),
    ...Object.fromEntries(Object.entries(v.metadata ?? {}).map(([k, value]) => [`x-amz-meta-${k}`, value])),
    ...(v.parts ? { 'x-amz-mp-parts-count': String(v.parts) } : {}),
    ...(v.lock?.mode ? { 'x-amz-object-lock-mode': v.lock.mode } : {}),
    ...(v.lock?.retainUntil ? { 'x-amz-object-lock-retain-until-date': v.lock.retainUntil } : {}),
    ...(v.lock?.legalHold !== undefined && bucket.objectLock
      ? { 'x-amz-object-lock-legal-hold': v.lock.legalHold ? 'ON' : 'OFF' }
      : {}),
    ...(checksumMode && v.checksum
      ? { [checksumHeader(v.checksum.algorithm)]: v.checksum.value, 'x-amz-checksum-type': v.checksum.type }
      : {}),
  });

  const xmlBody = async (ctx: Context): Promise<XmlElement> => {
    const raw = await readAll(bodyStream(ctx.req, ctx.auth.payloadHash), MAX_XML_BODY);
    if (
      /^[0-9a-f]{64}$/.test(ctx.auth.payloadHash) &&
      createHash('sha256').update(raw).digest('hex') !== ctx.auth.payloadHash
    ) {
      throw new S3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    try {
      return parseXml(raw.toString('utf8'));
    } catch (error) {
      if (error instanceof MalformedXmlError) {
        throw new S3Error(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
        );
      }
      throw error;
    }
  };

  /** Body checks for requests S3 requires an integrity header on (DeleteObjects, lock configuration). */
  const verifySmallBody = (ctx: Context, raw: Buffer) => {
    const { declared, md5 } = declaredChecksums(ctx.req.headers);
    if (md5 === undefined && !declared.size) {
      throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-Md5');
    }
    if (md5 !== undefined && !digestOf('MD5', raw).equals(Buffer.from(md5, 'base64'))) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    for (const [algorithm, value] of declared) {
      if (value !== 'trailer' && !digestOf(algorithm, raw).equals(Buffer.from(value, 'base64'))) {
        throw new S3Error(
          'BadDigest',
          `The ${algorithm} you specified did not match the calculated checksum.`,
        );
      }
    }
  };

  const xmlBodyVerified = async (ctx: Context): Promise<XmlElement> => {
    const raw = await readAll(bodyStream(ctx.req, ctx.auth.payloadHash), MAX_XML_BODY);
    verifySmallBody(ctx, raw);
    try {
      return parseXml(raw.toString('utf8'));
    } catch (error) {
      if (error instanceof MalformedXmlError) {
        throw new S3Error(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
        );
      }
      throw error;
    }
  };

  // ---- bucket operations --------------------------------------------------------------------

  const listBuckets = (ctx: Context) =>
    sendXml(ctx, 'ListAllMyBucketsResult', [
      OWNER,
      [
        'Buckets',
        [...store.buckets.values()].map(
          (b): XmlChild => [
            'Bucket',
            [
              ['Name', b.name],
              ['CreationDate', b.created],
            ],
          ],
        ),
      ],
    ]);

  const createBucket = async (ctx: Context) => {
    if (!BUCKET_NAME.test(ctx.bucketName) || ctx.bucketName.includes('..')) {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.');
    }
    await readAll(bodyStream(ctx.req, ctx.auth.payloadHash), MAX_XML_BODY);
    if (store.buckets.has(ctx.bucketName)) {
      throw new S3Error(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    }
    const objectLock = header(ctx.req.headers, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true';
    store.putBucket({
      name: ctx.bucketName,
      created: ctx.now.toISOString(),
      versioning: objectLock ? 'Enabled' : 'Unversioned',
      objectLock,
    });
    send(ctx, 200, { location: `/${ctx.bucketName}` });
  };

  const deleteBucket = (ctx: Context, bucket: Bucket) => {
    if (bucket.objects.size)
      throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty');
    store.deleteBucket(bucket.name);
    send(ctx, 204, {});
  };

  const putVersioning = async (ctx: Context, bucket: Bucket) => {
    const doc = await xmlBody(ctx);
    const status = childText(doc, 'Status');
    if (doc.name !== 'VersioningConfiguration' || (status !== 'Enabled' && status !== 'Suspended')) {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    if (status === 'Suspended' && bucket.objectLock) {
      throw new S3Error(
        'InvalidBucketState',
        'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
      );
    }
    const { objects: _objects, ...config } = bucket;
    store.putBucket({ ...config, versioning: status });
    send(ctx, 200, {});
  };

  const putObjectLockConfiguration = async (ctx: Context, bucket: Bucket) => {
    const doc = await xmlBodyVerified(ctx);
    if (!bucket.objectLock) {
      throw new S3Error(
        'InvalidBucketState',
        'Object Lock configuration cannot be enabled on existing buckets',
      );
    }
    const retention = child(child(doc, 'Rule') ?? doc, 'DefaultRetention');
    let lockDefault: BucketConfig['lockDefault'];
    if (retention) {
      const mode = childText(retention, 'Mode');
      const days = childText(retention, 'Days');
      const years = childText(retention, 'Years');
      if (
        (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') ||
        (days === undefined) === (years === undefined)
      ) {
        throw new S3Error(
          'MalformedXML',
          'The XML you provided was not well-formed or did not validate against our published schema',
        );
      }
      const n = Number(days ?? years);
      if (!Number.isInteger(n) || n < 1)
        throw new S3Error('InvalidArgument', 'Default retention period must be a positive integer value.');
      lockDefault = days !== undefined ? { mode, days: n } : { mode, years: n };
    }
    const { objects: _objects, ...config } = bucket;
    store.putBucket({ ...config, ...(lockDefault ? { lockDefault } : {}) });
    send(ctx, 200, {});
  };

  const listObjects = (ctx: Context, bucket: Bucket, v2: boolean) => {
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const url = q.get('encoding-type') === 'url';
    if (q.has('encoding-type') && !url)
      throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
    const maxKeys = Math.min(parseMaxKeys(q.get('max-keys')), 1000);
    let after: string;
    if (v2) {
      const token = q.get('continuation-token');
      if (token !== undefined) {
        const decoded = Buffer.from(token, 'base64url').toString('utf8');
        if (!decoded.startsWith('k:'))
          throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect');
        after = decoded.slice(2);
      } else after = q.get('start-after') ?? '';
    } else after = q.get('marker') ?? '';

    const keys = store.keys(bucket);
    const contents: XmlChild[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let last: string | undefined;
    let truncated = false;
    for (let i = lowerBound(keys, after > prefix ? after : prefix); i < keys.length; i++) {
      const key = keys[i] as string;
      if (key <= after) continue;
      if (!key.startsWith(prefix)) break;
      const latest = bucket.objects.get(key)?.[0];
      if (!latest || latest.deleteMarker) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const common = cut >= 0 ? key.slice(0, cut + (delimiter as string).length) : undefined;
      if (common !== undefined && common === prefixes[prefixes.length - 1]) {
        last = key;
        continue;
      }
      if (count === maxKeys) {
        truncated = true;
        break;
      }
      count++;
      if (common !== undefined) prefixes.push(common);
      else {
        contents.push([
          'Contents',
          [
            ['Key', s3Encode(key, url)],
            ['LastModified', isoSeconds(new Date(latest.lastModified))],
            ['ETag', latest.etag],
            ...(latest.checksum ? [['ChecksumAlgorithm', latest.checksum.algorithm] as XmlChild] : []),
            ['Size', latest.size],
            ...(v2 ? [] : [OWNER]),
            ['StorageClass', 'STANDARD'],
          ],
        ]);
      }
      last = key;
    }
    // Every key of the last common prefix counts as listed, so the next page starts beyond it.
    const lastPrefix = prefixes[prefixes.length - 1];
    if (truncated && lastPrefix !== undefined && last?.startsWith(lastPrefix)) last = `${lastPrefix}\uffff`;
    const common = prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', s3Encode(p, url)]]]);
    if (v2) {
      return sendXml(ctx, 'ListBucketResult', [
        ['Name', bucket.name],
        ['Prefix', s3Encode(prefix, url)],
        ...(q.has('start-after')
          ? [['StartAfter', s3Encode(q.get('start-after') ?? '', url)] as XmlChild]
          : []),
        ...(q.has('continuation-token')
          ? [['ContinuationToken', q.get('continuation-token') ?? ''] as XmlChild]
          : []),
        ...(truncated && last !== undefined
          ? [['NextContinuationToken', Buffer.from(`k:${last}`).toString('base64url')] as XmlChild]
          : []),
        ['KeyCount', count],
        ['MaxKeys', maxKeys],
        ...(delimiter ? [['Delimiter', s3Encode(delimiter, url)] as XmlChild] : []),
        ...(url ? [['EncodingType', 'url'] as XmlChild] : []),
        ['IsTruncated', truncated],
        ...contents,
        ...common,
      ]);
    }
    return sendXml(ctx, 'ListBucketResult', [
      ['Name', bucket.name],
      ['Prefix', s3Encode(prefix, url)],
      ['Marker', s3Encode(q.get('marker') ?? '', url)],
      ...(truncated && delimiter && last !== undefined
        ? [['NextMarker', s3Encode(last, url)] as XmlChild]
        : []),
      ['MaxKeys', maxKeys],
      ...(delimiter ? [['Delimiter', s3Encode(delimiter, url)] as XmlChild] : []),
      ...(url ? [['EncodingType', 'url'] as XmlChild] : []),
      ['IsTruncated', truncated],
      ...contents,
      ...common,
    ]);
  };

  const listVersions = (ctx: Context, bucket: Bucket) => {
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const url = q.get('encoding-type') === 'url';
    if (q.has('encoding-type') && !url)
      throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
    const maxKeys = Math.min(parseMaxKeys(q.get('max-keys')), 1000);
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker') || undefined;
    if (versionIdMarker !== undefined && !keyMarker) {
      throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.');
    }
    const keys = store.keys(bucket);
    const entries: XmlChild[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let truncated = false;
    let nextKey: string | undefined;
    let nextVersion: string | undefined;
    outer: for (let i = lowerBound(keys, keyMarker > prefix ? keyMarker : prefix); i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) break;
      if (key < keyMarker || (key === keyMarker && versionIdMarker === undefined)) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const common = key.slice(0, cut + (delimiter as string).length);
        if (common === prefixes[prefixes.length - 1]) continue;
        if (count === maxKeys) {
          truncated = true;
          break;
        }
        prefixes.push(common);
        count++;
        nextKey = key;
        nextVersion = undefined;
        continue;
      }
      const versions = bucket.objects.get(key) ?? [];
      let start = 0;
      if (key === keyMarker && versionIdMarker !== undefined) {
        start = versions.findIndex((v) => v.versionId === versionIdMarker) + 1;
        if (start === 0) throw new S3Error('InvalidArgument', 'Invalid version id specified');
      }
      for (let j = start; j < versions.length; j++) {
        const v = versions[j] as StoredVersion;
        if (count === maxKeys) {
          truncated = true;
          break outer;
        }
        count++;
        nextKey = key;
        nextVersion = v.versionId;
        const common: XmlChild[] = [
          ['Key', s3Encode(key, url)],
          ['VersionId', v.versionId],
          ['IsLatest', j === 0],
          ['LastModified', isoSeconds(new Date(v.lastModified))],
        ];
        entries.push(
          v.deleteMarker
            ? ['DeleteMarker', [...common, OWNER]]
            : [
                'Version',
                [
                  ...common,
                  ['ETag', v.etag],
                  ...(v.checksum ? [['ChecksumAlgorithm', v.checksum.algorithm] as XmlChild] : []),
                  ['Size', v.size],
                  ['StorageClass', 'STANDARD'],
                  OWNER,
                ],
              ],
        );
      }
    }
    sendXml(ctx, 'ListVersionsResult', [
      ['Name', bucket.name],
      ['Prefix', s3Encode(prefix, url)],
      ['KeyMarker', s3Encode(keyMarker, url)],
      ['VersionIdMarker', versionIdMarker ?? ''],
      ...(truncated && nextKey !== undefined ? [['NextKeyMarker', s3Encode(nextKey, url)] as XmlChild] : []),
      ...(truncated && nextVersion !== undefined ? [['NextVersionIdMarker', nextVersion] as XmlChild] : []),
      ['MaxKeys', maxKeys],
      ...(delimiter ? [['Delimiter', s3Encode(delimiter, url)] as XmlChild] : []),
      ...(url ? [['EncodingType', 'url'] as XmlChild] : []),
      ['IsTruncated', truncated],
      ...entries,
      ...prefixes.map((p): XmlChild => ['CommonPrefixes', [['Prefix', s3Encode(p, url)]]]),
    ]);
  };

  const deleteObjects = async (ctx: Context, bucket: Bucket) => {
    const doc = await xmlBodyVerified(ctx);
    const objects = doc.children.filter((c) => c.name === 'Object');
    if (doc.name !== 'Delete' || !objects.length || objects.length > MAX_DELETE_KEYS) {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    const quiet = childText(doc, 'Quiet') === 'true';
    const bypass = header(ctx.req.headers, 'x-amz-bypass-governance-retention') === 'true';
    const results: XmlChild[] = [];
    for (const object of objects) {
      const key = child(object, 'Key')?.text ?? '';
      const versionId = childText(object, 'VersionId');
      try {
        if (!key) throw new S3Error('MalformedXML', 'A key is required');
        const out = deleteOne(bucket, key, versionId, ctx.now, bypass);
        if (quiet) continue;
        results.push([
          'Deleted',
          [
            ['Key', key],
            ...(out.versionId !== undefined ? [['VersionId', out.versionId] as XmlChild] : []),
            ...(out.deleteMarker ? [['DeleteMarker', true] as XmlChild] : []),
            ...(out.markerVersionId !== undefined
              ? [['DeleteMarkerVersionId', out.markerVersionId] as XmlChild]
              : []),
          ],
        ]);
      } catch (error) {
        if (!(error instanceof S3Error)) throw error;
        results.push([
          'Error',
          [
            ['Key', key],
            ...(versionId !== undefined ? [['VersionId', versionId] as XmlChild] : []),
            ['Code', error.code],
            ['Message', error.message],
          ],
        ]);
      }
    }
    sendXml(ctx, 'DeleteResult', results);
  };

  // ---- object operations --------------------------------------------------------------------

  const userMetadata = (headers: Headers) =>
    Object.fromEntries(
      Object.entries(headers)
        .filter(([name]) => name.startsWith('x-amz-meta-'))
        .map(([name, value]) => [
          name.slice('x-amz-meta-'.length),
          Array.isArray(value) ? value.join(',') : (value ?? ''),
        ]),
    );

  const putObject = async (ctx: Context, bucket: Bucket) => {
    const headers = ctx.req.headers;
    if (header(headers, 'x-amz-copy-source'))
      throw new S3Error('NotImplemented', 'CopyObject is not offered by the local S3 stand-in.');
    const length = expectedLength(ctx);
    const request = encryptionRequest(bucket, ctx.key, headers);
    const lock = lockFromHeaders(bucket, headers, ctx.now);
    const { declared, md5 } = declaredChecksums(headers);
    const explicitLock = [
      'x-amz-object-lock-mode',
      'x-amz-object-lock-retain-until-date',
      'x-amz-object-lock-legal-hold',
    ].some((h) => headers[h] !== undefined);
    if (explicitLock && md5 === undefined && !declared.size) {
      throw new S3Error(
        'InvalidRequest',
        'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      );
    }
    // Fallible work first: the data key (KMS) before a byte is stored.
    const { encryption, plaintext } = await newDataKey(request);
    const sdkAlgorithm = header(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
    const got = await ingest(
      ctx,
      plaintext,
      length,
      MAX_SINGLE_PUT,
      sdkAlgorithm && isChecksumAlgorithm(sdkAlgorithm) ? sdkAlgorithm : undefined,
    );
    const algorithm =
      [...declared.keys()][0] ??
      (sdkAlgorithm && isChecksumAlgorithm(sdkAlgorithm) ? sdkAlgorithm : undefined);
    const checksum: Checksum | undefined = algorithm
      ? { algorithm, value: (got.digests.get(algorithm) as Buffer).toString('base64'), type: 'FULL_OBJECT' }
      : undefined;
    const contentType = header(headers, 'content-type');
    const version = addVersion(bucket, ctx.key, {
      lastModified: ctx.now.toISOString(),
      size: got.size,
      etag: quote(got.md5.toString('hex')),
      ...(contentType ? { contentType } : {}),
      metadata: userMetadata(headers),
      body: got.sealed,
      encryption,
      ...(checksum ? { checksum } : {}),
      ...(lock ? { lock } : {}),
    });
    send(ctx, 200, {
      etag: version.etag,
      ...versionHeader(bucket, version.versionId),
      ...encryptionHeaders(encryption),
      ...(checksum
        ? { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' }
        : {}),
    });
  };

  const RESPONSE_OVERRIDES: Record<string, string> = {
    'response-content-type': 'content-type',
    'response-content-language': 'content-language',
    'response-expires': 'expires',
    'response-cache-control': 'cache-control',
    'response-content-disposition': 'content-disposition',
    'response-content-encoding': 'content-encoding',
  };

  const getObject = async (ctx: Context, bucket: Bucket, head: boolean) => {
    const version = findVersion(bucket, ctx.key, ctx.query.get('versionId'));
    const checksumMode = header(ctx.req.headers, 'x-amz-checksum-mode') === 'ENABLED';
    const headers = objectHeaders(bucket, version, checksumMode);
    for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
      const value = ctx.query.get(param);
      if (value !== undefined) headers[name] = value;
    }
    let start = 0;
    let end = version.size - 1;
    let status = 200;
    const range = header(ctx.req.headers, 'range');
    if (range !== undefined) {
      const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(range.trim());
      if (m && (m[1] || m[2])) {
        if (m[1]) {
          start = Number(m[1]);
          if (m[2]) end = Math.min(Number(m[2]), version.size - 1);
        } else start = Math.max(version.size - Number(m[2]), 0);
        if (start >= version.size || start > end) {
          throw new S3Error('InvalidRange', 'The requested range is not satisfiable', {
            'content-range': `bytes */${version.size}`,
          });
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${version.size}`;
      }
    }
    const length = version.size === 0 ? 0 : end - start + 1;
    if (head) {
      send(ctx, status, { ...headers, 'content-length': String(length) });
      return;
    }
    // The read needs the data key: KMS decides (a disabled key or one pending deletion refuses it).
    const key = version.encryption ? await openDataKey(version.encryption) : undefined;
    if (!version.body || !key || length === 0) {
      send(ctx, status, { ...headers, 'content-length': '0' });
      return;
    }
    ctx.res.writeHead(status, {
      'x-amz-request-id': ctx.requestId,
      'x-amz-id-2': ctx.requestId,
      date: new Date().toUTCString(),
      server: 'AmazonS3',
      ...headers,
      'content-length': String(length),
    });
    const body = decryptStream(version.body, key);
    pipeline(body, slice(start, end), ctx.res, () => undefined);
  };

  const deleteObject = (ctx: Context, bucket: Bucket) => {
    const versionId = ctx.query.get('versionId');
    const bypass = header(ctx.req.headers, 'x-amz-bypass-governance-retention') === 'true';
    const out = deleteOne(bucket, ctx.key, versionId, ctx.now, bypass);
    send(ctx, 204, {
      ...(out.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
      ...(out.markerVersionId !== undefined
        ? { 'x-amz-version-id': out.markerVersionId }
        : out.versionId !== undefined
          ? { 'x-amz-version-id': out.versionId }
          : {}),
    });
  };

  const getRetention = (ctx: Context, bucket: Bucket) => {
    const version = findVersion(bucket, ctx.key, ctx.query.get('versionId'));
    if (!version.lock?.mode)
      throw new S3Error(
        'NoSuchObjectLockConfiguration',
        'The specified object does not have a ObjectLock configuration',
      );
    sendXml(ctx, 'Retention', [
      ['Mode', version.lock.mode],
      ['RetainUntilDate', version.lock.retainUntil ?? ''],
    ]);
  };

  const putRetention = async (ctx: Context, bucket: Bucket) => {
    const doc = await xmlBodyVerified(ctx);
    if (!bucket.objectLock)
      throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
    const version = findVersion(bucket, ctx.key, ctx.query.get('versionId'));
    const mode = childText(doc, 'Mode');
    const until = childText(doc, 'RetainUntilDate');
    if (doc.name !== 'Retention' || (mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') || until === undefined) {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    const retainUntil = parseRetainUntil(until, ctx.now);
    const current = version.lock;
    const active = current?.retainUntil && new Date(current.retainUntil).getTime() > ctx.now.getTime();
    const bypass = header(ctx.req.headers, 'x-amz-bypass-governance-retention') === 'true';
    if (
      active &&
      current?.mode === 'COMPLIANCE' &&
      (mode !== 'COMPLIANCE' || retainUntil < (current.retainUntil as string))
    ) {
      throw new S3Error('AccessDenied', 'Access Denied because object protected by object lock.');
    }
    if (
      active &&
      current?.mode === 'GOVERNANCE' &&
      !bypass &&
      (mode !== 'GOVERNANCE' || retainUntil < (current.retainUntil as string))
    ) {
      throw new S3Error('AccessDenied', 'Access Denied because object protected by object lock.');
    }
    store.updateVersion(bucket.name, ctx.key, { ...version, lock: { ...current, mode, retainUntil } });
    send(ctx, 200, {});
  };

  const getLegalHold = (ctx: Context, bucket: Bucket) => {
    const version = findVersion(bucket, ctx.key, ctx.query.get('versionId'));
    if (version.lock?.legalHold === undefined) {
      throw new S3Error(
        'NoSuchObjectLockConfiguration',
        'The specified object does not have a ObjectLock configuration',
      );
    }
    sendXml(ctx, 'LegalHold', [['Status', version.lock.legalHold ? 'ON' : 'OFF']]);
  };

  const putLegalHold = async (ctx: Context, bucket: Bucket) => {
    const doc = await xmlBodyVerified(ctx);
    if (!bucket.objectLock)
      throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
    const version = findVersion(bucket, ctx.key, ctx.query.get('versionId'));
    const status = childText(doc, 'Status');
    if (status !== 'ON' && status !== 'OFF') {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    store.updateVersion(bucket.name, ctx.key, {
      ...version,
      lock: { ...version.lock, legalHold: status === 'ON' },
    });
    send(ctx, 200, {});
  };

  // ---- multipart ----------------------------------------------------------------------------

  const uploadOf = (ctx: Context): Upload => {
    const upload = store.uploads.get(ctx.query.get('uploadId') ?? '');
    if (!upload || upload.bucket !== ctx.bucketName || upload.key !== ctx.key) {
      throw new S3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    }
    return upload;
  };

  const createUpload = async (ctx: Context, bucket: Bucket) => {
    const headers = ctx.req.headers;
    const request = encryptionRequest(bucket, ctx.key, headers);
    const lock = lockFromHeaders(bucket, headers, ctx.now);
    const algorithmHeader = header(headers, 'x-amz-checksum-algorithm')?.toUpperCase();
    if (algorithmHeader !== undefined && !isChecksumAlgorithm(algorithmHeader)) {
      throw new S3Error(
        'InvalidRequest',
        'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]',
      );
    }
    if (
      header(headers, 'x-amz-checksum-type') === 'FULL_OBJECT' &&
      algorithmHeader &&
      !algorithmHeader.startsWith('CRC')
    ) {
      throw new S3Error(
        'InvalidRequest',
        `The FULL_OBJECT checksum type cannot be used with the ${algorithmHeader.toLowerCase()} checksum algorithm.`,
      );
    }
    if (header(headers, 'x-amz-checksum-type') === 'FULL_OBJECT') {
      throw new S3Error(
        'NotImplemented',
        'FULL_OBJECT multipart checksums are not offered by the local S3 stand-in; use COMPOSITE.',
      );
    }
    const { encryption } = await newDataKey(request);
    const uploadId = newId();
    const contentType = header(headers, 'content-type');
    store.putUpload({
      uploadId,
      bucket: bucket.name,
      key: ctx.key,
      initiated: ctx.now.toISOString(),
      ...(contentType ? { contentType } : {}),
      metadata: userMetadata(headers),
      encryption,
      ...(algorithmHeader ? { checksumAlgorithm: algorithmHeader } : {}),
      ...(lock ? { lock } : {}),
    });
    sendXml(
      ctx,
      'InitiateMultipartUploadResult',
      [
        ['Bucket', bucket.name],
        ['Key', ctx.key],
        ['UploadId', uploadId],
      ],
      {
        ...encryptionHeaders(encryption),
        ...(algorithmHeader
          ? { 'x-amz-checksum-algorithm': algorithmHeader, 'x-amz-checksum-type': 'COMPOSITE' }
          : {}),
      },
    );
  };

  const uploadPart = async (ctx: Context) => {
    const upload = uploadOf(ctx);
    const raw = ctx.query.get('partNumber') ?? '';
    const partNumber = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(partNumber >= 1 && partNumber <= MAX_PARTS)) {
      throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
    }
    if (header(ctx.req.headers, 'x-amz-copy-source'))
      throw new S3Error('NotImplemented', 'UploadPartCopy is not offered by the local S3 stand-in.');
    const length = expectedLength(ctx);
    const { declared } = declaredChecksums(ctx.req.headers);
    const given = [...declared.keys()][0];
    if (given && upload.checksumAlgorithm && given !== upload.checksumAlgorithm) {
      throw new S3Error(
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${given.toLowerCase()}`,
      );
    }
    const key = await openDataKey(upload.encryption);
    const got = await ingest(ctx, key, length, MAX_SINGLE_PUT, upload.checksumAlgorithm);
    const checksumAlgorithm = upload.checksumAlgorithm ?? given;
    const part: Part = {
      partNumber,
      etag: quote(got.md5.toString('hex')),
      size: got.size,
      lastModified: ctx.now.toISOString(),
      body: got.sealed,
      ...(checksumAlgorithm
        ? { checksum: (got.digests.get(checksumAlgorithm) as Buffer).toString('base64') }
        : {}),
    };
    store.putPart(upload.uploadId, part);
    send(ctx, 200, {
      etag: part.etag,
      ...encryptionHeaders(upload.encryption),
      ...(checksumAlgorithm && part.checksum ? { [checksumHeader(checksumAlgorithm)]: part.checksum } : {}),
    });
  };

  const listParts = (ctx: Context) => {
    const upload = uploadOf(ctx);
    const maxParts = Math.min(parseMaxKeys(ctx.query.get('max-parts')), 1000);
    const marker = Number(ctx.query.get('part-number-marker') ?? 0) || 0;
    const parts = [...upload.parts.values()]
      .filter((p) => p.partNumber > marker)
      .sort((a, b) => a.partNumber - b.partNumber);
    const page = parts.slice(0, maxParts);
    const truncated = parts.length > page.length;
    const algorithm = upload.checksumAlgorithm;
    sendXml(ctx, 'ListPartsResult', [
      ['Bucket', upload.bucket],
      ['Key', upload.key],
      ['UploadId', upload.uploadId],
      [
        'Initiator',
        [
          ['ID', 'caseline-local'],
          ['DisplayName', 'caseline-local'],
        ],
      ],
      OWNER,
      ['StorageClass', 'STANDARD'],
      ['PartNumberMarker', marker],
      ['NextPartNumberMarker', page[page.length - 1]?.partNumber ?? 0],
      ['MaxParts', maxParts],
      ['IsTruncated', truncated],
      ...(algorithm ? [['ChecksumAlgorithm', algorithm] as XmlChild] : []),
      ...page.map(
        (p): XmlChild => [
          'Part',
          [
            ['PartNumber', p.partNumber],
            ['LastModified', isoSeconds(new Date(p.lastModified))],
            ['ETag', p.etag],
            ['Size', p.size],
            ...(algorithm && p.checksum ? [[`Checksum${algorithm}`, p.checksum] as XmlChild] : []),
          ],
        ],
      ),
    ]);
  };

  const completeUpload = async (ctx: Context, bucket: Bucket) => {
    const upload = uploadOf(ctx);
    const doc = await xmlBody(ctx);
    const listed = doc.children.filter((c) => c.name === 'Part');
    if (doc.name !== 'CompleteMultipartUpload' || !listed.length || listed.length > MAX_PARTS) {
      throw new S3Error(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    }
    const invalidPart = () =>
      new S3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      );
    const parts: Part[] = [];
    let previous = 0;
    for (const entry of listed) {
      const partNumber = Number(childText(entry, 'PartNumber'));
      if (!Number.isInteger(partNumber) || partNumber <= previous) {
        throw new S3Error(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        );
      }
      previous = partNumber;
      const part = upload.parts.get(partNumber);
      if (!part || unquote(childText(entry, 'ETag') ?? '') !== unquote(part.etag)) throw invalidPart();
      for (const algorithm of CHECKSUM_ALGORITHMS) {
        const given = childText(entry, `Checksum${algorithm}`);
        if (given === undefined) continue;
        if (algorithm !== upload.checksumAlgorithm || given !== part.checksum) throw invalidPart();
      }
      if (upload.checksumAlgorithm && childText(entry, `Checksum${upload.checksumAlgorithm}`) === undefined) {
        throw new S3Error(
          'InvalidRequest',
          `The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${partNumber} in the request.`,
        );
      }
      parts.push(part);
    }
    parts.forEach((part, i) => {
      if (i < parts.length - 1 && part.size < MIN_PART) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
      }
    });
    const algorithm = upload.checksumAlgorithm;
    const checksum: Checksum | undefined = algorithm
      ? {
          algorithm,
          value: `${digestOf(algorithm, Buffer.concat(parts.map((p) => Buffer.from(p.checksum ?? '', 'base64')))).toString('base64')}-${parts.length}`,
          type: 'COMPOSITE',
        }
      : undefined;
    const declaredWhole = algorithm ? header(ctx.req.headers, checksumHeader(algorithm)) : undefined;
    if (
      declaredWhole !== undefined &&
      checksum &&
      declaredWhole !== checksum.value &&
      declaredWhole !== checksum.value.split('-')[0]
    ) {
      throw new S3Error('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    }
    // One blob for the object: each part decrypted and sealed again under the object's data key.
    const key = await openDataKey(upload.encryption);
    const blob = newId();
    const writer = store.blobWriter(blob);
    const { iv, cipher } = seal(key);
    try {
      for (const part of parts) {
        for await (const chunk of decryptStream(part.body, key) as AsyncIterable<Buffer>)
          await writer.write(cipher.update(chunk));
      }
      await writer.write(cipher.final());
      await writer.end();
    } catch (error) {
      writer.abort();
      store.deleteBlob(blob);
      throw error;
    }
    const etag = quote(
      `${digestOf('MD5', Buffer.concat(parts.map((p) => Buffer.from(unquote(p.etag), 'hex')))).toString('hex')}-${parts.length}`,
    );
    const version = addVersion(bucket, upload.key, {
      lastModified: ctx.now.toISOString(),
      size: parts.reduce((n, p) => n + p.size, 0),
      etag,
      ...(upload.contentType ? { contentType: upload.contentType } : {}),
      ...(upload.metadata ? { metadata: upload.metadata } : {}),
      body: { blob, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
      encryption: upload.encryption,
      ...(checksum ? { checksum } : {}),
      parts: parts.length,
      ...(upload.lock ? { lock: upload.lock } : {}),
    });
    store.endUpload(upload, false);
    sendXml(
      ctx,
      'CompleteMultipartUploadResult',
      [
        ['Location', `http://${opts.host}/${bucket.name}/${upload.key}`],
        ['Bucket', bucket.name],
        ['Key', upload.key],
        ['ETag', etag],
        ...(checksum
          ? [
              [`Checksum${checksum.algorithm}`, checksum.value] as XmlChild,
              ['ChecksumType', 'COMPOSITE'] as XmlChild,
            ]
          : []),
      ],
      { ...versionHeader(bucket, version.versionId), ...encryptionHeaders(upload.encryption) },
    );
  };

  const abortUpload = (ctx: Context) => {
    const upload = uploadOf(ctx);
    store.endUpload(upload, false);
    send(ctx, 204, {});
  };

  const listUploads = (ctx: Context, bucket: Bucket) => {
    const prefix = ctx.query.get('prefix') ?? '';
    const uploads = [...store.uploads.values()]
      .filter((u) => u.bucket === bucket.name && u.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated < b.initiated ? -1 : 1))
      .slice(0, 1000);
    sendXml(ctx, 'ListMultipartUploadsResult', [
      ['Bucket', bucket.name],
      ['KeyMarker', ''],
      ['UploadIdMarker', ''],
      ['Prefix', prefix],
      ['MaxUploads', 1000],
      ['IsTruncated', false],
      ...uploads.map(
        (u): XmlChild => [
          'Upload',
          [
            ['Key', u.key],
            ['UploadId', u.uploadId],
            ['Initiated', isoSeconds(new Date(u.initiated))],
            ['StorageClass', 'STANDARD'],
            ...(u.checksumAlgorithm ? [['ChecksumAlgorithm', u.checksumAlgorithm] as XmlChild] : []),
          ],
        ],
      ),
    ]);
  };

  // ---- routing ------------------------------------------------------------------------------

  const notImplemented = (what: string) =>
    new S3Error('NotImplemented', `${what} is not offered by the local S3 stand-in.`);

  const route = async (ctx: Context) => {
    const { method, query } = ctx;
    if (!ctx.bucketName) {
      if (method === 'GET') return listBuckets(ctx);
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    if (!ctx.key && method === 'PUT' && !query.size) return createBucket(ctx);
    const bucket = bucketOf(ctx.bucketName);
    if (!ctx.key) {
      if (method === 'HEAD') return send(ctx, 200, { 'x-amz-bucket-region': opts.region });
      if (method === 'DELETE' && !query.size) return deleteBucket(ctx, bucket);
      if (method === 'POST' && query.has('delete')) return deleteObjects(ctx, bucket);
      if (method === 'GET' && query.has('versioning')) {
        return sendXml(
          ctx,
          'VersioningConfiguration',
          bucket.versioning === 'Unversioned' ? [] : [['Status', bucket.versioning]],
        );
      }
      if (method === 'PUT' && query.has('versioning')) return putVersioning(ctx, bucket);
      if (method === 'GET' && query.has('object-lock')) {
        if (!bucket.objectLock)
          throw new S3Error(
            'ObjectLockConfigurationNotFoundError',
            'Object Lock configuration does not exist for this bucket',
          );
        const d = bucket.lockDefault;
        return sendXml(ctx, 'ObjectLockConfiguration', [
          ['ObjectLockEnabled', 'Enabled'],
          d
            ? [
                'Rule',
                [
                  [
                    'DefaultRetention',
                    [['Mode', d.mode], d.days !== undefined ? ['Days', d.days] : ['Years', d.years ?? 0]],
                  ],
                ],
              ]
            : undefined,
        ]);
      }
      if (method === 'PUT' && query.has('object-lock')) return putObjectLockConfiguration(ctx, bucket);
      if (method === 'GET' && query.has('location')) return sendXml(ctx, 'LocationConstraint', []);
      if (method === 'GET' && query.has('versions')) return listVersions(ctx, bucket);
      if (method === 'GET' && query.has('uploads')) return listUploads(ctx, bucket);
      const sub = [...query.keys()].find((k) => !LIST_PARAMS.has(k) && !k.toLowerCase().startsWith('x-amz-'));
      if (method === 'GET' && sub === undefined)
        return listObjects(ctx, bucket, query.get('list-type') === '2');
      throw notImplemented(`${method} ?${sub ?? ''}`);
    }
    if (method === 'PUT') {
      if (query.has('uploadId')) return uploadPart(ctx);
      if (query.has('retention')) return putRetention(ctx, bucket);
      if (query.has('legal-hold')) return putLegalHold(ctx, bucket);
      if ([...query.keys()].some((k) => !k.toLowerCase().startsWith('x-') && k !== 'versionId'))
        throw notImplemented(`PUT ?${[...query.keys()].join('&')}`);
      return putObject(ctx, bucket);
    }
    if (method === 'GET' || method === 'HEAD') {
      if (query.has('uploadId')) return listParts(ctx);
      if (query.has('retention')) return getRetention(ctx, bucket);
      if (query.has('legal-hold')) return getLegalHold(ctx, bucket);
      if (query.has('tagging') || query.has('acl') || query.has('attributes'))
        throw notImplemented('That subresource');
      return getObject(ctx, bucket, method === 'HEAD');
    }
    if (method === 'DELETE') return query.has('uploadId') ? abortUpload(ctx) : deleteObject(ctx, bucket);
    if (method === 'POST' && query.has('uploads')) return createUpload(ctx, bucket);
    if (method === 'POST' && query.has('uploadId')) return completeUpload(ctx, bucket);
    throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
  };

  const corsRules = new Map<string, readonly CorsRule[]>();

  /**
   * CORS first, as S3 does: a preflight is answered here without SigV4; an actual request from
   * an allowed origin carries the rule's headers on whatever answer follows.
   */
  const cors = (req: IncomingMessage, res: ServerResponse, rawPath: string): boolean => {
    const origin = header(req.headers, 'origin');
    if (origin === undefined) return false;
    let bucketName: string;
    try {
      bucketName = decodeURIComponent(rawPath.slice(1).split('/')[0] ?? '');
    } catch {
      return false;
    }
    const rules = corsRules.get(bucketName) ?? [];
    if (req.method === 'OPTIONS') {
      const method = header(req.headers, 'access-control-request-method') ?? '';
      const list = (header(req.headers, 'access-control-request-headers') ?? '').slice(
        0,
        MAX_CORS_REQUEST_HEADERS,
      );
      const requested = list
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean);
      const rule = rules.length ? matchCors(rules, origin, method, requested) : undefined;
      req.resume();
      if (!rule) {
        const message = rules.length
          ? "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
          : 'CORSResponse: CORS is not enabled for this bucket.';
        const body = xmlDocument('Error', [
          ['Code', 'AccessForbidden'],
          ['Message', message],
          ['Method', method],
          ['ResourceType', 'BUCKET'],
        ]).replace(' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', '');
        res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      }
      res.writeHead(200, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': rule.allowedMethods.join(', '),
        ...(requested.length ? { 'access-control-allow-headers': requested.join(', ') } : {}),
        'access-control-expose-headers': rule.exposedHeaders.join(', '),
        'access-control-max-age': String(rule.maxAgeSeconds),
        vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
        'content-length': '0',
      });
      res.end();
      return true;
    }
    const rule = matchCors(rules, origin, req.method ?? 'GET', []);
    if (rule) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-methods', rule.allowedMethods.join(', '));
      res.setHeader('access-control-expose-headers', rule.exposedHeaders.join(', '));
      res.setHeader('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
    }
    return false;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const now = opts.clock.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (cors(req, res, rawPath)) return;
    const ctx: Context = {
      req,
      res,
      method,
      bucketName: '',
      key: '',
      query: new Map(),
      auth: { accessKeyId: '', presigned: false, payloadHash: 'UNSIGNED-PAYLOAD', signedHeaders: [] },
      now,
      requestId,
    };
    try {
      if (rawUrl.length > 16 * 1024) throw new S3Error('InvalidRequest', 'The request URI is too long.');
      const pairs: [string, string][] = [];
      for (const part of q === -1 ? [] : rawUrl.slice(q + 1).split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        const name = decodeURIComponent(eq === -1 ? part : part.slice(0, eq));
        pairs.push([name, eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1))]);
      }
      ctx.query = new Map(pairs);
      const path = rawPath.slice(1);
      const slash = path.indexOf('/');
      ctx.bucketName = decodeURIComponent(slash === -1 ? path : path.slice(0, slash));
      ctx.key = slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
      if (Buffer.byteLength(ctx.key) > MAX_KEY_BYTES)
        throw new S3Error('KeyTooLongError', 'Your key is too long');
      ctx.auth = authorize(
        { method, rawPath, query: pairs, headers: req.headers },
        { credentials: [opts.credentials], region: opts.region, now, wallNow: new Date() },
      );
      await route(ctx);
    } catch (error) {
      const e =
        error instanceof S3Error
          ? error
          : error instanceof URIError
            ? new S3Error('InvalidURI', "Couldn't parse the specified URI.")
            : new S3Error('InternalError', 'We encountered an internal error. Please try again.');
      if (!(error instanceof S3Error) && !(error instanceof URIError)) {
        process.stderr.write(
          `S3 stand-in: ${(error as Error)?.name ?? 'Error'} on ${method} ${rawPath}: ${(error as Error)?.message ?? ''}\n`,
        );
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = e.code === 'InternalError' ? 500 : e.code === 'InvalidURI' ? 400 : e.status;
      // A body the client is still sending is read and dropped, so it sees the answer, not a reset.
      req.resume();
      const body = xmlDocument('Error', [
        ['Code', e.code],
        ['Message', e.message],
        ...(ctx.key
          ? [['Key', ctx.key] as XmlChild]
          : ctx.bucketName
            ? [['BucketName', ctx.bucketName] as XmlChild]
            : []),
        ['RequestId', requestId],
        ['HostId', requestId],
      ]).replace(' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', '');
      send(ctx, status, e.headers as Record<string, string>, body);
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${opts.host}:${port}`,
    setCors: (bucketName, rules) => {
      corsRules.set(bucketName, rules);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        kms.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};

const LIST_PARAMS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'marker',
  'continuation-token',
  'start-after',
  'encoding-type',
  'fetch-owner',
  'x-id',
]);

const parseMaxKeys = (value: string | undefined): number => {
  if (value === undefined) return 1000;
  if (!/^\d{1,9}$/.test(value))
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  return Number(value);
};

/** First index whose key is >= target. */
const lowerBound = (keys: readonly string[], target: string): number => {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
