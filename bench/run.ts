/**
 * `npm run bench`: the pipeline on the local stack, measured, in parts run one after the
 * other, each in its own process on its own fresh local stack (one stack per process; a part
 * must not find another's orders in the queue):
 *
 *   intake     (bench/intake.ts)     labs create, upload, submit, wait for QUEUED:
 *                                    submit-to-QUEUED p50/p99, orders per minute
 *   claims     (bench/claims.ts)     60 queued orders, every designer claiming with several requests
 *                                    in flight: POST /queue/claim p50/p99, and no order held twice
 *   lifecycle  (bench/lifecycle.ts)  create → upload → submit → claim → hand-in → QA → delivered →
 *                                    accept → ARCHIVED, many in flight: orders per minute, latencies
 *   purge      (bench/purge.ts)      the purge sweep's DynamoDB reads with 100 archived / 100 due and
 *                                    with 10,000 archived / 100 due: they must be the same
 *   audit-seal (bench/audit-seal.ts) the audit sealer's DynamoDB reads with 100 old / 100 new events and
 *                                    with 10,000 old / 100 new: they must be the same
 *   audit-export (bench/audit-export.ts) an account's audit export of 10,000 and 100,000 events (sealed
 *                                    hourly): time and peak memory of the task; each archive verified
 *   incidents  (bench/incidents.ts)  signal → incident → page: one breach-detector run after a designer's
 *                                    probing, and a GuardDuty finding through PutEvents; scoping an actor
 *                                    with 10,000 audit events (by index: what it read, by command)
 *   phi-screen (bench/phi-screen.ts) the PHI screen on worst-case input at the notes limit and at 10x
 *                                    and 100x it (linear growth), and a 9 MB notes through create-order
 *   start      (bench/start.ts)      `npm start -- --memory --port 0` N times: median ms from spawn until
 *                                    /health answers, the printed "ready in", and the load average
 *
 *   functions  (bench/functions.ts)  every function's bundle as deployed: zipped size, and the import
 *                                    time of a fresh process vs a hello-world bundle (median ratio)
 *   export     (bench/export.ts)     an account export's zip streamed into a multipart upload to the S3
 *                                    stand-in: peak memory for a small and a 1 GiB archive (flat)
 *   console    (bench/console.ts)    the web console in Chromium: initial JS (gzip, built and as
 *                                    transferred) and time to an interactive order list (median)
 *
 * Prints one JSON object { intake, claims, lifecycle, purge, 'audit-seal', 'audit-export', incidents, 'phi-screen', start, functions, export, console }; exits 1 if a part failed or found a problem.
 *
 *   intake:    --orders N (120) --labs N (3) --concurrency N (4) --triangles N (20000 ≈ 1 MB)
 *   claims:    --claim-orders N (60) --claimers N (4 per designer) --claim-rounds N (3)
 *   lifecycle: --lifecycle-orders N (60) --in-flight N (4 per lab) --workers N (3 per designer)
 *   phi-screen: --screen-repeat N (5) --screen-budget-ms N (50 per screen at the limit)
 *   start:     --start-runs N (10)
 *   functions: --import-runs N (20)
 *   export:    --export-files N (4) --export-mb N (256 MiB each)
 *   console:   --console-runs N (7)
 *   --only intake,claims,lifecycle,purge,audit-seal,audit-export,incidents,phi-screen,start,functions,export,console
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '120' },
    labs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    triangles: { type: 'string', default: '20000' },
    'claim-orders': { type: 'string', default: '60' },
    claimers: { type: 'string', default: '4' },
    'claim-rounds': { type: 'string', default: '3' },
    'lifecycle-orders': { type: 'string', default: '60' },
    'in-flight': { type: 'string', default: '4' },
    workers: { type: 'string', default: '3' },
    'screen-repeat': { type: 'string', default: '5' },
    'screen-budget-ms': { type: 'string', default: '50' },
    'start-runs': { type: 'string', default: '10' },
    'import-runs': { type: 'string', default: '20' },
    'export-files': { type: 'string', default: '4' },
    'export-mb': { type: 'string', default: '256' },
    'console-runs': { type: 'string', default: '7' },
    only: {
      type: 'string',
      default:
        'intake,claims,lifecycle,purge,audit-seal,audit-export,incidents,phi-screen,start,functions,export,console',
    },
  },
});

const parts = {
  intake: [
    ['--orders', values.orders],
    ['--labs', values.labs],
    ['--concurrency', values.concurrency],
    ['--triangles', values.triangles],
  ],
  claims: [
    ['--orders', values['claim-orders']],
    ['--claimers', values.claimers],
    ['--rounds', values['claim-rounds']],
  ],
  lifecycle: [
    ['--orders', values['lifecycle-orders']],
    ['--in-flight', values['in-flight']],
    ['--workers', values.workers],
    ['--triangles', values.triangles],
  ],
  purge: [],
  'audit-seal': [],
  'audit-export': [],
  incidents: [],
  'phi-screen': [
    ['--repeat', values['screen-repeat']],
    ['--budget-ms', values['screen-budget-ms']],
  ],
  start: [['--runs', values['start-runs']]],
  functions: [['--runs', values['import-runs']]],
  export: [
    ['--files', values['export-files']],
    ['--mb', values['export-mb']],
  ],
  console: [['--runs', values['console-runs']]],
} as const;
type Part = keyof typeof parts;

const selected = values.only.split(',').map((p) => p.trim()) as Part[];
const unknown = selected.filter((p) => !(p in parts));
if (unknown.length) {
  process.stderr.write(
    `bench: no part ${unknown.join(', ')}; choose from ${Object.keys(parts).join(', ')}\n`,
  );
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one part in a child process (the same tsx loader as this one) and parses its JSON line. */
const runPart = (part: Part) =>
  new Promise<{ result: unknown; ok: boolean; seconds: number }>((resolve) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [...process.execArgv, join(here, `${part}.ts`), ...parts[part].flat()],
      { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let result: unknown;
      try {
        result = JSON.parse(line);
      } catch {
        result = { error: `bench/${part}.ts printed no result (exit ${code})` };
      }
      resolve({ result, ok: code === 0, seconds: (performance.now() - started) / 1000 });
    });
  });

const results: Record<string, unknown> = {};
let ok = true;
for (const part of selected) {
  process.stderr.write(`bench: ${part}…`);
  const run = await runPart(part);
  process.stderr.write(` ${run.ok ? 'done' : 'FAILED'} in ${run.seconds.toFixed(1)} s\n`);
  results[part] = run.result;
  ok &&= run.ok;
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (!ok) process.exitCode = 1;
