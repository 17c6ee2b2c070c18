/**
 * `npm run build:web`: builds the console (web/) with Vite into web/dist and prints what a first
 * visit downloads: the JavaScript index.html loads (its entry and the chunks it preloads), raw
 * and gzip-compressed, and the CSS. The 3D viewer's chunk is not counted: it loads on first use.
 * Also used by the browser tests' global setup and the console bench.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_DIR = fileURLToPath(new URL('../web', import.meta.url));
export const WEB_DIST = join(WEB_DIR, 'dist');

export interface InitialLoad {
  readonly files: readonly string[];
  readonly jsBytes: number;
  readonly jsGzipBytes: number;
  readonly cssGzipBytes: number;
}

/** What index.html makes the browser fetch before the first screen: scripts, preloads, styles. */
export const initialLoad = (dist = WEB_DIST): InitialLoad => {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  const js = refs.filter((r) => r.endsWith('.js'));
  const css = refs.filter((r) => r.endsWith('.css'));
  const gz = (f: string) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  return {
    files: refs,
    jsBytes: js.reduce((s, f) => s + readFileSync(join(dist, f)).length, 0),
    jsGzipBytes: js.reduce((s, f) => s + gz(f), 0),
    cssGzipBytes: css.reduce((s, f) => s + gz(f), 0),
  };
};

export const buildWeb = async (): Promise<InitialLoad> => {
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
  return initialLoad();
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const load = await buildWeb();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  process.stdout.write(
    `web/dist built in ${Math.round(performance.now() - started)} ms. Initial JS ${kb(load.jsBytes)}, ` +
      `${kb(load.jsGzipBytes)} gzip (${load.files.filter((f) => f.endsWith('.js')).join(', ')}); ` +
      `CSS ${kb(load.cssGzipBytes)} gzip. The 3D viewer loads on first use.\n`,
  );
}
