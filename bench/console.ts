/**
 * Benchmark part, console: what a lab's first visit costs, in Debian's Chromium against a local
 * stack serving the built console (gzip, as CloudFront serves it).
 *
 * - Initial JavaScript: the bytes index.html makes the browser fetch (entry and preloads), gzip,
 *   from the build (scripts/build-web.ts), and as Chromium received them (Resource Timing
 *   encodedBodySize of every script loaded up to the interactive order list). The 3D viewer's
 *   chunk is reported apart: it loads on first use.
 * - Time to interactive of the order list, per run in a fresh browser context (empty cache):
 *   navigation start → the sign-in list is clickable, and the click on lab.acme → the order list's
 *   first page (10 rows) is rendered and its status filter enabled. Median of N runs.
 * - A 100 MB binary STL (2 M triangles) in the 3D viewer, as a designer holding the order opens it:
 *   from the click on "View in 3D" to the scan drawn (download from the S3 stand-in, SHA-256 check,
 *   parse, the draw call), and over that span the main thread's longest task ('longtask' entries),
 *   the longest gap of a 10 ms heartbeat and the animation frames drawn: how responsive the page
 *   stays while a large scan loads. Then the wait for the frame that shows it (WebGL is
 *   SwiftShader here: 2 M triangles rasterised in software, by the GPU process).
 *   Median of --viewer-runs fresh contexts (each downloads the scan again).
 * Run alone: `npx tsx bench/console.ts`; `npm run bench -- --only console`.
 *   --runs N          measured page loads (default 7), after one not counted
 *   --viewer-runs N   viewer loads of the 100 MB scan (default 3; 0 skips them)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildWeb, WEB_DIST } from '../scripts/build-web';
import { launch, signIn } from '../test/browser/browser';
import { startStackProcess } from '../test/browser/global-setup';
import { claimOrder, queuedOrder } from '../test/browser/stack-api';
import { meshBytes } from '../test/support/mesh-factory';

// Inlined rather than from ./support: this part type-checks with the DOM library (what
// page.evaluate runs), with test/browser, and ./support pulls in the whole local stack's types.
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const emit = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(result)}\n`);

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, 'viewer-runs': { type: 'string', default: '3' } },
});
const runs = Number(values.runs);
const viewerRuns = Number(values['viewer-runs']);
if (
  !Number.isInteger(runs) ||
  runs < 1 ||
  runs > 50 ||
  !Number.isInteger(viewerRuns) ||
  viewerRuns < 0 ||
  viewerRuns > 10
) {
  process.stderr.write(
    'bench console: --runs must be a whole number from 1 to 50, --viewer-runs from 0 to 10\n',
  );
  process.exit(2);
}
const SCAN_BYTES = 100_000_000;

const load = await buildWeb();
/** gzip size of the lazily loaded file whose name starts with `prefix` (0 when there is none). */
const lazyGzipBytes = (prefix: string) => {
  const file = readdirSync(join(WEB_DIST, 'assets')).find((f) => f.startsWith(prefix) && f.endsWith('.js'));
  return file ? gzipSync(readFileSync(join(WEB_DIST, 'assets', file)), { level: 9 }).length : 0;
};
const viewerGzipBytes = lazyGzipBytes('scene-');

