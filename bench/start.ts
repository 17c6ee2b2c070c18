/**
 * Benchmark part, start: how long `npm start` takes until the local stack answers. Runs the command
 * package.json's `start` script runs (without npm's own start-up in front of it), with `--memory
 * --port 0`, N times one after the other; each time it measures from spawn until GET /health
 * answers 200, and reads the "ready in N ms" the stack printed (measured by the stack from its own
 * process start). One run first, not counted, fills the caches a first start after `npm ci` fills
 * (tsx's transforms, the ASL validation cache); it is reported as `firstRunMs`.
 * The machine's load average is reported with the figures: on a shared machine they move with it; the
 * process's CPU time until /health (Linux) moves much less.
 * Run alone: `npx tsx bench/start.ts`; `npm run bench -- --only start`.
 *   --runs N   measured starts, the median is reported (default 10)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { emit, percentile, sleep } from './support';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  process.stderr.write('bench start: --runs must be a whole number from 1 to 100\n');
  process.exit(2);
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const script = (
  JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start;
// `node --import tsx local/main.ts`: plain words, no shell syntax (a change to that fails here, loudly).
if (!/^[\w./=@ -]+$/.test(script))
  throw new Error(`bench start: cannot run the start script as argv: ${script}`);
const [program, ...scriptArgs] = script.split(/\s+/);
// As npm runs it: `node` is this Node, any other program comes from node_modules/.bin.
const executable =
  program === 'node' ? process.execPath : resolve(ROOT, 'node_modules', '.bin', program ?? '');
const command = [executable, ...scriptArgs, '--memory', '--port', '0'];

const TIMEOUT_MS = 60_000;

const stopped = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });

/**
 * CPU time (user + system, all threads) the process has used, from /proc on Linux (undefined elsewhere): on a
 * loaded machine the wall-clock figures wait for other processes; this does not.
 */
const cpuMsOf = (pid: number | undefined): number | undefined => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux Node supports.
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
};

/** One start: ms from spawn until /health answers 200, the figure the stack printed, and its CPU time. */
const startOnce = async (): Promise<{ untilHealthMs: number; printedMs: number; cpuMs?: number }> => {
  const started = performance.now();
  const child = spawn(command[0] ?? '', command.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR' },
  });
  let stdout = '';
  let stderr = '';
  child.on('error', (error) => {
    stderr += `${error.message}\n`;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const deadline = started + TIMEOUT_MS;
    let health: string | undefined;
    // The address is printed once the stack is up (port 0: it is not known before).
    while (!health) {
      if (child.exitCode !== null || /spawn .*ENOENT/.test(stderr))
        throw new Error(`npm start exited ${child.exitCode}: ${stderr.slice(-500)}`);
      if (performance.now() > deadline) throw new Error(`npm start printed no address in ${TIMEOUT_MS} ms`);
      health = /health: (http:\/\/\S+)/.exec(stdout)?.[1];
      if (!health) await sleep(2);
    }
    for (;;) {
      const status = await fetch(health).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (performance.now() > deadline) throw new Error(`/health did not answer 200 in ${TIMEOUT_MS} ms`);
      await sleep(2);
    }
    const untilHealthMs = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid);
    const printed = /ready in (\d+) ms/.exec(stdout)?.[1];
    if (!printed) throw new Error('npm start printed no "ready in N ms"');
    return { untilHealthMs, printedMs: Number(printed), ...(cpuMs !== undefined && { cpuMs }) };
  } finally {
    await stopped(child);
  }
};

const stats = (list: readonly number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(sorted, 50)),
    min: Math.round(sorted[0] ?? Number.NaN),
    max: Math.round(sorted.at(-1) ?? Number.NaN),
  };
};

const loadBefore = loadavg();
const first = await startOnce();
const measured: Array<{ untilHealthMs: number; printedMs: number; cpuMs?: number }> = [];
for (let i = 0; i < runs; i++) measured.push(await startOnce());

emit({
  command: script,
  runs,
  untilHealthMs: stats(measured.map((m) => m.untilHealthMs)),
  printedReadyMs: stats(measured.map((m) => m.printedMs)),
  ...(measured.every((m) => m.cpuMs !== undefined) && {
    cpuUntilHealthMs: stats(measured.map((m) => m.cpuMs ?? 0)),
  }),
  firstRunMs: Math.round(first.untilHealthMs),
  loadAverage1m: { before: Number(loadBefore[0]?.toFixed(2)), after: Number(loadavg()[0]?.toFixed(2)) },
  cores: availableParallelism(),
});
