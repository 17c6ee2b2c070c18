/**
 * The middy wiring every HTTP handler shares. Middleware order (middy runs `before` hooks in
 * `.use()` order and `onError` in reverse): the error mapper is registered first so it runs last
 * and sees every failure, including one from body parsing.
 *
 * A caller only ever sees `{ code, message, ...details }`; never a stack trace or an SDK error.
 *
 * Every input has a bounded cost, checked before it is parsed: the body's size (413), then its
 * media type (415), then path ids by format and length (400); only then is the body parsed as
 * JSON and handed to the domain, which checks each field's length before screening it.
 */
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { Role } from '../../common/roles';
import type { AuditLog, IdGenerator } from '../domain/ports';
import type { Clock } from '../kernel/clock';
import { DomainError, type DomainErrorName, ForbiddenError, ValidationError } from '../kernel/errors';
import { type Actor, actorFrom } from '../kernel/identity';
import { errorFacts, logger, withLambdaContext } from './logger';

export interface HttpRequest {
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
  readonly actor: Actor;
  readonly body: unknown;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly requestId: string;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

const SECURITY_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

export const toResponse = ({ statusCode, body, headers }: HttpResult): HttpResponse => ({
  statusCode,
  headers: { ...SECURITY_HEADERS, ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** The body is over the route's cap. API Gateway itself refuses bodies over 10 MB the same way. */
export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'PAYLOAD_TOO_LARGE';
  override readonly details: { readonly maxBytes: number };
  constructor(maxBytes: number) {
    super(
      `The request body is over ${Math.floor(maxBytes / 1024)} KB, the most this route accepts. ` +
        'Send only the fields the route documents; files go through their upload URLs.',
    );
    this.details = { maxBytes };
  }
}

/** A body sent as something other than JSON (text/plain, a form, no content-type at all). */
export class UnsupportedMediaTypeError extends DomainError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('Send the request body as JSON with the header "content-type: application/json".');
  }
}

/**
 * The largest legitimate body of any route is a create-order request at its limits (2,000
 * characters of notes and 16 items with 500 each, every character escaped as \uXXXX: about
 * 64 KB); twice that leaves room and still bounds JSON.parse and everything after it.
 */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;

const bodyBytes = (event: HttpEvent): number => {
  const body = event.body ?? '';
  // base64 carries 3 bytes in 4 characters; a body that long cannot be under the cap decoded.
  return event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
};

/** application/json, or a JSON-based type such as application/merge-patch+json; parameters ignored. */
const isJson = (contentType: string | undefined): boolean => {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

const headerOf = (event: HttpEvent, name: string): string | undefined => {
  const headers = event.headers ?? {};
  // HTTP APIs pass header names in lower case; a hand-made event may not.
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
};

const parseBody = (event: HttpEvent, maxBytes: number): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  if (event.body.length > maxBytes * 4 || bodyBytes(event) > maxBytes)
    throw new PayloadTooLargeError(maxBytes);
  if (!isJson(headerOf(event, 'content-type'))) throw new UnsupportedMediaTypeError();
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError([{ field: 'body', message: 'The request body is not valid JSON.' }], { cause });
  }
};

// --- errors to statuses -----------------------------------------------------------------------

/**
 * The one place an error becomes an HTTP status (like Medplum's getStatus(outcome)): the domain
 * names what went wrong, the edge decides what it means to a caller. Keyed by every domain error
 * name, so a new class does not compile until it has a status here.
 */
const STATUS_OF: Readonly<
  Record<DomainErrorName | PayloadTooLargeError['name'] | UnsupportedMediaTypeError['name'], number>
> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  AccountNotActiveError: 403,
  RangeNotSealedError: 409,
  NotFoundError: 404,
  OrderNotFoundError: 404,
  ConflictError: 409,
  OrderStuckError: 409,
  OrderExistsError: 409,
  UnexpectedOrderStateError: 409,
  PurgeConflictError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  AuditUnavailableError: 503,
  ServiceUnavailableError: 503,
  TransientError: 503,
  PurgeIncompleteError: 503,
  // Nothing waits for the order: the domain sets it aside (OrderStuckError); escaping here is a bug.
  TaskTokenRefusedError: 500,
};

/** The status a caller gets for an error: a named domain error's, else 500. */
export const statusOf = (error: unknown): number =>
  error instanceof DomainError && Object.hasOwn(STATUS_OF, error.name)
    ? (STATUS_OF[error.name as keyof typeof STATUS_OF] ?? 500)
    : 500;

export const errorResponse = (error: unknown, requestId: string): HttpResponse => {
  const statusCode = statusOf(error);
  if (error instanceof DomainError && statusCode !== 500) {
    return toResponse({
      statusCode,
      body: { code: error.code, message: error.message, ...error.details, requestId },
    });
  }
  return toResponse({
    statusCode: 500,
    body: {
      code: 'INTERNAL',
      message: 'Something went wrong on our side. It has been logged; try again.',
      requestId,
    },
  });
};

/**
 * A caller whose role may not use a route is refused before any domain code runs (the roles are
 * the route's in common/roles.ts, passed in as `roles`; the domain checks no role); the attempt is
 * still an audit event (who, which route, which order if the path names one). Best effort: the
 * refusal stands whether or not the event could be written, since nothing was read.
 */
