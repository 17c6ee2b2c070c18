/**
 * A lab in Chromium, end to end against a local stack: sign in on the local IdP page, a new
 * order with the tooth chart and shade picker (the API's PHI message shown on its field), a scan
 * uploaded straight to S3 with the progress bar reaching 100%, submit, QUEUED; another lab's
 * order refused by URL; the idle sign-out driven on the browser's clock, and an active user kept
 * signed in by token refresh past the access token's 15 minutes. axe-core on each screen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meshBytes, writeMeshFile } from '../support/mesh-factory';
import { launch, newPage, screenshot, seriousViolations, signIn } from './browser';
import { call } from './stack-api';

const consoleUrl = inject('consoleUrl');

let browser: Browser;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ browser, close } = await launch());
});
afterAll(async () => {
  await close();
});

const expectAccessible = async (page: Page, screen: string) => {
  expect(await seriousViolations(page), `axe on ${screen}`).toEqual([]);
};

/** Creates an order through the form; returns its id (from the URL the app moves to). */
const createOrder = async (page: Page, caseRef: string) => {
  // Through the list, so the form starts empty.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
  await page.getByRole('link', { name: 'New order' }).first().click();
  await page.getByLabel('Case reference').fill(caseRef);
  await page.getByLabel(/^Patient/).fill('PT-4471');
  await page.getByTestId('numbering-Universal').check();
  // Universal 30 and 31 are FDI 46 and 47.
  await page.getByRole('button', { name: 'Tooth 30 (FDI 46)' }).click();
  await page.getByRole('button', { name: 'Tooth 31 (FDI 47)' }).click();
  await expect.poll(() => page.getByTestId('teeth-selected').textContent()).toBe('Selected: 30, 31');
  await page.getByRole('radio', { name: 'A3', exact: true }).check();
  await page.getByRole('button', { name: 'Create draft order' }).click();
  await page.getByRole('heading', { name: new RegExp(`Case ${caseRef}`) }).waitFor();
  return decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');
};

