/**
 * AWS Signature Version 4 as S3 checks it, for requests signed in the Authorization header and
 * for presigned URLs (query parameters). Two times, on purpose: a presigned URL's validity is a
 * deadline the application sets, so it runs on the stack's clock (URLs are signed on it too, see
 * S3FileStore); a header-signed request's freshness (15 minutes of skew) is transport-level and
 * runs on real time, so SDK clients and the AWS CLI keep working after the clock is advanced.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './errors';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface SignedRequest {
  readonly method: string;
  /** The path exactly as sent (still percent-encoded), without the query. */
  readonly rawPath: string;
  /** Query parameters in the order sent, decoded. */
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Authorization {
  readonly accessKeyId: string;
  readonly presigned: boolean;
  /** x-amz-content-sha256 as signed: a hex digest, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  readonly payloadHash: string;
  /** Headers the signature covers (lower case). */
  readonly signedHeaders: readonly string[];
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** RFC 3986 encoding, as SigV4's canonical query string wants it. */
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

const parseAmzDate = (value: string | undefined): Date | undefined => {
  const m = value ? AMZ_DATE.exec(value) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

const headerValue = (headers: SignedRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

const canonicalHeaders = (request: SignedRequest, signed: readonly string[]) =>
  signed
    .map((name) => {
      const value = headerValue(request.headers, name);
      if (value === undefined)
        throw new S3Error('SignatureDoesNotMatch', `Signed header ${name} is missing.`);
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');

const canonicalQuery = (query: SignedRequest['query'], skip?: string) =>
  query
    .filter(([k]) => k !== skip)
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const parseCredential = (credential: string, region: string): Scope => {
  const parts = credential.split('/');
  const [accessKeyId, date, scopeRegion, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    !accessKeyId ||
    !date ||
    !scopeRegion ||
    service !== 's3' ||
    terminator !== 'aws4_request'
  ) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      'The authorization header is malformed; the Credential is mal-formed.',
    );
  }
  if (scopeRegion !== region) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
    );
  }
  return { accessKeyId, date, region: scopeRegion, service };
};

const expectSignature = (
  request: SignedRequest,
  scope: Scope,
  amzDate: string,
  signed: readonly string[],
  payloadHash: string,
  signature: string,
  secret: string,
  skipQuery?: string,
) => {
  const canonical = [
    request.method,
    request.rawPath,
    canonicalQuery(request.query, skipQuery),
    canonicalHeaders(request, signed),
    signed.join(';'),
    payloadHash,
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service),
    'aws4_request',
  );
  const expected = Buffer.from(hmac(key, stringToSign).toString('hex'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
};

/** S3 refuses x-amz-* headers the signature does not cover (a presigned URL cannot be widened). */
const requireSignedAmzHeaders = (
  request: SignedRequest,
  signed: readonly string[],
  exempt: readonly string[],
) => {
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && !signed.includes(name) && !exempt.includes(name),
  );
  if (unsigned.length) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed');
  }
};

/**
 * Checks a request's SigV4 signature; throws the S3Error S3 would answer. A request that carries
 * no signature at all is AccessDenied: the bucket is private, as Block Public Access keeps it.
 */
export const authorize = (
  request: SignedRequest,
  opts: { credentials: readonly Credentials[]; region: string; now: Date; wallNow: Date },
): Authorization => {
  const get = (name: string) => request.query.find(([k]) => k === name)?.[1];
  const auth = headerValue(request.headers, 'authorization');
  const secretFor = (accessKeyId: string) => {
    const found = opts.credentials.find((c) => c.accessKeyId === accessKeyId);
    if (!found) {
      throw new S3Error(
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    }
    return found.secretAccessKey;
  };

  if (get('X-Amz-Algorithm') !== undefined || get('X-Amz-Signature') !== undefined) {
    if (auth)
      throw new S3Error(
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    if (get('X-Amz-Algorithm') !== ALGORITHM) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
      );
    }
    const credential = get('X-Amz-Credential');
    const amzDate = get('X-Amz-Date');
    const expires = get('X-Amz-Expires');
    const signedHeaders = get('X-Amz-SignedHeaders');
    const signature = get('X-Amz-Signature');
    if (!credential || !amzDate || !expires || !signedHeaders || !signature) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const scope = parseCredential(credential, opts.region);
    const date = parseAmzDate(amzDate);
    const seconds = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
    if (!date || amzDate.slice(0, 8) !== scope.date) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
      );
    }
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_PRESIGNED_SECONDS) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'X-Amz-Expires must be less than a week (in seconds) that is 604800',
      );
    }
    const secret = secretFor(scope.accessKeyId);
    const signed = signedHeaders.split(';');
    if (!signed.includes('host')) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'Query-string authentication requires the host header to be signed.',
      );
    }
    expectSignature(
      request,
      scope,
      amzDate,
      signed,
      'UNSIGNED-PAYLOAD',
      signature,
      secret,
      'X-Amz-Signature',
    );
    requireSignedAmzHeaders(request, signed, ['x-amz-content-sha256']);
    // Checked after the signature, as S3 does: an unsigned change to the expiry is a bad signature.
    if (date.getTime() - MAX_SKEW_MS > opts.now.getTime())
      throw new S3Error('AccessDenied', 'Request is not valid yet');
    if (date.getTime() + seconds * 1000 < opts.now.getTime())
      throw new S3Error('AccessDenied', 'Request has expired');
    return {
      accessKeyId: scope.accessKeyId,
      presigned: true,
      payloadHash: 'UNSIGNED-PAYLOAD',
      signedHeaders: signed,
    };
  }

  if (!auth) throw new S3Error('AccessDenied', 'Access Denied');
  if (!auth.startsWith(`${ALGORITHM} `)) {
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type');
  }
  const fields = Object.fromEntries(
    auth
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
      }),
  ) as Record<string, string | undefined>;
  const { Credential: credential, SignedHeaders: signedHeaders, Signature: signature } = fields;
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  }
  const scope = parseCredential(credential, opts.region);
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const date = parseAmzDate(amzDate);
  if (!amzDate || !date)
    throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (!payloadHash) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const secret = secretFor(scope.accessKeyId);
  const signed = signedHeaders.split(';');
  expectSignature(request, scope, amzDate, signed, payloadHash, signature, secret);
  requireSignedAmzHeaders(request, signed, []);
  if (Math.abs(date.getTime() - opts.wallNow.getTime()) > MAX_SKEW_MS) {
    throw new S3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  }
  return { accessKeyId: scope.accessKeyId, presigned: false, payloadHash, signedHeaders: signed };
};
