/**
 * The HTTP API: turns HTTP requests into API Gateway HTTP API (payload v2) events for the same
 * handlers, after the JWT authorizer's checks (signature, issuer, expiry, client, and the route
 * scope only access tokens carry: local/idp.ts). Claims reach the
 * handler flattened to strings, as API Gateway passes them.
 *
 * Local-only routes live under /local: tokens for seeded users, the outbox, the clock, jobs.
 *
 * The web console (web/, built into web/dist by `npm run build:web`) is served at `/`, its files
 * under `/assets/`, and `/config.json` tells it where it runs, with the same security headers
 * CloudFront adds on AWS (common/console.ts). No API route uses these paths.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import type { Clock } from '../lambdas/kernel/clock';
import { type FunctionDefinition, type RouteDefinition, routesOf } from '../lib/functions';
import type { FunctionsHost } from './functions-host';
import type { Idp } from './idp';

/** API Gateway's payload limit: HTTP APIs refuse a larger body with 413 before any integration runs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/**
 * Lambda's limit for a synchronous invocation's event. API Gateway cannot hand a larger event
 * (body plus headers and context) to a function, which then never runs; here it is refused
 * with 413 too, so the local stack is never more lenient than AWS.
 */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

const FORM = 'application/x-www-form-urlencoded';

const TOO_LARGE = { code: 'PAYLOAD_TOO_LARGE', message: 'Request Entity Too Large: the body is over 10 MB.' };

export type LocalRoute = (req: {
  method: string;
  path: string;
  /** JSON, or for a form-encoded request (the OAuth endpoints) its fields, the last of each name. */
  body: unknown;
  /** The media type without parameters, e.g. `application/x-www-form-urlencoded`. */
  contentType: string;
  claims?: JWTPayload;
  query: URLSearchParams;
}) => Promise<{ status: number; body?: unknown }>;

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly fn: FunctionDefinition;
  readonly pattern: RegExp;
  readonly names: string[];
}

const compile = (route: RouteDefinition, fn: FunctionDefinition): CompiledRoute => {
  const names: string[] = [];
  // Route paths are literal segments and {param} placeholders only (checked by the OpenAPI test).
  const source = route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, fn, pattern: new RegExp(`^${source}$`), names };
};

/**
 * Reads the body up to the limit. A declared Content-Length over it is refused without reading
 * a byte; a body that streams past it stops being read at the limit (the caller answers 413 and
 * closes the connection), so memory and time stay bounded whatever the client sends.
 */
const readBody = (req: IncomingMessage): Promise<Buffer | 'too-large'> => {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
};

/**
 * Bytes of an oversized body that are drained (counted, never kept) after the 413, so a client
 * still sending reads its answer instead of a reset connection; past this, the connection is cut.
 */
const DRAIN_LIMIT_BYTES = 4 * MAX_BODY_BYTES;

/** 413 at once; the rest of the body is drained up to a bound, never buffered. */
const refuseTooLarge = (req: IncomingMessage, res: ServerResponse) => {
  sendJson(res, 413, TOO_LARGE);
  if (req.complete) return;
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.resume();
};

/** API Gateway passes every claim as a string; arrays become "[a b]". */
const flattenClaims = (claims: JWTPayload): Record<string, string> =>
  Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
  );

const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

/** The built console: where it is, the headers its pages carry, and the config it reads. */
export interface ConsoleSite {
  readonly dir: string;
  readonly headers: (apiUrl: string) => Readonly<Record<string, string>>;
  readonly config: (apiUrl: string) => unknown;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  json: 'application/json',
};
/** An asset name as Vite writes it (name-hash.ext): no separators, so no path leaves assets/. */
const ASSET_NAME = /^\/assets\/([A-Za-z0-9_-]{1,128}\.[a-z0-9]{1,8})$/;

/** Compressed once per file version, as CloudFront compresses for the browser on AWS. */
const gzipped = new Map<string, { mtimeMs: number; body: Buffer }>();
const COMPRESSIBLE = new Set(['js', 'css', 'html', 'svg', 'json']);
const gzipOf = (file: string, body: Buffer): Buffer => {
  const { mtimeMs } = statSync(file);
  const cached = gzipped.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.body;
  const compressed = gzipSync(body, { level: 9 });
  gzipped.set(file, { mtimeMs, body: compressed });
  return compressed;
};

