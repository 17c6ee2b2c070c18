/**
 * A large scan in the 3D viewer keeps the page responsive: its SHA-256 check and its parse run in
 * a module worker (allowed by the CSP's worker-src 'self'), and the main thread keeps drawing
 * animation frames while the worker reads a 60 MB binary STL. No clock in the assertions: the
 * page counts its own animation frames between "Checking and reading" appearing and the canvas
 * being drawn; a parse on the main thread would leave at most the frame at either edge.
 * A design file the designer picks is hashed (for its upload) and parsed in workers as well.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meshBytes } from '../support/mesh-factory';
import { drawnPixels, launch, newPage, signIn } from './browser';
import { call, claimOrder, queuedOrder, waitForStatus } from './stack-api';

const consoleUrl = inject('consoleUrl');

let browser: Browser;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ browser, close } = await launch());
});
afterAll(async () => {
  await close();
});

describe('the 3D viewer off the main thread', () => {
  it('checks and parses a 60 MB scan in a worker while the page keeps drawing frames', async () => {
    // Prepare: a queued order whose scan is a 60 MB binary STL (1.2 M triangles), claimed by priya.
    const scan = new Uint8Array(
      meshBytes('stl-binary', { targetBytes: 60_000_000, seed: Date.now() % 9973 }),
    );
    expect(scan.length).toBeGreaterThan(59_000_000);
    const orderId = await queuedOrder(
      consoleUrl,
      'lab.bright',
      { turnaround: 'rush', caseRef: `W-${Date.now()}` },
      scan,
    );
    await claimOrder(consoleUrl, 'designer.priya', orderId);
    const { page, context, errors } = await newPage(browser);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(new URL(w.url()).pathname));
    await signIn(page, consoleUrl, 'designer.priya');
    await page.goto(`${consoleUrl}/#/designer/${orderId}`);
    await page.getByRole('button', { name: /Get the input links/ }).click();
    // The page counts its animation frames, and notes the count when the check and parse start
    // (the status says so) and when the canvas is drawn.
    await page.evaluate(() => {
      const w = window as unknown as { frames: number; atParse?: number; atDrawn?: number };
      w.frames = 0;
      const tick = () => {
        w.frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      new MutationObserver(() => {
        if (w.atParse === undefined && /Checking and reading/.test(document.body.textContent ?? ''))
          w.atParse = w.frames;
        if (w.atDrawn === undefined && document.querySelector('[data-rendered="true"]')) w.atDrawn = w.frames;
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });

    // Act
    await page.getByRole('button', { name: 'View in 3D' }).click();
    const canvas = page.locator('[data-testid="viewer-canvas"][data-rendered="true"]');
    await canvas.waitFor({ timeout: 90_000 });

    // Assess: the parse ran in the mesh worker, frames kept coming during it, the scan is drawn.
    const { atParse, atDrawn } = await page.evaluate(() => {
      const w = window as unknown as { atParse?: number; atDrawn?: number };
      return { atParse: w.atParse, atDrawn: w.atDrawn };
    });
    expect(atParse).toBeDefined();
    expect((atDrawn ?? 0) - (atParse ?? 0)).toBeGreaterThan(3);
    expect(await drawnPixels(page)).toBeGreaterThan(2000);
    expect(workers.some((p) => /^\/assets\/mesh-worker-[\w-]+\.js$/.test(p))).toBe(true);

    // Act: a design file picked for hand-in is hashed for its upload and drawn over the scan.
    const dir = mkdtempSync(join(tmpdir(), 'caseline-worker-'));
    const design = meshBytes('stl-binary', { triangles: 600, seed: 11 });
    writeFileSync(join(dir, 'crown.stl'), design);
    const declared = page.waitForRequest(
      (r) => r.method() === 'POST' && r.url().endsWith(`/assignments/${orderId}/uploads`),
    );
    await page.getByTestId('design-input').setInputFiles([join(dir, 'crown.stl')]);
    await expect.poll(() => canvas.getAttribute('data-visible-meshes'), { timeout: 20_000 }).toBe('2');
    // Assess: hashed in the hashing worker, to node's hex digest of those bytes; parsed in another
    // mesh worker.
    expect(workers.some((p) => /^\/assets\/hash-worker-[\w-]+\.js$/.test(p))).toBe(true);
    expect(JSON.parse((await declared).postData() ?? '{}').sha256).toBe(
      createHash('sha256').update(design).digest('hex'),
    );
    expect(workers.filter((p) => /\/mesh-worker-/.test(p)).length).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
    await context.close();
    // Handed in (the design above): nothing of this file is left in hand for a lease expiry to
    // put back in the queue, where another file's claim would meet it.
    const handIn = await call(consoleUrl, 'POST', `/assignments/${orderId}/submit`, 'designer.priya');
    expect([200, 202]).toContain(handIn.status);
    await waitForStatus(consoleUrl, orderId, 'lab.bright', ['DELIVERED']);
  });
});
