/**
 * A lab's administrator in Chromium: the account's users (invite, then remove), its security
 * contacts (edited, read back over the API), a portability export and an audit export, each
 * followed until READY and its archive checked in the browser (the manifest's signature with Web
 * Crypto against the key from the API, every listed file's SHA-256). In a new session both are
 * listed from the API (newest first, with status and range) and a link is had on demand. axe-core
 * on the screen.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launch, newPage, screenshot, seriousViolations, signIn } from './browser';
import { call, queuedOrder } from './stack-api';

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

/** The export cards once the list has been read from the API. */
const exportCards = async (page: Page) => {
  await page.locator('[data-testid="exports"][aria-busy="false"]').waitFor({ state: 'attached' });
  return page.getByTestId('exports').getByRole('listitem');
};

/** Waits for the newest export card to be READY, checks its archive in the browser, returns the verdict. */
const verifyNewestExport = async (page: Page, cards: number) => {
  // The new card first: until it is listed, .first() would be the previous export's.
  await expect.poll(async () => (await exportCards(page)).count()).toBe(cards);
  const card = (await exportCards(page)).first();
  await card.getByTestId('status').filter({ hasText: 'READY' }).waitFor({ timeout: 90_000 });
  expect(await card.getByRole('link', { name: /^Download / }).getAttribute('href')).toMatch(/^http/);
  await card.getByRole('button', { name: 'Verify in the browser' }).click();
  const verdict = card.getByTestId('archive-verdict');
  await verdict.waitFor({ timeout: 60_000 });
  return verdict.textContent();
};

describe('lab administrator', () => {
  it('invites and removes a user, edits the security contacts, exports and verifies both archives', async () => {
    // Prepare: an order of the account with a scan, so the portability export holds files.
    await queuedOrder(consoleUrl, 'lab.acme');
    const { page, context, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'admin.acme');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account lab-acme' }).waitFor();
    const users = page.getByTestId('user-list');
    await users.waitFor();
    await expectAccessible(page, 'account');

    // Users: invite, listed; remove (confirmed), gone.
    const email = `tech.${Date.now().toString(36)}@acme.example.com`;
    await page.getByLabel('E-mail of the user to invite').fill(email);
    await page.getByLabel('Role').selectOption('lab');
    await page.getByRole('button', { name: 'Invite' }).click();
    await users.getByRole('cell', { name: email, exact: true }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Remove ${email}` }).click();
    await expect.poll(() => users.getByRole('cell', { name: email, exact: true }).count()).toBe(0);
    const listed = await call<{ users: { email: string }[] }>(
      consoleUrl,
      'GET',
      '/accounts/lab-acme/users',
      'admin.acme',
    );
    expect(listed.body.users.map((u) => u.email)).not.toContain(email);

    // Security contacts: the first contact's phone changed, saved, read back over the API.
    const form = page.getByTestId('contacts-form');
    await form.getByLabel('Phone').first().fill('+15550109999');
    await form.getByRole('button', { name: 'Save the contacts' }).click();
    await page.getByText('Security contacts saved.').waitFor();
    const account = await call<{ contacts: { phone: string }[] }>(
      consoleUrl,
      'GET',
      '/accounts/lab-acme',
      'admin.acme',
    );
    expect(account.body.contacts[0]?.phone).toBe('+15550109999');

    // Portability export: asked, followed to READY, its archive checked in the browser.
    const before = await (await exportCards(page)).count();
    await page.getByRole('button', { name: "Export all the account's data" }).click();
    const portable = await verifyNewestExport(page, before + 1);
    // The order's scan, its order.json and timeline.json at least.
    const files = /^Valid: the manifest's signature holds and all (\d+) files match it\.$/.exec(
      portable ?? '',
    );
    expect(Number(files?.[1])).toBeGreaterThanOrEqual(3);

    // Audit export: a range that a sealing run covers (the sealer is hourly; on the local stack a job).
    const clock = await call<{ now: string }>(consoleUrl, 'GET', '/local/clock', 'operator.omar');
    const to = clock.body.now;
    const sealed = await call<{ result?: { sealed?: boolean } }>(
      consoleUrl,
      'POST',
      '/local/jobs/sealAudit',
      'operator.omar',
    );
    expect(sealed.body.result?.sealed).toBe(true);
    await page
      .getByLabel('Audit events from (UTC, ISO 8601)')
      .fill(new Date(Date.parse(to) - 3_600_000).toISOString());
    await page.getByLabel('to', { exact: true }).fill(to);
    await page.getByRole('button', { name: 'Export the audit trail' }).click();
    expect(await verifyNewestExport(page, before + 2)).toMatch(/^Valid: .*caseline verify-audit\.$/);
    await expectAccessible(page, 'account with exports');
    await screenshot(page, 'lab-admin-account');
    const asked = await (await exportCards(page)).evaluateAll((cards) =>
      cards.slice(0, 2).map((c) => c.getAttribute('data-testid')),
    );
    expect(errors).toEqual([]);
    await context.close();

    // A new session (tokens in memory only): both exports are listed from the API, newest first,
    // READY, the audit export with its range; a link is had on demand and the archive checks out.
    const again = await newPage(browser);
    await signIn(again.page, consoleUrl, 'admin.acme');
    await again.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const cardsAgain = await exportCards(again.page);
    await expect.poll(() => cardsAgain.count()).toBe(before + 2);
    expect(
      await cardsAgain.evaluateAll((cards) => cards.slice(0, 2).map((c) => c.getAttribute('data-testid'))),
    ).toEqual(asked);
    const audit = cardsAgain.first();
    expect(await audit.getByRole('heading').textContent()).toMatch(/^Audit export aex_\w+ READY$/);
    expect(await audit.getByText('Range').count()).toBe(1);
    expect(await cardsAgain.nth(1).getByRole('heading').textContent()).toMatch(
      /^Portability export exp_\w+ READY$/,
    );
    await audit.getByRole('button', { name: 'Get the download link' }).click();
    await audit.getByRole('button', { name: 'Verify in the browser' }).click();
    const verdict = audit.getByTestId('archive-verdict');
    await verdict.waitFor({ timeout: 60_000 });
    expect(await verdict.textContent()).toMatch(/^Valid: /);
    await expectAccessible(again.page, 'account, exports listed');
    expect(again.errors).toEqual([]);
    await again.context.close();
  });
});
