/**
 * The local stack serves the built console at `/` with the console's security headers, beside
 * every API route; the S3 stand-in admits the console's origin only (CORS); and in Chromium the
 * CSP refuses an injected inline script.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, newPage } from './browser';

const consoleUrl = inject('consoleUrl');
const s3Url = inject('s3Url');

describe('the console served by the local stack', () => {
  it('serves index.html at / with a strict CSP, and its hashed assets', async () => {
    const res = await fetch(`${consoleUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['worker-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'", s3Url]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    // No inline script at all: every script is a file of the app's own origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${consoleUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // Compressed for a browser that asks (as CloudFront does on AWS), the same bytes once inflated.
    expect(js.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(`${consoleUrl}${asset}`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(await js.text());
  });

  it('keeps the API routes: /health, 401 on /orders without a token, /local routes, 404 for unknown paths', async () => {
    expect(await (await fetch(`${consoleUrl}/health`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${consoleUrl}/orders`)).status).toBe(401);
    expect((await fetch(`${consoleUrl}/local/users`)).status).toBe(200);
    expect((await fetch(`${consoleUrl}/assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${consoleUrl}/assets/nope.js`)).status).toBe(404);
    const config = await (await fetch(`${consoleUrl}/config.json`)).json();
    // The local IdP's token endpoints on this origin (/local/oauth2/…), as Cognito's are at its domain.
    expect(config).toEqual({
      stage: 'local',
      apiUrl: '',
      auth: { kind: 'local', domain: '/local', clientId: 'caseline-local-client' },
    });
  });

  it('S3 answers a preflight from the console origin and refuses any other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${s3Url}/caseline-case-files/orders/x/inputs/y`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'x-amz-checksum-sha256,x-amz-server-side-encryption',
        },
      });
    const allowed = await preflight(consoleUrl);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(consoleUrl);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('ETag');
    const other = await preflight('https://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // The audit-digests bucket has no CORS rule: no browser reads it.
    const digests = await fetch(`${s3Url}/caseline-audit-digests/x`, {
      method: 'OPTIONS',
      headers: { origin: consoleUrl, 'access-control-request-method': 'GET' },
    });
    expect(digests.status).toBe(403);
  });
});

describe('the CSP in Chromium', () => {
  let browser: Browser;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ browser, close } = await launch());
  });
  afterAll(async () => {
    await close();
  });

  it('blocks an injected inline script and reports the violation', async () => {
    const { context, page, errors } = await newPage(browser);
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'Sign in to Caseline' }).waitFor();
    const result = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true;';
      document.body.appendChild(script);
      const img = document.createElement('img');
      img.src = 'https://evil.example/pixel.png';
      document.body.appendChild(img);
      await new Promise((r) => setTimeout(r, 200));
      return { ran: (window as unknown as { __injected?: boolean }).__injected === true, violations };
    });
    expect(result.ran).toBe(false);
    expect(result.violations).toContain('script-src-elem');
    expect(result.violations).toContain('img-src');
    // The console reports what the CSP refused (what newPage collects for every other test).
    await expect
      .poll(() => errors.filter((e) => e.includes('Content Security Policy')).length)
      .toBeGreaterThan(0);
    await context.close();
  });
});
