/**
 * Authorization at the edge: every HTTP function in the catalogue enforces exactly the roles its
 * routes declare in lib/functions.ts, in lambdas/runtime/http.ts, before its domain call runs. Each
 * handler module is imported as deployed (placeholder configuration, nothing sent) and every
 * method of every adapter it wires is replaced by a spy, so a refusal that reached the domain
 * would show as a port call. The domain checks no role, so without the edge check a wrong role
 * would get past here.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ROUTE_ROLES } from '../../common/roles';
import type { HttpEvent, HttpResponse } from '../../lambdas/runtime/http';
import { FUNCTIONS, ROLES, type Role, type RouteDefinition } from '../../lib/functions';
import { projectPath } from '../../lib/project-paths';
import { placeholderEnv } from '../../scripts/bundles';

/** Not ports: no data behind them (the edge uses both to write its refusal). */
const PLAIN = new Set(['clock', 'ids']);

const HTTP_FUNCTIONS = FUNCTIONS.filter((fn) => (fn.routes ?? []).some((route) => route.roles.length > 0));

type Handler = (event: HttpEvent, context: Context) => Promise<HttpResponse>;

/** Every method of every adapter the module wires, each replaced by a spy that resolves nothing. */
const spyOnPorts = (deps: Record<string, unknown>) => {
  const spies = new Map<string, MockInstance>();
  for (const [port, adapter] of Object.entries(deps)) {
    if (PLAIN.has(port) || adapter === null || typeof adapter !== 'object') continue;
    const names = new Set<string>();
    for (let o: object | null = adapter; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
      for (const name of Object.getOwnPropertyNames(o))
        if (name !== 'constructor' && typeof (adapter as Record<string, unknown>)[name] === 'function')
          names.add(name);
    for (const name of names)
      spies.set(
        `${port}.${name}`,
        vi.spyOn(adapter as Record<string, () => unknown>, name).mockImplementation(async () => undefined),
      );
  }
  return spies;
};

const eventFor = (route: RouteDefinition, roles: readonly string[]): HttpEvent => {
  const pathParameters = Object.fromEntries(
    [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [
      name,
      name === 'accountId' ? 'lab-other' : `${name.slice(0, 3)}_0123456789abcdef`,
    ]),
  );
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: route.path,
    headers: hasBody ? { 'content-type': 'application/json' } : {},
    ...(hasBody ? { body: '{}' } : {}),
    isBase64Encoded: false,
    pathParameters,
    requestContext: {
      requestId: 'r-edge',
      http: {
        method: route.method,
        path: route.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 't',
      },
      authorizer: {
        jwt: {
          claims: { sub: 'u-edge', account_id: 'lab-acme', 'cognito:groups': `[${roles.join(' ')}]` },
          scopes: null,
        },
      },
    },
  } as unknown as HttpEvent;
};

beforeAll(async () => {
  // Prepare: the names a cold start reads (placeholders: importing a handler sends nothing).
  Object.assign(process.env, await placeholderEnv(), { CASELINE_STAGE: 'aws' });
});

describe('every HTTP function enforces exactly its declared roles at the edge', () => {
  it('covers every route that names roles, each from its own function in common/roles.ts', () => {
    expect(HTTP_FUNCTIONS.length).toBeGreaterThanOrEqual(29);
    expect(HTTP_FUNCTIONS.map((fn) => fn.id).sort()).toEqual(Object.keys(ROUTE_ROLES).sort());
    for (const fn of HTTP_FUNCTIONS)
      for (const route of fn.routes ?? [])
        expect(route.roles).toBe(ROUTE_ROLES[fn.id as keyof typeof ROUTE_ROLES]);
  });

  describe.each(HTTP_FUNCTIONS.map((fn) => [fn.id, fn] as const))('%s', (_id, fn) => {
    const load = async () => {
      const mod = (await import(pathToFileURL(projectPath(fn.entry)).href)) as {
        deps: Record<string, unknown>;
        handler: Handler;
      };
      return { handler: mod.handler, spies: spyOnPorts(mod.deps) };
    };
    const cases = (fn.routes ?? []).flatMap((route) => [
      ...ROLES.map((role) => [route, [role], route.roles.includes(role)] as const),
      [route, [] as Role[], false] as const,
    ]);

    it.each(
      cases.map(
        ([route, roles, allowed]) => [`${route.method} ${route.path}`, roles, allowed, route] as const,
      ),
    )('%s as %j: allowed %s', async (_label, roles, allowed, route) => {
      // Prepare
      const { handler, spies } = await load();
      for (const spy of spies.values()) spy.mockClear();

      // Act
      const res = await handler(eventFor(route, roles), { awsRequestId: 'r-edge' } as Context);

      // Assess
      if (allowed) {
        expect(res.statusCode).not.toBe(403);
        expect(res.statusCode).not.toBe(401);
        return;
      }
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(res.body ?? '{}')).toMatchObject({ code: 'FORBIDDEN' });
      const touched = [...spies].filter(([, spy]) => spy.mock.calls.length > 0).map(([name]) => name);
      expect(touched).toEqual(['audit.append']);
      expect(spies.get('audit.append')?.mock.calls).toEqual([
        [
          expect.objectContaining({
            action: 'access.forbidden',
            outcome: 'DENIED',
            reason: 'WRONG_ROLE',
            route: `${route.method} ${route.path}`,
          }),
        ],
      ]);
    });
  });
});