// `npm start`'s entry point in its own process, as a lab would run it.
const { proc, api: apiUrl } = await startStackProcess();
const stack = { apiUrl };
const { browser, close } = await launch();
try {
  // Prepare: a full first page of orders for lab.acme.
  const token = await fetch(`${stack.apiUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lab.acme' }),
  }).then((r) => r.json() as Promise<{ accessToken: string }>);
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${stack.apiUrl}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        caseRef: `BENCH-${i}`,
        patientRef: 'PT-1',
        toothNumbering: 'FDI',
        turnaround: 'standard',
        items: [{ type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' }],
      }),
    });
    if (res.status !== 201) throw new Error(`bench console: create failed (${res.status})`);
  }

  const signInReady: number[] = [];
  const listReady: number[] = [];
  const total: number[] = [];
  let jsTransferred = 0;
  let jsFiles = 0;
  for (let run = 0; run <= runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(stack.apiUrl);
    const button = page.getByTestId('sign-in-lab.acme');
    await button.waitFor();
    const atSignIn = await page.evaluate(() => performance.now());
    await button.click();
    const clickedAt = await page.evaluate(() => performance.now());
    await page.locator('[data-testid="order-list"] tbody tr:nth-child(10)').waitFor();
    await page.getByTestId('status-filter').isEnabled();
    const listAt = await page.evaluate(() => performance.now());
    const scripts = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => (e as PerformanceResourceTiming).initiatorType === 'script' || e.name.endsWith('.js'))
        .map((e) => (e as PerformanceResourceTiming).encodedBodySize),
    );
    if (run > 0) {
      signInReady.push(atSignIn);
      listReady.push(listAt - clickedAt);
      total.push(listAt - clickedAt + atSignIn);
      jsTransferred = scripts.reduce((s, n) => s + n, 0);
      jsFiles = scripts.length;
    }
    await context.close();
  }
  // The 100 MB scan in the viewer: one queued order of lab.acme, claimed by designer.priya.
  const viewer: {
    firstPixelsMs: number;
    longestTaskMs: number;
    maxEventLoopGapMs: number;
    framesDuringLoad: number;
    drawnFrameMs: number;
    longTasks: number;
  }[] = [];
  if (viewerRuns > 0) {
    const scan = new Uint8Array(meshBytes('stl-binary', { targetBytes: SCAN_BYTES, seed: 17 }));
    const orderId = await queuedOrder(stack.apiUrl, 'lab.acme', { caseRef: 'BENCH-SCAN' }, scan);
    await claimOrder(stack.apiUrl, 'designer.priya', orderId);
    for (let run = 0; run < viewerRuns; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // tsx (esbuild, keepNames) wraps the named functions below in __name(), which the page lacks.
      await context.addInitScript('globalThis.__name = (f) => f;');
      const page = await context.newPage();
      await signIn(page, stack.apiUrl, 'designer.priya');
      await page.goto(`${stack.apiUrl}/#/designer/${orderId}`);
      await page.getByRole('button', { name: /Get the input links/ }).click();
      const open = page.getByRole('button', { name: 'View in 3D' });
      await open.waitFor();
      // Every animation frame's time, a 10 ms heartbeat's and every long task, from now on; the
      // click's time; the moment the canvas says it is drawn.
      await page.evaluate(() => {
        const b = {
          frames: [] as number[],
          beats: [] as number[],
          tasks: [] as { start: number; end: number }[],
          t0: 0,
          drawnAt: 0,
        };
        (window as unknown as { bench: typeof b }).bench = b;
        const tick = (t: number) => {
          b.frames.push(t);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        setInterval(() => b.beats.push(performance.now()), 10);
        new PerformanceObserver((list) => {
          for (const e of list.getEntries())
            b.tasks.push({ start: e.startTime, end: e.startTime + e.duration });
        }).observe({ type: 'longtask' });
        document.addEventListener(
          'click',
          (e) => {
            if ((e.target as HTMLElement).textContent === 'View in 3D') b.t0 = e.timeStamp;
          },
          true,
        );
        new MutationObserver(() => {
          if (!b.drawnAt && document.querySelector('[data-rendered="true"]')) b.drawnAt = performance.now();
        }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-rendered'] });
      });
      await open.click();
      await page.locator('[data-testid="viewer-canvas"][data-rendered="true"]').waitFor({ timeout: 180_000 });
      // Two more frames, so the beat and the frame after the drawing task are recorded.
      viewer.push(
        await page.evaluate(async () => {
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const { frames, beats, tasks, t0, drawnAt } = (
            window as unknown as {
              bench: {
                frames: number[];
                beats: number[];
                tasks: { start: number; end: number }[];
                t0: number;
                drawnAt: number;
              };
            }
          ).bench;
          // The heartbeat's longest gap from the click to the first beat after the draw call
          // (which ends the task that drew). Frames are counted up to the draw call; the frame
          // that shows the drawing is apart: WebGL here is SwiftShader, so the GPU process
          // rasterises its 2 M triangles in software, off the page's thread.
          let gap = 0;
          for (let i = 1; i < beats.length; i++) {
            const [a = 0, b = 0] = [beats[i - 1], beats[i]];
            if (b > t0 && a < drawnAt) gap = Math.max(gap, b - a);
          }
          const shown = frames.find((f) => f > drawnAt) ?? drawnAt;
          const during = tasks.filter((t) => t.end > t0 && t.start < drawnAt);
          return {
            firstPixelsMs: drawnAt - t0,
            longestTaskMs: Math.max(0, ...during.map((t) => t.end - t.start)),
            maxEventLoopGapMs: gap,
            framesDuringLoad: frames.filter((f) => f > t0 && f <= drawnAt).length,
            drawnFrameMs: shown - drawnAt,
            longTasks: during.length,
          };
        }),
      );
      await context.close();
    }
  }

  const median = (xs: number[]) =>
    Math.round(
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      ),
    );
  emit({
    initialJs: {
      files: load.files.filter((f) => f.endsWith('.js')),
      rawBytes: load.jsBytes,
      gzipBytes: load.jsGzipBytes,
      transferredBytes: jsTransferred,
      scriptsLoaded: jsFiles,
      cssGzipBytes: load.cssGzipBytes,
    },
    viewerChunkGzipBytes: viewerGzipBytes,
    // Workers, each loaded when first used: the mesh reader (three.js's loaders) and the hasher.
    meshWorkerGzipBytes: lazyGzipBytes('mesh-worker-'),
    hashWorkerGzipBytes: lazyGzipBytes('hash-worker-'),
    runs,
    signInInteractiveMs: { p50: median(signInReady), min: Math.round(Math.min(...signInReady)) },
    orderListInteractiveMs: { p50: median(listReady), min: Math.round(Math.min(...listReady)) },
    firstVisitToOrderListMs: { p50: median(total) },
    viewer100MbStl:
      viewer.length === 0
        ? 'skipped (--viewer-runs 0)'
        : {
            bytes: SCAN_BYTES,
            runs: viewer.length,
            firstPixelsMs: { p50: median(viewer.map((v) => v.firstPixelsMs)) },
            mainThreadLongestTaskMs: {
              p50: median(viewer.map((v) => v.longestTaskMs)),
              max: Math.round(Math.max(...viewer.map((v) => v.longestTaskMs))),
            },
            maxEventLoopGapMs: {
              p50: median(viewer.map((v) => v.maxEventLoopGapMs)),
              max: Math.round(Math.max(...viewer.map((v) => v.maxEventLoopGapMs))),
            },
            animationFramesDuringLoad: { p50: median(viewer.map((v) => v.framesDuringLoad)) },
            longTasks: { p50: median(viewer.map((v) => v.longTasks)) },
            firstFrameSoftwareRasterMs: { p50: median(viewer.map((v) => v.drawnFrameMs)) },
          },
    built: statSync(join(WEB_DIST, 'index.html')).mtime.toISOString(),
  });
} finally {
  await close();
  proc.kill('SIGTERM');
}
