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
 * Run alone: `npx tsx bench/console.ts`; `npm run bench -- --only console`.
 *   --runs N   measured page loads (default 7), after one not counted
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildWeb, WEB_DIST } from '../scripts/build-web';
import { launch } from '../test/browser/browser';
import { startStackProcess } from '../test/browser/global-setup';

// Inlined rather than from ./support: this part type-checks with the DOM library (what
// page.evaluate runs), with test/browser, and ./support pulls in the whole local stack's types.
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const emit = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(result)}\n`);

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  process.stderr.write('bench console: --runs must be a whole number from 1 to 50\n');
  process.exit(2);
}

const load = await buildWeb();
const viewerChunk = readdirSync(join(WEB_DIST, 'assets')).find(
  (f) => f.startsWith('scene-') && f.endsWith('.js'),
);
const viewerGzipBytes = viewerChunk
  ? gzipSync(readFileSync(join(WEB_DIST, 'assets', viewerChunk)), { level: 9 }).length
  : 0;

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
    runs,
    signInInteractiveMs: { p50: median(signInReady), min: Math.round(Math.min(...signInReady)) },
    orderListInteractiveMs: { p50: median(listReady), min: Math.round(Math.min(...listReady)) },
    firstVisitToOrderListMs: { p50: median(total) },
    built: statSync(join(WEB_DIST, 'index.html')).mtime.toISOString(),
  });
} finally {
  await close();
  proc.kill('SIGTERM');
}