/** Answers the console's paths (true), or leaves the request to the API (false). */
const serveConsole = (
  site: ConsoleSite,
  apiUrl: string,
  method: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): boolean => {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const headers = site.headers(apiUrl);
  if (pathname === '/config.json') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(method === 'HEAD' ? undefined : JSON.stringify(site.config(apiUrl)));
    return true;
  }
  let file: string | undefined;
  let cache = 'no-store';
  if (pathname === '/' || pathname === '/index.html') file = join(site.dir, 'index.html');
  else {
    const asset = ASSET_NAME.exec(pathname)?.[1];
    if (!asset) return false;
    file = join(site.dir, 'assets', asset);
    // Vite puts a content hash in every asset's name: a changed file is a new name.
    cache = 'public, max-age=31536000, immutable';
  }
  if (!existsSync(file)) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(
      pathname.startsWith('/assets/') ? 'Not Found' : 'The console is not built: run `npm run build:web`.',
    );
    return true;
  }
  const raw = readFileSync(file);
  const ext = file.slice(file.lastIndexOf('.') + 1);
  const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? gzipOf(file, raw) : raw;
  res.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'content-length': String(body.length),
    'cache-control': cache,
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
};

export interface HttpApi {
  readonly url: string;
  close(): Promise<void>;
}

export const startHttpApi = async (opts: {
  host: string;
  port: number;
  idp: Idp;
  functions: FunctionsHost;
  clock: Clock;
  localRoutes: Readonly<Record<string, LocalRoute>>;
  /** The built web console, served at `/`; omitted: no console. */
  console?: ConsoleSite;
}): Promise<HttpApi> => {
  let apiUrl = '';
  const routes = routesOf().map(({ fn, ...route }) => compile(route, fn));

  const bearerClaims = async (req: IncomingMessage): Promise<JWTPayload | undefined> => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1] ? opts.idp.verify(match[1]) : undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    if (opts.console && serveConsole(opts.console, apiUrl, method, url.pathname, req, res)) return;
    const raw = await readBody(req);
    if (raw === 'too-large') return refuseTooLarge(req, res);

    const localKey = `${method} ${url.pathname.replace(/\/[^/]*$/, '/*')}`;
    const local = opts.localRoutes[`${method} ${url.pathname}`] ?? opts.localRoutes[localKey];
    if (local) {
      let body: unknown;
      const contentType =
        String(req.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim()
          .toLowerCase() ?? '';
      try {
        body =
          contentType === FORM
            ? Object.fromEntries(new URLSearchParams(raw.toString('utf8')))
            : raw.length
              ? JSON.parse(raw.toString('utf8'))
              : undefined;
      } catch {
        return sendJson(res, 400, {
          code: 'VALIDATION_FAILED',
          message: 'The request body is not valid JSON.',
        });
      }
      const claims = await bearerClaims(req);
      // A token that was sent and does not verify (expired, forged) is 401, as the authorizer says.
      if (req.headers.authorization !== undefined && !claims)
        return sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
      const result = await local({
        method,
        path: url.pathname,
        body,
        contentType,
        query: url.searchParams,
        ...(claims ? { claims } : {}),
      });
      return sendJson(res, result.status, result.body);
    }

    let matched: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
    let pathMatched = false;
    for (const compiled of routes) {
      const m = compiled.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (compiled.route.method !== method) continue;
      matched = {
        compiled,
        params: Object.fromEntries(compiled.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])),
      };
      break;
    }
    if (!matched) return sendJson(res, 404, { message: pathMatched ? 'Method Not Allowed' : 'Not Found' });

    const { compiled, params } = matched;
    let claims: JWTPayload | undefined;
    if (compiled.route.roles.length > 0) {
      claims = await bearerClaims(req);
      // The JWT authorizer answers 401 itself; the handler is never invoked.
      if (!claims) return sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    }
    const now = opts.clock.now();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const query = Object.fromEntries(url.searchParams);
    const requestId = randomUUID();
    const routeKey = `${compiled.route.method} ${compiled.route.path}`;
    const event = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString: url.searchParams.toString(),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(Object.keys(params).length ? { pathParameters: params } : {}),
      ...(raw.length ? { body: raw.toString('utf8') } : {}),
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: req.headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: req.headers['user-agent'] ?? '',
        },
        requestId,
        routeKey,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        ...(claims
          ? {
              authorizer: {
                jwt: {
                  claims: flattenClaims(claims),
                  // As API Gateway passes them for a route that requires a scope.
                  scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : null,
                },
              },
            }
          : {}),
      },
    };
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES) return refuseTooLarge(req, res);
    const result = (await opts.functions.invoke(compiled.fn.id, event)) as APIGatewayProxyStructuredResultV2;
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
    res.end(result.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A handler that throws past its own error mapping is a Lambda error: API Gateway says 500.
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const { port } = server.address() as AddressInfo;
  apiUrl = `http://${opts.host}:${port}`;
  return {
    url: apiUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
