/**
 * Each function constructs only the adapters its catalogue entry declares
 * (lib/function-adapters.ts), which is also what its IAM role is granted
 * (test/infra/least-privilege.test.ts): wiring and IAM cannot drift apart. And the HTTP edge
 * audits a refused role with the audit log the handler gives it, not by loading all the wiring.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../lambdas/kernel/errors';
import { type HttpEvent, type HttpResponse, httpHandler } from '../../lambdas/runtime/http';
import { ADAPTERS, type AdapterId } from '../../lib/adapter-calls';
import { FUNCTION_ADAPTERS } from '../../lib/function-adapters';
import { FUNCTIONS } from '../../lib/functions';
import { projectPath } from '../../lib/project-paths';
import { placeholderEnv } from '../../scripts/bundles';
import { makeDeps } from '../support/fakes';

/** The deps keys an adapter fills: its port names (the account policies fill two). */
const adapterOfKey = new Map<string, AdapterId>(
  (Object.entries(ADAPTERS) as [AdapterId, { port: string }][]).flatMap(([id, def]) =>
    def.port.split(',').map((port) => [port.trim(), id] as [string, AdapterId]),
  ),
);
/** Not adapters: no SDK client, no grant. */
const PLAIN = new Set(['clock', 'ids']);

beforeAll(async () => {
  // Prepare: the names a cold start reads (placeholders: importing a handler sends nothing).
  Object.assign(process.env, await placeholderEnv(), { CASELINE_STAGE: 'aws' });
});

describe('each handler wires exactly the adapters lib/function-adapters.ts declares for it', () => {
  it.each(FUNCTIONS.map((f) => [f.id, f.entry] as const))('%s', async (id, entry) => {
    // Act
    const mod = (await import(pathToFileURL(projectPath(entry)).href)) as { deps?: object };
    const keys = Object.keys(mod.deps ?? {}).filter((k) => !PLAIN.has(k));
    const wired = [...new Set(keys.map((k) => adapterOfKey.get(k) ?? `unknown deps key ${k}`))].sort();
    // Assess
    const declared = Object.keys(FUNCTION_ADAPTERS[id] ?? {}).sort();
    expect(wired).toEqual(declared);
  });
});

describe('the HTTP edge audits a refused role in the log the handler wires', () => {
  it('writes access.forbidden to the handler’s audit log', async () => {
    // Prepare
    const deps = makeDeps();
    const handler = httpHandler(
      async () => {
        throw new ForbiddenError('Only operators may do this.');
      },
      { refusals: deps, roles: ['operator'] },
    );
    const event = {
      version: '2.0',
      routeKey: 'GET /designers',
      rawPath: '/designers',
      headers: {},
      pathParameters: {},
      requestContext: {
        requestId: 'r-1',
        http: {
          method: 'GET',
          path: '/designers',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 't',
        },
        authorizer: {
          jwt: { claims: { sub: 'u-1', account_id: 'lab-acme', 'cognito:groups': '[lab]' }, scopes: null },
        },
      },
    } as unknown as HttpEvent;
    // Act
    const res = (await handler(event, { awsRequestId: 'r-1' } as Context)) as HttpResponse;
    // Assess
    expect(res.statusCode).toBe(403);
    expect(deps.audit.events).toEqual([
      expect.objectContaining({ action: 'access.forbidden', outcome: 'DENIED', route: 'GET /designers' }),
    ]);
  });
});
