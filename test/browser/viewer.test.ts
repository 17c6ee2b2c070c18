/**
 * The 3D viewer's tools in Chromium: a designer holding an order measures a distance with two
 * clicks on the scan (a marker at each, the distance in mm), then uploads a design file and
 * toggles scan, design, and both overlaid (the design drawn alone: pixels read back).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meshBytes } from '../support/mesh-factory';
import { launch, newPage, screenshot, seriousViolations, signIn } from './browser';
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

/**
 * The drawn (not background) pixels of the viewer: how many, and two of them on the middle
 * drawn row, 30% in from each end, as page coordinates to click at.
 */
const drawn = (page: Page) =>
  page.evaluate(() => {
    const gl = document.querySelector<HTMLCanvasElement>('[data-testid="viewer-canvas"]');
    if (!gl) return undefined;
    const copy = document.createElement('canvas');
    copy.width = gl.width;
    copy.height = gl.height;
    const ctx = copy.getContext('2d');
    if (!ctx) return undefined;
    ctx.drawImage(gl, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    const isDrawn = (x: number, y: number) => {
      const i = (y * copy.width + x) * 4;
      return (
        Math.abs((data[i] ?? 0) - 0x1f) +
          Math.abs((data[i + 1] ?? 0) - 0x29) +
          Math.abs((data[i + 2] ?? 0) - 0x33) >
        24
      );
    };
    let count = 0;
    const rows: number[] = [];
    for (let y = 0; y < copy.height; y++) {
      let inRow = 0;
      for (let x = 0; x < copy.width; x++) if (isDrawn(x, y)) inRow++;
      count += inRow;
      if (inRow > 20) rows.push(y);
    }
    const y = rows[Math.floor(rows.length / 2)] ?? 0;
    const xs: number[] = [];
    for (let x = 0; x < copy.width; x++) if (isDrawn(x, y)) xs.push(x);
    const left = xs[Math.floor(xs.length * 0.3)] ?? 0;
    const right = xs[Math.floor(xs.length * 0.7)] ?? 0;
    const rect = gl.getBoundingClientRect();
    const sx = rect.width / gl.width;
    const sy = rect.height / gl.height;
    return {
      count,
      a: { x: rect.left + left * sx, y: rect.top + y * sy },
      b: { x: rect.left + right * sx, y: rect.top + y * sy },
    };
  });

describe('3D viewer tools', () => {
  it('measures a distance on the scan and overlays the design on it', async () => {
    // Prepare: a rush crown of lab.bright held by designer.priya (crowns; no veneer another file
    // leaves in the queue).
    const orderId = await queuedOrder(consoleUrl, 'lab.bright', {
      turnaround: 'rush',
      caseRef: `V-${Date.now()}`,
    });
    await claimOrder(consoleUrl, 'designer.priya', orderId);
    const { page, context, errors } = await newPage(browser);
    await signIn(page, consoleUrl, 'designer.priya');
    await page.goto(`${consoleUrl}/#/designer/${orderId}`);
    await page.getByRole('button', { name: /Get the input links/ }).click();
    await page.getByRole('button', { name: 'View in 3D' }).click();
    const canvas = page.locator('[data-testid="viewer-canvas"][data-rendered="true"]');
    await canvas.waitFor({ timeout: 30_000 });

    // Act: measure between two points of the scan.
    await page.getByRole('button', { name: 'Measure a distance' }).click();
    const readout = page.getByTestId('measure-distance');
    expect(await readout.textContent()).toBe('Click two points on the mesh.');
    const points = await drawn(page);
    expect(points?.count).toBeGreaterThan(2000);
    await page.mouse.click(points?.a.x ?? 0, points?.a.y ?? 0);
    await page.mouse.click(points?.b.x ?? 0, points?.b.y ?? 0);
    // Assess: a distance in mm, and two markers plus a line drawn (more pixels not background).
    await expect.poll(() => readout.textContent()).toMatch(/^Distance: \d+\.\d\d mm$/);
    expect(Number(/([\d.]+) mm/.exec((await readout.textContent()) ?? '')?.[1])).toBeGreaterThan(0);
    await screenshot(page, 'viewer-measure');

    // Act: a design file uploaded for hand-in is drawn over the scan; the toggle shows each alone.
    const dir = mkdtempSync(join(tmpdir(), 'caseline-overlay-'));
    writeFileSync(join(dir, 'crown.stl'), meshBytes('stl-binary', { triangles: 600, seed: 7 }));
    await page.getByTestId('design-input').setInputFiles([join(dir, 'crown.stl')]);
    await page.getByRole('group', { name: 'Show' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => canvas.getAttribute('data-visible-meshes')).toBe('2');
    await page.getByRole('radio', { name: 'Design', exact: true }).check();
    await expect.poll(() => canvas.getAttribute('data-visible-meshes')).toBe('1');
    expect((await drawn(page))?.count).toBeGreaterThan(500);
    await page.getByRole('radio', { name: 'Scan', exact: true }).check();
    await expect.poll(() => canvas.getAttribute('data-visible-meshes')).toBe('1');
    await page.getByRole('radio', { name: 'Scan and design overlaid' }).check();
    await expect.poll(() => canvas.getAttribute('data-visible-meshes')).toBe('2');
    await screenshot(page, 'viewer-overlay');
    expect(await seriousViolations(page), 'axe on the viewer tools').toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
    // Handed in (the design uploaded above): nothing of this file is left in the queue or in hand
    // for the other files' claims to meet.
    const handIn = await call(consoleUrl, 'POST', `/assignments/${orderId}/submit`, 'designer.priya');
    expect([200, 202]).toContain(handIn.status);
    await waitForStatus(consoleUrl, orderId, 'lab.bright', ['DELIVERED']);
  });
});
