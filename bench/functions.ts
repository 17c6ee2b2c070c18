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
 * And the floors: a handler that only constructs one SDK client (DynamoDB; S3), bundled the same
 * way and timed in the same pairs: what the SDK itself costs a cold start before any of our code.
 * No local stack: a bundle imported with placeholder names builds its clients and sends nothing.
 * Run alone: `npx tsx bench/functions.ts`; `npm run bench -- --only functions`.
 *   --runs N        rounds of pairs (default 20)
 *   --only a,b      catalogue ids to import-time (default all; sizes are always all)
 *   --source-maps   build with linked source maps (the settings before issue 10) for comparison
 *   --root DIR      build another checkout of the project (e.g. `git archive` of an older commit,
 *                   with node_modules linked) to compare before and after on one machine
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectPath } from '../lib/project-paths';
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
  // The floors' sources live under node_modules/.cache so their SDK imports resolve.
  const floorSrc = projectPath('node_modules/.cache/caseline/bench-floors');
  await mkdir(floorSrc, { recursive: true });
  const floorEntries = [
    { id: 'floor-dynamodb', pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
    { id: 'floor-s3', pkg: '@aws-sdk/client-s3', client: 'S3Client' },
  ];
  for (const f of floorEntries)
    await writeFile(
      join(floorSrc, `${f.id}.mjs`),
      `import { ${f.client} } from '${f.pkg}';\nconst client = new ${f.client}({ region: 'us-east-1' });\nexport const handler = async () => ({ statusCode: 200, body: String(Boolean(client)) });\n`,
    );
  const floors = await buildBundles(
    join(out, 'floors'),
    floorEntries.map((f) => ({ id: f.id, entry: join(floorSrc, `${f.id}.mjs`) })),
  );
  const env = await placeholderEnv();
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const timed = [...bundles.filter((b) => !only || only.has(b.id)), ...floors];

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
  const floorFigures = [];
  for (const floor of floors)
    floorFigures.push({
      id: floor.id,
      zippedKB: Math.round((await zippedBytes(floor, out)) / 1024),
      importRatio: Number(median(ratios.get(floor.id) ?? []).toFixed(2)),
    });
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
    floors: floorFigures,
    withZod: functions.filter((f) => f.zod).length,
    count: functions.length,
    functions,
  });
} finally {
  await rm(out, { recursive: true, force: true });
}
