/**
 * The AWS JSON 1.1 wire protocol as KMS speaks it: POST / with `X-Amz-Target: TrentService.<Op>`,
 * a JSON body with base64 blobs, and errors as HTTP 400 `{"__type": ..., "message": ...}`, which the
 * SDK turns into an exception whose `name` is that type.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export type Body = Readonly<Record<string, unknown>>;
export type Operation = (body: Body) => unknown;

const TARGET_PREFIX = 'TrentService.';
// KMS requests are small (4 KB plaintexts); anything near this is not a KMS client.
const MAX_BODY_BYTES = 1024 * 1024;

/** AWS's own wording for constraint failures, so messages read like the real service's. */
export const validation = (field: string, constraint: string, value?: unknown): KmsError =>
  new KmsError(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: Member ${constraint}`,
  );

const fieldName = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

export const optionalString = (body: Body, name: string): string | undefined => {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KmsError('SerializationException', `${name} must be a string`);
  return value;
};

export const requiredString = (body: Body, name: string): string => {
  const value = optionalString(body, name);
  if (!value) throw validation(fieldName(name), 'must not be null');
  return value;
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const requiredBlob = (body: Body, name: string, max = 6144): Buffer => {
  const value = optionalString(body, name);
  if (value === undefined) throw validation(fieldName(name), 'must not be null');
  if (!BASE64.test(value)) throw new KmsError('SerializationException', `${name} is not valid base64`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1) throw validation(fieldName(name), 'must have length greater than or equal to 1');
  if (bytes.length > max) throw validation(fieldName(name), `must have length less than or equal to ${max}`);
  return bytes;
};

export const encryptionContext = (
  body: Body,
  name = 'EncryptionContext',
): Record<string, string> | undefined => {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    Object.values(value).some((v) => typeof v !== 'string')
  ) {
    throw new KmsError('SerializationException', `${name} must be a map of strings to strings`);
  }
  return value as Record<string, string>;
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new KmsError('ValidationException', 'Request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * SigV4 is not verified (no secrets to check against), but an unsigned request, or one scoped to
 * another region or service, is refused as AWS would, so a misconfigured client fails here first.
 */
const checkAuthorization = (header: string | undefined, region: string) => {
  if (!header) {
    throw new KmsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token');
  }
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    throw new KmsError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  const scope = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header);
  if (!scope) {
    throw new KmsError(
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter.",
    );
  }
  if (scope[1] !== region || scope[2] !== 'kms') {
    throw new KmsError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region and service: expected ${region}/kms, got ${scope[1]}/${scope[2]}.`,
    );
  }
};

export const serveJson11 = (region: string, operations: Readonly<Record<string, Operation>>): Server =>
  createServer((req, res) => {
    const send = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    const target = String(req.headers['x-amz-target'] ?? '');
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    readBody(req)
      .then((text) => {
        checkAuthorization(req.headers.authorization, region);
        const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
        if (req.method !== 'POST' || !operation) {
          throw new KmsError(
            'UnsupportedOperationException',
            `The local KMS stand-in does not implement ${target ? `'${target}'` : 'requests without X-Amz-Target'}; ` +
              `it serves ${Object.keys(operations).join(', ')}.`,
          );
        }
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          throw new KmsError('SerializationException', 'The request body is not valid JSON');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new KmsError('SerializationException', 'The request body must be a JSON object');
        }
        send(200, operation(body as Body));
      })
      .catch((error: unknown) => {
        if (error instanceof KmsError) {
          send(400, { __type: error.type, message: error.message }, error.type);
          return;
        }
        // A bug in the stand-in. The stack names code, never request data or key material.
        console.error(
          `KMS stand-in: internal error in ${name || 'request'}:`,
          (error as Error)?.stack ?? error,
        );
        send(500, { __type: 'KMSInternalException', message: 'Internal error' }, 'KMSInternalException');
      });
  });