const auditForbidden = async (deps: RefusalAudit, event: HttpEvent) => {
  try {
    const actor = actorFrom(event);
    // Only a well-formed id is written to the audit log (no CR/LF, no 5,000 characters).
    const raw = event.pathParameters?.orderId;
    const orderId = raw !== undefined && idIssue('orderId', raw) === undefined ? raw : undefined;
    await deps.audit.append({
      eventId: deps.ids.next('aud'),
      at: deps.clock.now().toISOString(),
      accountId: actor.accountId,
      actorSub: actor.sub,
      actorRole: actor.roles[0] ?? 'none',
      actorAccountId: actor.accountId,
      action: 'access.forbidden',
      outcome: 'DENIED',
      sourceIp: actor.sourceIp,
      ...(orderId ? { orderId } : {}),
      reason: 'WRONG_ROLE',
      route: event.routeKey,
    });
  } catch (error) {
    logger.warn('forbidden attempt not audited', errorFacts(error));
  }
};

/** What the edge needs to audit a refusal: the handler's own audit log, clock and ids. */
export interface RefusalAudit {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type HttpHandlerOptions = {
  /** The largest body the route accepts, in bytes (413 above it); DEFAULT_MAX_BODY_BYTES by default. */
  readonly maxBodyBytes?: number;
} & (
  | /** Public routes (health) skip the identity check and refuse no role. */ { readonly public: true }
  | /**
   * Every other route needs a verified token holding one of `roles` (its function's
   * entry in common/roles.ts, `ROUTE_ROLES.<id>`), and audits a refused role with the handler's log.
   */ {
      readonly public?: false;
      readonly refusals: RefusalAudit;
      readonly roles: readonly Role[];
    }
);

export const httpHandler = (fn: (request: HttpRequest) => Promise<HttpResult>, options: HttpHandlerOptions) =>
  middy<HttpEvent, HttpResponse, Error, Context>()
    // First, so the context is on every line, including the error logged below.
    .use(withLambdaContext<HttpEvent, HttpResponse>())
    .use({
      onError: async (request) => {
        const requestId =
          request.context?.awsRequestId ?? request.event?.requestContext?.requestId ?? 'unknown';
        if (request.error instanceof ForbiddenError && request.event && !options.public)
          await auditForbidden(options.refusals, request.event);
        const status = statusOf(request.error);
        if (status >= 500) logger.error('request failed', { ...errorFacts(request.error), requestId });
        else logger.info('request refused', { ...errorFacts(request.error), status, requestId });
        request.response = errorResponse(request.error, requestId);
      },
    })
    .handler(async (event, context) => {
      const requestId = context?.awsRequestId ?? event.requestContext.requestId;
      const actor = options.public
        ? Object.freeze({
            sub: 'anonymous',
            username: 'anonymous',
            roles: [],
            accountId: '-',
            sourceIp: event.requestContext.http.sourceIp,
          })
        : actorFrom(event);
      if (!options.public && !actor.roles.some((role) => options.roles.includes(role)))
        throw new ForbiddenError();
      const params = checkPathParams(event.pathParameters ?? {});
      const body = parseBody(event, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      const result = await fn({
        event,
        actor,
        body,
        params,
        query: event.queryStringParameters ?? {},
        requestId,
      });
      return toResponse(result);
    });

// --- path ids --------------------------------------------------------------------------------

/**
 * Ids in paths: orders, files and designers are `<prefix>_<hex>` (wiring/runtime.ts) or the
 * operator's chosen designer id; accounts are lower-case slugs. Checked by format and length before any
 * lookup, so a 5,000-character id or one with a line break never reaches a table, a key or the
 * audit log. Each rule is anchored and has no nested repetition (linear).
 */
const ID_RULES: Readonly<Record<string, { readonly pattern: RegExp; readonly hint: string }>> = {
  accountId: {
    pattern: /^[a-z0-9][a-z0-9-]{1,62}$/,
    hint: 'an account id is 2 to 63 lower-case letters, digits and "-", e.g. lab-acme',
  },
};
const ID_RULE = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  hint: 'ids are 1 to 64 letters, digits, "_" or "-", as returned when the resource was created',
};

const idIssue = (name: string, value: string) => {
  const rule = ID_RULES[name] ?? ID_RULE;
  return rule.pattern.test(value)
    ? undefined
    : { field: name, message: `Not a valid ${name}: ${rule.hint}. Check the path.` };
};

/** Every path parameter, checked against its id rule; one ValidationError lists each bad one. */
export const checkPathParams = (
  params: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> => {
  const issues = Object.entries(params).flatMap(([name, value]) => {
    const issue = value === undefined ? undefined : idIssue(name, value);
    return issue ? [issue] : [];
  });
  if (issues.length) throw new ValidationError(issues);
  return params;
};

/** A path parameter API Gateway guarantees by the route (its absence is a wiring bug), checked by format. */
export const pathParam = (params: Readonly<Record<string, string | undefined>>, name: string): string => {
  const value = params[name];
  if (!value) throw new ValidationError([{ field: name, message: `The path needs a ${name}.` }]);
  const issue = idIssue(name, value);
  if (issue) throw new ValidationError([issue]);
  return value;
};
