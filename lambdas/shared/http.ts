/**
 * The middy wiring every HTTP handler shares. Middleware order (middy runs `before` hooks in
 * `.use()` order and `onError` in reverse): the error mapper is registered first so it runs last
 * and sees every failure, including one from body parsing.
 *
 * A caller only ever sees `{ code, message, ...details }`; never a stack trace or an SDK error.
 */
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { ForbiddenError, HttpError, ValidationError } from './errors';
import { type Actor, actorFrom } from './identity';
import { errorFacts, logger } from './logger';

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

const parseBody = (event: HttpEvent): unknown => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError([{ field: 'body', message: 'The request body is not valid JSON.' }], { cause });
  }
};

export const errorResponse = (error: unknown, requestId: string): HttpResponse => {
  if (error instanceof HttpError) {
    return toResponse({
      statusCode: error.statusCode,
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
 * A caller whose role may not use a route is refused before any domain code runs; the attempt is
 * still an audit event (who, which route, which order if the path names one). Best effort: the
 * refusal stands whether or not the event could be written, since nothing was read.
 */
const auditForbidden = async (event: HttpEvent) => {
  try {
    const actor = actorFrom(event);
    const { productionDeps } = await import('./deps');
    const deps = productionDeps();
    const orderId = event.pathParameters?.orderId;
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

export interface HttpHandlerOptions {
  /** Public routes (health) skip the identity check; every other route needs a verified token. */
  readonly public?: boolean;
}

export const httpHandler = (
  fn: (request: HttpRequest) => Promise<HttpResult>,
  options: HttpHandlerOptions = {},
) =>
  middy<HttpEvent, HttpResponse, Error, Context>()
    .use({
      onError: async (request) => {
        const requestId =
          request.context?.awsRequestId ?? request.event?.requestContext?.requestId ?? 'unknown';
        if (request.error instanceof ForbiddenError && request.event) await auditForbidden(request.event);
        const status = request.error instanceof HttpError ? request.error.statusCode : 500;
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
      const result = await fn({
        event,
        actor,
        body: parseBody(event),
        params: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
        requestId,
      });
      return toResponse(result);
    });

/** A path parameter API Gateway guarantees by the route; its absence is a wiring bug. */
export const pathParam = (params: Readonly<Record<string, string | undefined>>, name: string): string => {
  const value = params[name];
  if (!value) throw new ValidationError([{ field: name, message: `The path needs a ${name}.` }]);
  return value;
};
