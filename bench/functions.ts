/**
 * Benchmark part, functions: what a cold start costs each deployed function. Builds every bundle
 * as `cdk synth` does (scripts/bundles.ts, lib/bundling.ts) and a hello-world handler the same
 * way, then reports per function:
 *   - zippedKB: its asset directory zipped (`zip -9`, as the asset Lambda receives);
 *   - importRatio: the wall time of a fresh `node` process that imports the bundle and exits,
 *     divided by the same for the hello-world bundle, measured in pairs (hello, function)
 *     interleaved over `--runs` rounds; the median of the per-pair ratios. A cold start's proxy:
 *     the runtime starts, then loads the handler. Ratios, not milliseconds, so the figure survives
 *     a busy machine.
 *   - zod: whether the bundle contains zod.
 * No local stack: a bundle imported with placeholder names builds its clients and sends nothing.
 * Run alone: `npx tsx bench/functions.ts`; `npm run bench -- --only functions`.
 *   --runs N        rounds of pairs (default 20)
 *   --only a,b      catalogue ids to import-time (default all; sizes are always all)
 *   --source-maps   build with linked source maps (the settings before issue 10) for comparison
 *   --root DIR      build another checkout of the project (e.g. `git archive` of an older commit,
 *                   with node_modules linked) to compare before and after on one machine
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuiltBundle, buildBundles, buildHelloBundle, placeholderEnv } from '../scripts/bundles';
import { emit, percentile } from './support';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    only: { type: 'string' },
    'source-maps': { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});
const runs = Number(values.runs);

const zippedBytes = async (bundle: BuiltBundle, into: string) => {
  const zipFile = join(into, `${bundle.id}.zip`);
  const zipped = spawnSync('zip', ['-q', '-X', '-9', '-r', zipFile, '.'], { cwd: bundle.dir });
  if (zipped.status !== 0) throw new Error(`zip failed for ${bundle.id}: ${zipped.stderr}`);
  return (await stat(zipFile)).size;
};

/** Milliseconds from starting a fresh node process that imports `file` until it has exited. */
const importMs = (file: string, env: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    const script = `await import(${JSON.stringify(pathToFileURL(file).href)});`;
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`import of ${file} failed: ${err.slice(0, 500)}`)),
    );
  });

const median = (xs: readonly number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

const out = await mkdtemp(join(tmpdir(), 'caseline-bench-functions-'));
try {
  const bundles = await buildBundles(join(out, 'fn'), undefined, {
    ...(values['source-maps'] ? { sourcemap: true } : {}),
    ...(values.root ? { root: values.root } : {}),
  });
  const hello = await buildHelloBundle(join(out, 'hello'));
  const env = await placeholderEnv();
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const timed = bundles.filter((b) => !only || only.has(b.id));

  const ratios = new Map<string, number[]>(timed.map((b) => [b.id, []]));
  for (let round = 0; round < runs; round++) {
    for (const bundle of timed) {
      const base = await importMs(hello.file, env);
      const ms = await importMs(bundle.file, env);
      ratios.get(bundle.id)?.push(ms / base);
    }
  }

  const functions = [];
  for (const bundle of bundles) {
    const r = ratios.get(bundle.id);
    functions.push({
      id: bundle.id,
      zippedKB: Math.round((await zippedBytes(bundle, out)) / 1024),
      ...(r ? { importRatio: Number(median(r).toFixed(2)) } : {}),
      zod: bundle.inputs.some((i) => i.includes('node_modules/zod/')),
      sdkClients: [
        ...new Set(
          bundle.inputs.flatMap((i) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(i)?.[1] ?? []),
        ),
      ].sort(),
    });
  }
  const sizes = functions.map((f) => f.zippedKB);
  const ratioValues = functions.flatMap((f) => (f.importRatio === undefined ? [] : [f.importRatio]));
  emit({
    sourceMaps: values['source-maps'],
    runs,
    zippedKB: {
      median: median(sizes),
      largest: Math.max(...sizes),
      over150: sizes.filter((s) => s > 150).length,
    },
    importRatio: { median: median(ratioValues), largest: Math.max(...ratioValues) },
    withZod: functions.filter((f) => f.zod).length,
    count: functions.length,
    functions,
  });
} finally {
  await rm(out, { recursive: true, force: true });
}