describe('a lab in the console', () => {
  it('signs in, creates an order on the tooth chart, uploads a scan to 100%, submits and sees QUEUED', async () => {
    const { context, page, errors } = await newPage(browser);
    // Prepare: the sign-in page lists the local IdP's users.
    await page.goto(consoleUrl);
    await page.getByRole('heading', { name: 'Sign in to Caseline' }).waitFor();
    await expect.poll(() => page.getByTestId('sign-in-lab.acme').isVisible()).toBe(true);
    await expect(page.getByTestId('sign-in-designer.priya').isVisible()).resolves.toBe(true);
    await screenshot(page, 'sign-in');
    await expectAccessible(page, 'sign-in');

    await signIn(page, consoleUrl, 'lab.acme');
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await expectAccessible(page, 'order list');

    // A name in the notes: the API refuses it, and the message shows on the notes field.
    await page.getByRole('link', { name: 'New order' }).first().click();
    await page.getByLabel('Case reference').fill('C-PHI-1');
    await page.getByLabel(/^Patient/).fill('PT-1');
    await page.getByRole('button', { name: 'Tooth 36' }).click();
    await page.getByLabel(/^Notes for the designer/).fill('Patient John Smith wants it whiter');
    await page.getByRole('button', { name: 'Create draft order' }).click();
    const notesError = page.getByTestId('error-err-notes');
    await notesError.waitFor();
    expect(await notesError.textContent()).toMatch(/name/i);
    expect(await notesError.textContent()).not.toContain('John');
    await expect(page.getByLabel(/^Notes for the designer/).getAttribute('aria-invalid')).resolves.toBe(
      'true',
    );
    await screenshot(page, 'new-order-phi-message');
    await expectAccessible(page, 'new order with field errors');

    // Act: a valid order (Universal numbering), a scan, submit.
    const caseRef = `C-${Date.now().toString(36)}`;
    const orderId = await createOrder(page, caseRef);
    expect(orderId).not.toBe('');
    // The API normalised Universal 30, 31 to FDI 46, 47 (stored in chart order: 47 first).
    await page.getByText(/teeth 47 \(#31\), 46 \(#30\)/).waitFor();
    const scan = meshBytes('stl-binary', { triangles: 4000, seed: 7 });
    await page
      .getByTestId('scan-input')
      .setInputFiles({ name: 'lower-arch.stl', mimeType: 'model/stl', buffer: scan });
    await expect.poll(() => page.getByTestId('progress-pct').textContent(), { timeout: 30_000 }).toBe('100%');
    await page.getByRole('cell', { name: 'lower-arch.stl' }).waitFor();
    await expectAccessible(page, 'draft order');
    await page.getByRole('button', { name: 'Submit order' }).click();

    // Assess: the workflow ingests the scan and queues the order; the page follows it.
    await expect
      .poll(() => page.getByTestId('status').first().textContent(), { timeout: 30_000 })
      .toBe('QUEUED');
    await page.getByRole('cell', { name: /^ok, 4000 triangles$/ }).waitFor();
    await page.getByTestId('timeline').getByText('QUEUED', { exact: false }).first().waitFor();
    await screenshot(page, 'order-queued');
    await expectAccessible(page, 'queued order');

    // The list shows it, and the status filter keeps it (QUEUED) or drops it (DRAFT).
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: caseRef }).waitFor();
    await page.getByTestId('status-filter').selectOption('QUEUED');
    await page.getByRole('link', { name: caseRef }).waitFor();
    await page.getByTestId('status-filter').selectOption('DRAFT');
    await expect.poll(() => page.getByRole('link', { name: caseRef }).count()).toBe(0);
    await page.getByTestId('status-filter').selectOption('');
    await page.getByRole('link', { name: caseRef }).waitFor();
    await screenshot(page, 'order-list');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('uploads a large scan in parts, and resumes after the connection drops on a part', async () => {
    // Prepare: a 70 MB scan (the API asks for multipart above 64 MiB, in 16 MiB parts).
    const dir = mkdtempSync(join(tmpdir(), 'caseline-large-scan-'));
    const path = join(dir, 'full-arch.stl');
    const { sizeBytes } = await writeMeshFile(path, 'stl-binary', { targetBytes: 70 * 1024 * 1024, seed: 5 });
    expect(sizeBytes).toBeGreaterThan(64 * 1024 * 1024);
    const { context, page, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'lab.acme2');
    await createOrder(page, `L-${Date.now().toString(36)}`);

    // Act: part 2 never arrives (every retry dropped), then the connection is back and the lab resumes.
    let dropped = 0;
    await page.route(/[?&]partNumber=2(&|$)/, async (route) => {
      dropped++;
      await route.abort('connectionreset');
    });
    await page.getByTestId('scan-input').setInputFiles(path);
    const resume = page.getByRole('button', { name: 'Resume the upload of full-arch.stl' });
    await resume.waitFor({ timeout: 60_000 });
    expect(dropped).toBe(3);
    // Part 1 went through before the drop, so the bar stopped between one and two parts' worth.
    const stoppedAt = Number((await page.getByTestId('progress-pct').textContent())?.replace('%', ''));
    expect(stoppedAt).toBeGreaterThanOrEqual(22);
    expect(stoppedAt).toBeLessThan(50);
    await page.unrouteAll();
    await resume.click();

    // Assess: the upload finishes, the scan is recorded whole, and the order can be submitted.
    await expect.poll(() => page.getByTestId('progress-pct').textContent(), { timeout: 60_000 }).toBe('100%');
    // Completing assembles the parts in storage, which takes a moment for 70 MB.
    await expect
      .poll(() => page.getByRole('row', { name: /full-arch\.stl/ }).textContent(), { timeout: 60_000 })
      .toContain('70.0 MByes');
    await page.getByRole('button', { name: 'Submit order' }).click();
    await expect
      .poll(() => page.getByTestId('status').first().textContent(), { timeout: 60_000 })
      .toBe('QUEUED');
    // The dropped requests fail the upload (shown on the page); nothing else went wrong.
    expect(errors.filter((e) => !/ERR_CONNECTION_RESET|net::/.test(e))).toEqual([]);
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a scan dropped on the drop zone', async () => {
    const { context, page, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'lab.acme');
    await createOrder(page, `D-${Date.now().toString(36)}`);
    const scan = [...meshBytes('stl-binary', { triangles: 300, seed: 21 })];

    // Act: drag a file over the zone and drop it, as the browser does from the desktop.
    await page.evaluate((bytes) => {
      const zone = document.querySelector('section[aria-label="Drop scans here"]');
      if (!zone) throw new Error('no drop zone');
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'dropped.stl', { type: 'model/stl' }));
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, scan);

    // Assess
    await expect.poll(() => page.getByTestId('progress-pct').textContent(), { timeout: 30_000 }).toBe('100%');
    await expect.poll(() => page.getByRole('row', { name: /dropped\.stl/ }).textContent()).toContain('yes');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('cannot open another lab’s order by its URL', async () => {
    // Prepare: lab.bright creates an order.
    const { context, page } = await newPage(browser);
    await signIn(page, consoleUrl, 'lab.bright');
    const caseRef = `B-${Date.now().toString(36)}`;
    const orderId = await createOrder(page, caseRef);
    await context.close();

    // Act: lab.acme opens its URL.
    const other = await newPage(browser);
    await signIn(other.page, consoleUrl, 'lab.acme');
    await other.page.goto(`${consoleUrl}/#/orders/${encodeURIComponent(orderId)}`);

    // Assess: not found, and nothing of the order shows.
    await other.page.getByTestId('not-found').waitFor();
    expect(await other.page.content()).not.toContain(caseRef);
    await expectAccessible(other.page, 'order not found');
    expect(other.errors).toEqual([]);
    await other.context.close();
  });

  it('pages the order list with the API cursor', async () => {
    const { context, page, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'lab.coast');
    // Prepare: 12 drafts through the form's API (the list shows 10 a page).
    const made = await page.evaluate(async () => {
      const token = await fetch('/local/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'lab.coast' }),
      }).then((r) => r.json() as Promise<{ accessToken: string }>);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const res = await fetch('/orders', {
          method: 'POST',
          headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            caseRef: `P-${i}`,
            patientRef: 'PT-9',
            toothNumbering: 'FDI',
            turnaround: 'standard',
            items: [{ type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' }],
          }),
        });
        ids.push(((await res.json()) as { orderId: string }).orderId);
      }
      return ids.length;
    });
    expect(made).toBe(12);
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.reload();
    await signIn(page, consoleUrl, 'lab.coast');
    await page.getByTestId('order-list').waitFor();
    expect(await page.getByTestId('order-list').locator('tbody tr').count()).toBe(10);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByTestId('order-list').locator('tbody tr').count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => page.getByTestId('order-list').locator('tbody tr').count()).toBe(10);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** The refresh grant at the local IdP's token endpoint (Cognito's /oauth2/token shape), over the wire. */
const refreshOverTheWire = async (refreshToken: string) => {
  const res = await fetch(`${consoleUrl}/local/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: 'caseline-local-client',
      refresh_token: refreshToken,
    }),
  });
  return res.status;
};

/** Records the console's refresh requests and the bearer token of each order-list read. */
const watchTokens = (page: Page) => {
  const seen = { refreshes: 0, listTokens: [] as string[] };
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.method() === 'POST' && path === '/local/oauth2/token') seen.refreshes++;
    if (r.method() === 'GET' && path === '/orders') seen.listTokens.push(r.headers().authorization ?? '');
  });
  return seen;
};

describe('the session', () => {
  it('warns a minute before the idle limit, counts down, and signs out after 15 minutes idle', async () => {
    const { context, page, errors } = await newPage(browser);
    await page.clock.install();
    const seen = watchTokens(page);
    const signedIn = page.waitForResponse((r) => new URL(r.url()).pathname === '/local/token');
    await signIn(page, consoleUrl, 'lab.acme');
    const { refreshToken } = (await (await signedIn).json()) as { refreshToken: string };
    expect(refreshToken).toBeTruthy();
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await expect.poll(() => page.getByTestId('idle-countdown').textContent()).toMatch(/1[45]:\d\d/);

    // 13 minutes idle: no warning yet, and no refresh for an idle user though the token nears its end.
    await page.clock.fastForward('13:00');
    await expect.poll(() => page.getByTestId('idle-countdown').textContent()).toMatch(/ 2:0\d$|1:5\d$/);
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(seen.refreshes).toBe(0);

    // A click is activity: the clock starts again.
    await page.getByRole('heading', { name: 'Orders' }).click();
    await expect.poll(() => page.getByTestId('idle-countdown').textContent()).toMatch(/1[45]:\d\d$/);

    // 14:10 idle: the warning shows with its countdown.
    await page.clock.fastForward('14:10');
    await page.getByRole('alertdialog').waitFor();
    await expect.poll(() => page.getByTestId('idle-warning-countdown').textContent()).toMatch(/^0:[45]\d$/);
    await screenshot(page, 'idle-warning');
    await expectAccessible(page, 'idle warning');

    // The rest of the minute: signed out, the token gone from memory, and nothing kept in storage.
    await page.clock.fastForward('01:00');
    await page.getByTestId('signed-out-reason').waitFor();
    expect(await page.getByTestId('signed-out-reason').textContent()).toContain('15 minutes');
    const stored = await page.evaluate(() => ({
      local: Object.keys(localStorage).length,
      session: Object.keys(sessionStorage).length,
      cookies: document.cookie,
      values: JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href]),
    }));
    expect(stored).toMatchObject({ local: 0, session: 0, cookies: '' });
    expect(stored.values).not.toContain(refreshToken);
    // Sign-out revoked the refresh token at the IdP (the console does not wait for the answer).
    await expect.poll(() => refreshOverTheWire(refreshToken)).toBe(400);
    // Back to an order URL: the sign-in page, not the order.
    await page.goto(`${consoleUrl}/#/orders`);
    await page.getByRole('heading', { name: 'Sign in to Caseline' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('answers a 401 with one refresh and a retry, and signs out with a message once the session is revoked', async () => {
    const { context, page, errors } = await newPage(browser);
    const seen = watchTokens(page);
    const signedIn = page.waitForResponse((r) => new URL(r.url()).pathname === '/local/token');
    await signIn(page, consoleUrl, 'lab.acme');
    const { refreshToken } = (await (await signedIn).json()) as { refreshToken: string };
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await expect.poll(() => seen.listTokens.length).toBeGreaterThan(0);
    const firstToken = seen.listTokens[0] ?? '';
    const nav = page.getByRole('navigation', { name: 'Main' });
    const reloadList = async () => {
      const listed = page.waitForResponse(
        (r) =>
          r.request().method() === 'GET' && new URL(r.url()).pathname === '/orders' && r.status() !== 401,
      );
      await nav.getByRole('link', { name: 'New order' }).click();
      await nav.getByRole('link', { name: 'Orders' }).click();
      return listed;
    };

    // The stack's clock moves 16 minutes, the browser's does not: the console's token expires at the
    // API without the console knowing, so its next read is refused (401).
    await call(consoleUrl, 'POST', '/local/clock/advance', 'operator.omar', { minutes: 16 });
    expect((await reloadList()).status()).toBe(200);
    expect(seen.refreshes).toBe(1);
    expect(seen.listTokens.at(-1)).not.toBe(firstToken);
    expect(await page.getByTestId('signed-out-reason').count()).toBe(0);

    // The session revoked at the IdP (as a sign-out elsewhere would): the next read is refused, the
    // refresh too, and the console signs out saying why.
    expect(await refreshOverTheWire(refreshToken)).toBe(200);
    const revoked = await fetch(`${consoleUrl}/local/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refreshToken, client_id: 'caseline-local-client' }),
    });
    expect(revoked.status).toBe(200);
    await nav.getByRole('link', { name: 'New order' }).click();
    await nav.getByRole('link', { name: 'Orders' }).click();
    await page.getByTestId('signed-out-reason').waitFor();
    expect(await page.getByTestId('signed-out-reason').textContent()).toContain('signed out elsewhere');
    expect(seen.refreshes).toBe(2);
    await expectAccessible(page, 'signed out after a revoked session');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('revokes the refresh token when the page is left (tab closed, reload, another address)', async () => {
    const { context, page, errors } = await newPage(browser);
    const signedIn = page.waitForResponse((r) => new URL(r.url()).pathname === '/local/token');
    await signIn(page, consoleUrl, 'lab.acme');
    const { refreshToken } = (await (await signedIn).json()) as { refreshToken: string };
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    expect(await refreshOverTheWire(refreshToken)).toBe(200);
    // Leaving the document fires pagehide; the revoke is sent with keepalive, so it outlives the page.
    await page.goto('about:blank');
    await expect.poll(() => refreshOverTheWire(refreshToken)).toBe(400);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('keeps an active user signed in past 20 minutes: the access token is refreshed and API calls go on', async () => {
    const { context, page, errors } = await newPage(browser);
    await page.clock.install();
    const seen = watchTokens(page);
    await signIn(page, consoleUrl, 'lab.acme');
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await expect.poll(() => seen.listTokens.length).toBeGreaterThan(0);
    const firstToken = seen.listTokens[0] ?? '';

    // Input every few minutes for 21.5 minutes; the stack's clock moves with the browser's, so the
    // first access token really expires at the API.
    for (const [step, minutes] of [
      ['04:00', 4],
      ['04:00', 4],
      ['04:00', 4],
      ['01:30', 1.5],
      ['04:00', 4],
      ['04:00', 4],
    ] as const) {
      await page.clock.fastForward(step);
      expect(
        (await call(consoleUrl, 'POST', '/local/clock/advance', 'operator.omar', { minutes })).status,
      ).toBe(200);
      await page.getByRole('heading', { name: 'Orders' }).click();
    }
    // The refresh happened in the two minutes before the first token's end (at 13:30).
    expect(seen.refreshes).toBe(1);

    // Act: the order list read again, 21.5 minutes after sign-in.
    const reads = seen.listTokens.length;
    const listed = page.waitForResponse(
      (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/orders',
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New order' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
    // Assess: it succeeded with a new token; the first one is refused by the API by now.
    expect((await listed).status()).toBe(200);
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    const lastToken = seen.listTokens.at(-1) ?? '';
    expect(seen.listTokens.length).toBeGreaterThan(reads);
    expect(lastToken).not.toBe(firstToken);
    const stale = await fetch(`${consoleUrl}/orders`, { headers: { authorization: firstToken } });
    expect(stale.status).toBe(401);
    expect(await page.getByTestId('signed-out-reason').count()).toBe(0);
    await expectAccessible(page, 'order list after a refresh');
    expect(errors).toEqual([]);
    await context.close();
  });
});
