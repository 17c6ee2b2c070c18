/**
 * The web console's security headers and the case-files bucket's CORS rule: plain data read by
 * the CDK app (lib/console.ts: CloudFront response headers, bucket CORS) and by the local stack
 * (local/http-api.ts serves the built app with the same policy; local/s3 enforces the same rule),
 * so what the browser is allowed to do cannot drift between `cdk deploy` and `npm start`.
 */

/** Where the console may send requests: the API and the bucket the presigned URLs point at. */
export interface ConsoleOrigins {
  /** The API's origin, e.g. https://abc.execute-api.us-east-1.amazonaws.com, or `'self'` when the API serves the app. */
  readonly api: string;
  /** The case-files bucket's endpoint origin (presigned PUT/GET). */
  readonly bucket: string;
  /** The Cognito hosted UI's origin (token endpoint); none on the local stack. */
  readonly auth?: string;
}

/**
 * Content-Security-Policy of the console. No inline script or style, no eval, nothing framed
 * and the app framed by nobody; requests only to the API, the bucket (and on AWS the Cognito
 * token endpoint). `blob:` images are the viewer's screenshots, never remote content. Workers
 * (hashing a scan, parsing a mesh) only from the app's own files: no `blob:` or `data:` worker.
 */
export const consoleCsp = (origins: ConsoleOrigins): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${[origins.api, origins.bucket, origins.auth].filter(Boolean).join(' ')}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');

/** The other headers every console response carries (HSTS is added where there is TLS: CloudFront). */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export interface CorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly ('GET' | 'PUT' | 'HEAD')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/**
 * The case-files bucket's CORS rule for the console: presigned PUTs (single and parts) and
 * GETs from the console's origin only. `ETag` is exposed because a multipart upload records
 * each part's ETag; the headers a presigned PUT signs (checksum, SSE-KMS) are the ones allowed.
 */
export const consoleCorsRule = (consoleOrigins: readonly string[]): CorsRule => ({
  allowedOrigins: consoleOrigins,
  allowedMethods: ['GET', 'PUT', 'HEAD'],
  allowedHeaders: [
    'content-type',
    'x-amz-checksum-sha256',
    'x-amz-sdk-checksum-algorithm',
    'x-amz-server-side-encryption',
    'x-amz-server-side-encryption-aws-kms-key-id',
    'x-amz-server-side-encryption-bucket-key-enabled',
  ],
  exposedHeaders: ['ETag', 'x-amz-version-id'],
  maxAgeSeconds: 600,
});
