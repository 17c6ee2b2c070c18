/**
 * The local stack's own edges: its HTTP API answers an expired or forged token on a /local
 * operator route with 401 like the JWT authorizer (not 403), refuses a declared oversized body
 * with 413, and `npm start -- --help` prints the options and exits 0.
 *
 * The token test runs its own HTTP API and identity provider on a private clock: moving the
 * shared stack's clock would expire every other test's tokens.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lambdas/kernel/clock';
import { FunctionsHost } from '../../local/functions-host';
import { type HttpApi, MAX_BODY_BYTES, startHttpApi } from '../../local/http-api';
import { createIdp, TOKEN_TTL_SECONDS } from '../../local/idp';
import { SEED_USERS } from '../../local/seed';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('local HTTP API edges', () => {
  const clock = new FakeClock();
  let api: HttpApi;
  let idp: Awaited<ReturnType<typeof createIdp>>;
  const reached: string[] = [];

  beforeAll(async () => {
    idp = await createIdp({ issuer: 'http://local/local-idp', clock });
    api = await startHttpApi({
      host: '127.0.0.1',
      port: 0,
      idp,
      functions: new FunctionsHost('us-east-1', '000000000000'),
      clock,
      localRoutes: {
        'POST /local/clock/advance': async ({ claims }) => {
          reached.push(String(claims?.username));
          return { status: 200, body: {} };
        },
      },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const operator = SEED_USERS.find((u) => u.roles.includes('operator'));
  const advance = (token: string) =>
    fetch(`${api.url}/local/clock/advance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"minutes":1}',
    });

  it('answers an expired token with 401 and a Bearer challenge, and never runs the route', async () => {
    // Prepare
    if (!operator) throw new Error('no seeded operator');
    const { accessToken } = await idp.issue(operator);
    expect((await advance(accessToken)).status).toBe(200);
    clock.advance((TOKEN_TTL_SECONDS + 1) * 1000);
    reached.length = 0;

    // Act
    const res = await advance(accessToken);

    // Assess
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(reached).toEqual([]);
  });

  it('answers a forged token with 401', async () => {
    const res = await advance('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');

    expect(res.status).toBe(401);
  });

  it('refuses a declared Content-Length over 10 MB with 413 before reading the body', async () => {
    // Only the headers and a few bytes are sent: the answer must come without the rest.
    const status = await new Promise<number>((resolvePromise, reject) => {
      const req = request(`${api.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) },
      });
      req.on('response', (res) => {
        res.resume();
        resolvePromise(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"notes":"');
    });

    expect(status).toBe(413);
  });
});

describe('npm start -- --help', () => {
  it('prints the options and exits 0 without starting anything', () => {
    const run = spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['local/main.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: npm start -- [options]');
    expect(run.stdout).toContain('--memory');
    expect(run.stdout).toContain('--port');
    expect(run.stderr).not.toContain('at ');
  });

  it('names an unknown option and exits 2, without a stack trace', () => {
    const run = spawnSync(resolve(ROOT, 'node_modules/.bin/tsx'), ['local/main.ts', '--bogus'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
