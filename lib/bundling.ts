/**
 * How every function is bundled, in one place: `cdk synth` (NodejsFunction, through
 * lib/secure-defaults.ts) and `npm run check:bundles` / `npm run bench -- --only functions`
 * (esbuild called directly, scripts/bundles.ts) read the same options, so the bundles the checks
 * import are the bundles that deploy.
 *
 * No source map ships: the asset is the output directory, so even an "external" map would be
 * zipped beside the code (it was ~55% of each asset). Stack traces keep function and class
 * names (`keepNames`), which with the logged error name is enough to find the line.
 *
 * No default credential chain: `@aws-sdk/credential-provider-node` (INI, SSO, process, container
 * and instance-metadata providers, with the STS/SSO clients they build: ~40 KB minified, ~60 KB
 * with nested-clients) is aliased to a provider that refuses (lambdas/runtime/sdk/no-credential-chain.ts).
 * Every client is given the credentials the config read from the environment, which is where
 * Lambda puts the role's credentials and where the local stack puts its own: one code path.
 */
import type { BuildOptions } from 'esbuild';
import { projectPath } from './project-paths';

/** The Node.js major the functions deploy on (FUNCTION_RUNTIME in lib/secure-defaults.ts). */
export const BUNDLE_TARGET = 'node24';

export const BUNDLE_OPTIONS = {
  format: 'esm',
  // ESM builds first, so esbuild can tree-shake the SDK and middy.
  mainFields: ['module', 'main'],
  // CommonJS dependencies inside an ESM bundle still call require(); give them one.
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  minify: true,
  // Error classes are matched by name in the ASL Retry/Catch blocks; minification must not rename them.
  keepNames: true,
  sourceMap: false,
  /** Package → file substituted for it in every bundle (esbuild `alias`; NodejsFunction `--alias:`). */
  alias: {
    '@aws-sdk/credential-provider-node': projectPath('lambdas/runtime/sdk/no-credential-chain.ts'),
  },
} as const;

/** BUNDLE_OPTIONS.alias as NodejsFunction's `esbuildArgs`. */
export const ALIAS_ARGS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(BUNDLE_OPTIONS.alias).map(([from, to]) => [`--alias:${from}`, to]),
);

/** The file name NodejsFunction gives an ESM bundle inside the asset. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * The esbuild options NodejsFunction derives from BUNDLE_OPTIONS (bundleAwsSDK: nothing
 * external; platform node; target the runtime's Node), for building `entry` into `outfile`.
 */
export const esbuildOptions = (entry: string, outfile: string, tsconfig: string): BuildOptions => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: BUNDLE_TARGET,
  format: BUNDLE_OPTIONS.format,
  mainFields: [...BUNDLE_OPTIONS.mainFields],
  banner: { js: BUNDLE_OPTIONS.banner },
  minify: BUNDLE_OPTIONS.minify,
  keepNames: BUNDLE_OPTIONS.keepNames,
  sourcemap: BUNDLE_OPTIONS.sourceMap,
  alias: { ...BUNDLE_OPTIONS.alias },
  sourcesContent: false,
  tsconfig,
  logLevel: 'warning',
});
