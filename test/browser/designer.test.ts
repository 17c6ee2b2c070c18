/**
 * A designer and a lab in Chromium, end to end: the designer claims the order, extends the lease,
 * opens the inputs in the 3D viewer (pixels read back from the canvas), hands a design in; the lab
 * opens its own scan in 3D with the delivered design overlaid (toggled scan, design, both), sees the
 * delivered design in 3D and accepts it; then asks for its deletion, withdraws, asks
 * again, and once purged verifies the deletion certificate in the browser. axe-core on each screen.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meshBytes } from '../support/mesh-factory';
import { drawnPixels, launch, newPage, screenshot, seriousViolations, signIn } from './browser';
import { call, deliveredOrder, queuedOrder, waitForStatus } from './stack-api';

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

const openViewer = async (page: Page) => {
  await page.getByRole('button', { name: 'View in 3D' }).click();
  await page.locator('[data-testid="viewer-canvas"][data-rendered="true"]').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('progress-pct').last().textContent()).toBe('100%');
  expect(await drawnPixels(page)).toBeGreaterThan(2000);
};

describe('designer and lab', () => {
  it('the lab asks for a revision with a reason code; the designer claims it again and releases it', async () => {
    // Prepare: a delivered veneer (rush, so it is claimed before any standard order waiting; a
    // veneer, which designer.priya has no skill for, so the next test's claim cannot take it).
    const orderId = await deliveredOrder(consoleUrl, 'lab.echo', 'designer.marco', {
      turnaround: 'rush',
      items: [{ type: 'veneer', teeth: [11], material: 'lithium-disilicate', shade: 'A1' }],
    });

    // Act (lab): revise with a reason and a comment.
    const lab = await newPage(browser);
    await signIn(lab.page, consoleUrl, 'lab.echo');
    await lab.page.goto(`${consoleUrl}/#/orders/${orderId}`);
    await expect.poll(() => lab.page.getByTestId('status').first().textContent()).toBe('DELIVERED');
    await lab.page.getByLabel('Reason').selectOption('contacts');
    await lab.page.getByLabel('Comment').fill('open the distal contact');
    await lab.page.getByRole('button', { name: 'Request revision' }).click();

    // Assess: back in the queue, the revision and its reason on the timeline.
    await expect.poll(() => lab.page.getByTestId('status').first().textContent()).toBe('QUEUED');
    await lab.page
      .getByTestId('timeline')
      .getByText(/contacts/)
      .waitFor();
    await lab.context.close();

    // Act (designer): the revision is offered first to the designer who made it; claimed, then released.
    const designer = await newPage(browser);
    const d = designer.page;
    await signIn(d, consoleUrl, 'designer.marco');
    // Until the workflow has put it back on offer: a claim before that answers "nothing fits".
    const deadline = Date.now() + 20_000;
    for (;;) {
      await d.getByTestId('claim-next').click();
      const outcome = await Promise.race([
        d
          .waitForURL(/#\/designer\/.+/, { timeout: 5000 })
          .then(() => 'claimed')
          .catch(() => 'timeout'),
        d
          .getByText(/Nothing in the queue fits/)
          .waitFor({ timeout: 5000 })
          .then(() => 'none')
          .catch(() => 'timeout'),
      ]);
      if (outcome === 'claimed' || Date.now() > deadline) break;
    }
    await d.getByRole('heading', { name: new RegExp(`Order ${orderId}`) }).waitFor();
    expect(await d.getByText('Revision', { exact: true }).count()).toBe(1);
    await d.getByRole('button', { name: 'Release the order' }).click();
    await d
      .getByText(
        'Released: the order is back in the queue for other designers (not offered to you again for 12 hours).',
      )
      .waitFor();
    await waitForStatus(consoleUrl, orderId, 'lab.echo', ['QUEUED']);
    await d.getByRole('link', { name: 'My work', exact: true }).click();
    await d.getByRole('heading', { name: 'My work' }).waitFor();
    expect(await d.getByRole('link', { name: orderId }).count()).toBe(0);
    expect(designer.errors).toEqual([]);
    await designer.context.close();
  });

  it('claims, views the scan in 3D, hands in; the lab views the design, accepts, deletes and verifies the certificate', async () => {
    // Prepare: a rush order of lab.echo queued (rush is claimed first).
    const orderId = await queuedOrder(consoleUrl, 'lab.echo', {
      turnaround: 'rush',
      caseRef: `E-${Date.now()}`,
    });

    // Act (designer): claim, lease, inputs in 3D, hand in.
    const designer = await newPage(browser);
    const d = designer.page;
    await signIn(d, consoleUrl, 'designer.priya');
    await d.getByRole('heading', { name: 'My work' }).waitFor();
    await expectAccessible(d, 'designer home');
    await d.getByTestId('claim-next').click();
    await d.getByRole('heading', { name: new RegExp(`Order ${orderId}`) }).waitFor();
    expect(await d.getByTestId('lease-left').textContent()).toMatch(/^\d+:\d\d(:\d\d)?$/);
    await d.getByRole('button', { name: 'Extend lease' }).click();
    await d.getByText('Lease extended.').waitFor();
    await d.getByRole('button', { name: /Get the input links/ }).click();
    await d.getByTestId('inputs').waitFor();
    await openViewer(d);
    await screenshot(d, 'designer-viewer');
    await expectAccessible(d, 'assignment with viewer');

    const dir = mkdtempSync(join(tmpdir(), 'caseline-design-'));
    writeFileSync(join(dir, 'crown-36.stl'), meshBytes('stl-binary', { triangles: 600, seed: 3 }));
    writeFileSync(join(dir, 'report.pdf'), Buffer.from('%PDF-1.7\n% design report\n'));
    await d.getByTestId('design-input').setInputFiles([join(dir, 'crown-36.stl'), join(dir, 'report.pdf')]);
    await expect
      .poll(() => d.getByTestId('handed-in').textContent(), { timeout: 20_000 })
      .toBe('Uploaded: crown-36.stl, report.pdf');
    await d.getByRole('button', { name: 'Hand in the design' }).click();
    await d.getByText('Handed in: QA checks it next.').waitFor();
    // Back on the list: the order leaves the designer's hands once QA delivers it.
    await waitForStatus(consoleUrl, orderId, 'lab.echo', ['DELIVERED']);
    await d.getByRole('link', { name: 'My work', exact: true }).click();
    await d.getByRole('heading', { name: 'My work' }).waitFor();
    await designer.context.close();

    // Act (lab): the delivered design in 3D, accept.
    const lab = await newPage(browser);
    const l = lab.page;
    const designReads: string[] = [];
    l.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/deliverables'))
        designReads.push(r.url());
    });
    await signIn(l, consoleUrl, 'lab.echo');
    await l.goto(`${consoleUrl}/#/orders/${orderId}`);
    await expect.poll(() => l.getByTestId('status').first().textContent()).toBe('DELIVERED');
    await l.getByTestId('version-picker').waitFor();
    expect(await l.getByTestId('version-picker').inputValue()).toBe('1');
    expect(await l.getByTestId('design-files').locator('li').count()).toBe(2);

    // Act (lab): its own scan in 3D with the delivered design drawn over it; the toggle shows each alone.
    await l.getByRole('button', { name: '3D view of scan.stl' }).click();
    const scanView = l.getByTestId('scan-viewer');
    const scanCanvas = scanView.locator('[data-testid="viewer-canvas"][data-rendered="true"]');
    await scanCanvas.waitFor({ timeout: 30_000 });
    expect(await drawnPixels(l)).toBeGreaterThan(2000);
    await expect.poll(() => scanCanvas.getAttribute('data-visible-meshes')).toBe('2');
    await scanView.getByRole('radio', { name: 'Scan', exact: true }).check();
    await expect.poll(() => scanCanvas.getAttribute('data-visible-meshes')).toBe('1');
    const scanAlone = await drawnPixels(l);
    expect(scanAlone).toBeGreaterThan(2000);
    await scanView.getByRole('radio', { name: 'Design', exact: true }).check();
    await expect.poll(() => scanCanvas.getAttribute('data-visible-meshes')).toBe('1');
    const designAlone = await drawnPixels(l);
    expect(designAlone).toBeGreaterThan(500);
    expect(designAlone).not.toBe(scanAlone);
    await scanView.getByRole('radio', { name: 'Scan and design overlaid' }).check();
    await expect.poll(() => scanCanvas.getAttribute('data-visible-meshes')).toBe('2');
    await screenshot(l, 'lab-scan-overlay');
    await expectAccessible(l, 'lab scan with design overlay');
    await scanView.getByRole('button', { name: 'Close the 3D view' }).click();
    await scanView.waitFor({ state: 'detached' });
    // One audited read of the design's links served the Design section and the overlay.
    expect(designReads).toHaveLength(1);

    // Act (lab): the delivered design in its own viewer.
    await openViewer(l);
    await screenshot(l, 'lab-design-delivered');
    await expectAccessible(l, 'delivered order');
    await l.getByRole('button', { name: 'Accept design' }).click();
    await expect
      .poll(() => l.getByTestId('status').first().textContent(), { timeout: 30_000 })
      .toBe('ARCHIVED');

    // Deletion: request, withdraw (the order shows again), request again.
    await l.getByRole('button', { name: 'Delete order' }).click();
    await l.getByRole('button', { name: 'Yes, delete' }).click();
    await l.getByTestId('deletion-requested').waitFor();
    await expectAccessible(l, 'deletion requested');
    await l.getByRole('button', { name: 'Withdraw the deletion request' }).click();
    await expect.poll(() => l.getByTestId('status').first().textContent()).toBe('ARCHIVED');
    await l.getByRole('button', { name: 'Delete order' }).click();
    await l.getByRole('button', { name: 'Yes, delete' }).click();
    await l.getByTestId('deletion-requested').waitFor();
    await lab.context.close();

    // The grace period passes on the stack's clock (operator); the purge sweep runs with it.
    const advanced = await call(consoleUrl, 'POST', '/local/clock/advance', 'operator.omar', { days: 31 });
    expect(advanced.status).toBe(200);

    // Assess: the purged order's certificate verifies in the browser; a tampered copy does not.
    const after = await newPage(browser);
    const p = after.page;
    await signIn(p, consoleUrl, 'lab.echo');
    await p.goto(`${consoleUrl}/#/orders/${orderId}`);
    await p.getByRole('button', { name: 'Verify signature' }).waitFor({ timeout: 30_000 });
    await p.getByRole('button', { name: 'Verify signature' }).click();
    await expect
      .poll(() => p.getByTestId('certificate-verdict').textContent())
      .toBe('Valid: signed by Caseline, unchanged.');
    const cert = await call<Record<string, unknown> & { certificate: Record<string, unknown> }>(
      consoleUrl,
      'GET',
      `/orders/${orderId}/certificate`,
      'lab.echo',
    );
    const tampered = { ...cert.body, certificate: { ...cert.body.certificate, reason: 'retention-expired' } };
    await p.getByLabel(/Or verify a saved certificate file/).setInputFiles({
      name: 'certificate.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(tampered)),
    });
    await expect
      .poll(() => p.getByTestId('certificate-verdict').textContent())
      .toBe('Not valid: the certificate was changed after it was signed.');
    await screenshot(p, 'certificate-verified');
    await expectAccessible(p, 'certificate');
    expect([...designer.errors, ...lab.errors, ...after.errors]).toEqual([]);
    await after.context.close();
  });
});
