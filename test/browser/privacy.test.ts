/**
 * The privacy officer and a lab's administrator in Chromium: a designer reports a suspected
 * breach through the API naming a lab's order; the officer sees the incident in the list with the
 * time left to the account's deadline counting down, opens it, triages it confirmed, edits and
 * sends the account's notice, contains the actor; the lab's administrator reads the notice (with the
 * patient reference of its own order) and acknowledges it; the officer closes the incident.
 * axe-core on each screen.
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

/** Polls the incident (as the officer, over the API) until it is in `status`. */
const incidentIn = async (incidentId: string, status: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call<{ status?: string; notices?: { noticeId: string; accountId: string }[] }>(
      consoleUrl,
      'GET',
      `/incidents/${incidentId}`,
      'officer.olivia',
    );
    if (body.status === status) return body;
    if (Date.now() > deadline) throw new Error(`incident ${incidentId} is ${body.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('privacy officer and lab notices', () => {
  it('a reported incident is triaged, its notice sent, its actor contained, acknowledged by the lab, and closed', async () => {
    // Prepare: an order of lab-acme, and a designer's report naming it.
    const order = await call<{ orderId: string }>(consoleUrl, 'POST', '/orders', 'lab.acme', {
      caseRef: `INC-${Date.now().toString(36)}`,
      patientRef: 'PT-90210',
      toothNumbering: 'FDI',
      turnaround: 'standard',
      items: [{ type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' }],
    });
    expect(order.status).toBe(201);
    const { orderId } = order.body;
    const reported = await call<{ incidentId: string }>(
      consoleUrl,
      'POST',
      '/incidents/reports',
      'designer.lin',
      {
        category: 'wrong-case-downloaded',
        description: 'Opened the inputs of an order that was not mine.',
        orderIds: [orderId],
      },
    );
    expect(reported.status).toBe(202);
    const { incidentId } = reported.body;
    const scoped = await incidentIn(incidentId, 'SCOPED');
    const noticeId = scoped.notices?.find((n) => n.accountId === 'lab-acme')?.noticeId;
    expect(noticeId).toMatch(/^ntc_/);

    // Act (officer): the list, with the time left to lab-acme's deadline counting down.
    const officer = await newPage(browser);
    const o = officer.page;
    // The list is one read: no incident is read on its own to show its deadline.
    const incidentReads: string[] = [];
    o.on('request', (r) => {
      if (/\/incidents\/inc_/.test(new URL(r.url()).pathname)) incidentReads.push(r.url());
    });
    await signIn(o, consoleUrl, 'officer.olivia');
    await o.getByRole('heading', { name: 'Incidents' }).waitFor();
    const row = o.getByRole('row').filter({ has: o.getByRole('link', { name: incidentId }) });
    const deadline = row.getByTestId('deadline-lab-acme');
    await deadline.waitFor();
    const first = await deadline.textContent();
    // A 24-hour window (the seeded BAA), just opened: 23:xx:xx left.
    expect(first).toMatch(/^23:\d{2}:\d{2} left$/);
    await expect.poll(() => deadline.textContent(), { timeout: 5000 }).not.toBe(first);
    expect(await row.textContent()).toContain('1 of 1 account(s) not notified yet');
    expect(incidentReads).toEqual([]);
    await expectAccessible(o, 'incident list');
    await screenshot(o, 'officer-incidents');

    // Act (officer): open it, triage confirmed, edit and send the notice.
    await row.getByRole('link', { name: incidentId }).click();
    await o.getByRole('heading', { name: new RegExp(`Incident ${incidentId}`) }).waitFor();
    await o
      .getByTestId('signals')
      .getByText(/report by designer u-des-lin/)
      .waitFor();
    expect(await o.getByRole('cell', { name: orderId }).count()).toBe(1);
    await expectAccessible(o, 'incident page (scoped)');
    await o.getByRole('radio', { name: /Confirmed breach/ }).check();
    await o.getByRole('button', { name: 'Record the decision' }).click();
    await expect.poll(() => o.getByTestId('status').first().textContent()).toBe('CONFIRMED');
    const card = o.getByTestId('notice-lab-acme');
    await card
      .getByLabel('What the lab should do')
      .fill('Tell the patient their case was opened by another designer.');
    await card.getByRole('button', { name: 'Send the notice' }).click();
    // The outcome, or the API's refusal shown on the card (so a failure says why).
    await expect
      .poll(async () =>
        (await card.getByRole('status').or(card.getByRole('alert')).allTextContents()).join(' '),
      )
      .toBe('Sent to the account’s breach contacts.');
    await expect.poll(() => o.getByTestId('status').first().textContent()).toBe('NOTIFIED');
    await o
      .getByTestId('timeline')
      .getByText(/notice/i)
      .first()
      .waitFor();
    // A signal joins after the notice went out: the designer reports a second order of the lab it
    // opened too (signals about one person join). The scope grows; the sent notice is flagged, and its
    // supplement carries the new facts.
    const second = await call<{ orderId: string }>(consoleUrl, 'POST', '/orders', 'lab.acme', {
      caseRef: `INC2-${Date.now().toString(36)}`,
      patientRef: 'PT-90211',
      toothNumbering: 'FDI',
      turnaround: 'standard',
      items: [{ type: 'crown', teeth: [46], material: 'zirconia', shade: 'A2' }],
    });
    expect(second.status).toBe(201);
    const joined = await call<{ incidentId: string; opened: boolean }>(
      consoleUrl,
      'POST',
      '/incidents/reports',
      'designer.lin',
      {
        category: 'wrong-case-downloaded',
        description: 'I opened a second order of that lab as well.',
        orderIds: [orderId, second.body.orderId],
      },
    );
    expect(joined.body).toMatchObject({ incidentId, opened: false });
    await expect
      .poll(
        async () =>
          (
            await call<{ notices?: { accountId: string; pendingScope?: { orderIds: string[] } }[] }>(
              consoleUrl,
              'GET',
              `/incidents/${incidentId}`,
              'officer.olivia',
            )
          ).body.notices?.find((n) => n.accountId === 'lab-acme')?.pendingScope?.orderIds ?? [],
        { timeout: 30_000 },
      )
      .toContain(second.body.orderId);
    // The page read again (the list, then the incident): the card says a supplement is due.
    await o.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await o.getByRole('link', { name: incidentId }).click();
    const flag = card.getByTestId('scope-changed-lab-acme');
    await flag.waitFor();
    expect(await flag.textContent()).toMatch(
      /scope grew after this notice was sent .*send a supplement \(GDPR Art 33\(4\)\)\. It will carry \d+ order\(s\)/,
    );
    await expectAccessible(o, 'incident page (scope grew after sending)');
    await card.getByRole('button', { name: 'Send again (supplement)' }).click();
    await flag.waitFor({ state: 'detached' });
    expect(await card.textContent()).toContain(second.body.orderId);

    // Containment of the actor (designer.lin, whom no other file uses): deactivated, signed out.
    await o.getByRole('button', { name: 'Contain u-des-lin' }).click();
    await o
      .getByText(/^u-des-lin: designer deactivated, sessions revoked, \d+ order\(s\) back in the queue\.$/)
      .waitFor();
    const registry = await call<{ designers: { username: string; enabled: boolean }[] }>(
      consoleUrl,
      'GET',
      '/designers',
      'operator.omar',
    );
    expect(registry.body.designers.find((d) => d.username === 'designer.lin')?.enabled).toBe(false);
    await expectAccessible(o, 'incident page (notified)');
    await screenshot(o, 'officer-incident-notified');

    // Act (lab-admin): the notice in the account's list; open it; acknowledge.
    const admin = await newPage(browser);
    const a = admin.page;
    await signIn(a, consoleUrl, 'admin.acme');
    await a.getByRole('link', { name: 'Breach notices' }).click();
    await a.getByRole('heading', { name: 'Breach notices' }).waitFor();
    await expectAccessible(a, 'lab notices');
    await a.getByRole('link', { name: noticeId ?? '' }).click();
    await a.getByTestId('notice-nature').waitFor();
    // Assess: the patient reference of its own order, decrypted for this lab only; the words sent.
    expect(await a.getByRole('cell', { name: 'PT-90210' }).count()).toBe(1);
    await expectAccessible(a, 'lab notice');
    await a.getByRole('button', { name: 'Acknowledge receipt' }).click();
    await expect.poll(() => a.getByTestId('status').first().textContent()).toBe('ACKNOWLEDGED');
    expect(await a.getByTestId('acknowledged-at').textContent()).not.toBe('–');
    await screenshot(a, 'lab-notice-acknowledged');
    expect(admin.errors).toEqual([]);
    await admin.context.close();
    await incidentIn(incidentId, 'ACKNOWLEDGED');

    // Act (officer): close it with a summary.
    await o.reload();
    await signIn(o, consoleUrl, 'officer.olivia');
    await o.goto(`${consoleUrl}/#/incidents/${incidentId}`);
    await o
      .getByLabel('Closing summary')
      .fill('Wrong case opened by a designer; access revoked, lab notified.');
    await o.getByRole('button', { name: 'Close the incident' }).click();
    await expect.poll(() => o.getByTestId('status').first().textContent()).toBe('CLOSED');
    expect(officer.errors).toEqual([]);
    await officer.context.close();
  });
});
