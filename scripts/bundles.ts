/**
 * Builds every function's bundle as `cdk synth` does (the same esbuild options, lib/bundling.ts),
 * in parallel, into a directory of its own: `<outDir>/<id>/index.mjs`, one directory per asset.
 * Shared by `npm run check:bundles` (scripts/check-bundles.ts) and the bench's functions part.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../lib/bundling';
import { FUNCTIONS } from '../lib/functions';
import { projectPath } from '../lib/project-paths';

export interface BuiltBundle {
  readonly id: string;
  /** The asset directory (what CDK zips). */
  readonly dir: string;
  readonly file: string;
  /** Input paths relative to the project root, e.g. node_modules/@aws-sdk/client-kms/dist-es/…. */
  readonly inputs: readonly string[];
}

/** The Cognito trigger is not in the catalogue (lib/api.ts creates it); it is bundled all the same. */
export const BUNDLED_FUNCTIONS: readonly { readonly id: string; readonly entry: string }[] = [
  ...FUNCTIONS.map((f) => ({ id: f.id, entry: f.entry })),
  { id: 'preTokenGeneration', entry: 'lambdas/handlers/pre-token-generation.ts' },
];

const HELLO = "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n";

/**
 * One esbuild run over `entries`, each its own bundle in its own directory. Without code
 * splitting every entry point is bundled on its own, as NodejsFunction bundles each function;
 * one run only lets esbuild parse the shared modules once and use every core.
 */
export const buildBundles = async (
  outDir: string,
  entries: readonly { readonly id: string; readonly entry: string }[] = BUNDLED_FUNCTIONS,
  overrides: {
    readonly sourcemap?: boolean;
    /** Another checkout of the project to build from (the bench's before/after); this one by default. */
    readonly root?: string;
  } = {},
): Promise<BuiltBundle[]> => {
  const root = overrides.root ?? projectPath('.');
  const tsconfig = join(root, 'tsconfig.json');
  const base = esbuildOptions('', '', tsconfig);
  const result = await build({
    ...base,
    entryPoints: Object.fromEntries(
      entries.map((e) => [
        join(e.id, BUNDLE_FILE.replace(/\.mjs$/, '')),
        isAbsolute(e.entry) ? e.entry : join(root, e.entry),
      ]),
    ),
    outfile: undefined,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    ...(overrides.sourcemap === undefined ? {} : { sourcemap: overrides.sourcemap }),
    absWorkingDir: root,
    metafile: true,
  });
  const outputs = (result.metafile as Metafile).outputs;
  return entries
    .map((e) => {
      const dir = join(outDir, e.id);
      const file = join(dir, BUNDLE_FILE);
      const output = Object.entries(outputs).find(([path]) => join(root, path) === file)?.[1];
      if (!output) throw new Error(`esbuild wrote no ${file}`);
      return { id: e.id, dir, file, inputs: Object.keys(output.inputs) };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
};

/** The smallest handler, bundled the same way: the baseline for import-time ratios. */
export const buildHelloBundle = async (outDir: string): Promise<BuiltBundle> => {
  const src = join(outDir, 'hello-src');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'handler.mjs'), HELLO);
  const [hello] = await buildBundles(outDir, [{ id: 'hello', entry: join(src, 'handler.mjs') }]);
  if (!hello) throw new Error('hello bundle not built');
  return hello;
};

/**
 * The environment a bundle's config reads at import (lambdas/runtime/config.ts), with placeholder
 * names: importing a bundle builds its clients but sends nothing.
 */
export const placeholderEnv = async (): Promise<Record<string, string>> => {
  const defs = await import('../common/definitions');
  const env: Record<string, string> = {
    AWS_REGION: 'eu-west-1',
    // As Lambda sets them (the function role's); nothing is sent with them.
    AWS_ACCESS_KEY_ID: 'placeholder-access-key',
    AWS_SECRET_ACCESS_KEY: 'placeholder-secret-key',
    AWS_SESSION_TOKEN: 'placeholder-session-token',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  for (const group of [defs.TABLES, defs.BUCKETS, defs.KMS_KEYS, defs.STATE_MACHINES, defs.TOPICS]) {
    for (const d of Object.values<{ envVar: string }>(group))
      env[d.envVar] = `placeholder-${d.envVar.toLowerCase()}`;
  }
  env[defs.ACCOUNT_KEYS.usersEnvVar] = 'arn:aws:iam::000000000000:role/placeholder-*';
  env[defs.USER_POOL.envVar] = defs.USER_POOL.localId;
  return env;
};
