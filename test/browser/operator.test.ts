/**
 * The operator in Chromium: the partner accounts (one opened: its record and users), the designer
 * registry (a wrong country refused on its field, a designer registered, then deactivated, as the
 * API reads back), and the local stack's clock moved on. axe-core on each screen.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('operator', () => {
  it('reads the accounts, registers and deactivates a designer, and moves the local clock', async () => {
    const { page, context, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'operator.omar');
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    await page.getByTestId('account-list').waitFor();
    await page.getByTestId('designer-list').waitFor();
    await expectAccessible(page, 'operations');
    await screenshot(page, 'operator-home');

    // Accounts: one opened, its record and users.
    await page.getByRole('link', { name: 'lab-acme', exact: true }).click();
    await page.getByRole('heading', { name: /Account lab-acme/ }).waitFor();
    await page.getByTestId('account-facts').getByText('Acme Dental Lab LLC').waitFor();
    await page.getByText('admin.acme@lab-acme.example.com (lab-admin)').waitFor();
    await expectAccessible(page, 'account view');
    await page.getByRole('link', { name: "Back to the operator's screen" }).click();

    // Designers: a country that is not ISO 3166-1 alpha-2 is refused on its field; then registered.
    const stamp = Date.now().toString(36);
    const username = `designer.t${stamp}`;
    const form = page.getByRole('form', { name: 'Register a designer' });
    await form.getByLabel('Cognito sub').fill(`u-des-t${stamp}`);
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Display name').fill('Tess Test');
    await form.getByLabel(/^Country/).fill('Portugal');
    await form.getByLabel(/^Capacity/).fill('2');
    await form.getByRole('checkbox', { name: 'crown', exact: true }).check();
    await form.getByRole('button', { name: 'Register' }).click();
    await page.locator('#err-designer-country').waitFor();
    expect(await form.getByLabel(/^Country/).getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel(/^Country/).fill('PT');
    await form.getByRole('button', { name: 'Register' }).click();
    await page.getByText(`Registered ${username}.`).waitFor();
    await expect.poll(() => page.getByTestId(`enabled-${username}`).textContent()).toBe('yes');
    await page.getByRole('button', { name: `Deactivate ${username}` }).click();
    await expect.poll(() => page.getByTestId(`enabled-${username}`).textContent()).toBe('no');
    const registry = await call<{ designers: { username: string; enabled: boolean; country: string }[] }>(
      consoleUrl,
      'GET',
      '/designers',
      'operator.omar',
    );
    expect(registry.body.designers.find((d) => d.username === username)).toMatchObject({
      enabled: false,
      country: 'PT',
    });

    // The local clock: moved on one hour.
    const before = (await call<{ now: string }>(consoleUrl, 'GET', '/local/clock', 'operator.omar')).body.now;
    await page.getByLabel('Hours to move on').fill('1');
    await page.getByRole('button', { name: 'Advance the clock' }).click();
    await page.getByText('Moved on 1 h; the scheduled jobs ran.').waitFor();
    const after = (await call<{ now: string }>(consoleUrl, 'GET', '/local/clock', 'operator.omar')).body.now;
    expect(Date.parse(after) - Date.parse(before)).toBeGreaterThanOrEqual(3_600_000);
    await expectAccessible(page, 'operations after changes');
    expect(errors).toEqual([]);
    await context.close();
  });
});
