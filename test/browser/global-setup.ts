/**
 * The browser project's setup: builds the console (web/dist) and starts `npm start`'s entry
 * point in its own process (in memory, random ports), which serves that build at `/`. A process
 * of its own because one local stack runs per process (the integration project has this one's).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildWeb } from '../../scripts/build-web';

declare module 'vitest' {
  export interface ProvidedContext {
    consoleUrl: string;
    s3Url: string;
    initialJsGzipBytes: number;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let child: ChildProcessWithoutNullStreams | undefined;

/** Starts `node --import tsx local/main.ts --memory --port 0` and reads its addresses from what it prints. */
export const startStackProcess = async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--memory', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as unknown as ChildProcessWithoutNullStreams;
  let output = '';
  proc.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ctrl-C to stop')) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`local stack did not start: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const api = /HTTP API\s+(http:\/\/\S+)/.exec(output)?.[1];
  const s3 = /\n\s+S3\s+(http:\/\/\S+)/.exec(output)?.[1];
  if (!api || !s3) throw new Error(`no addresses in: ${output.slice(0, 2000)}`);
  return { proc, api, s3 };
};

export async function setup(project: TestProject) {
  const load = await buildWeb();
  const started = await startStackProcess();
  child = started.proc;
  project.provide('consoleUrl', started.api);
  project.provide('s3Url', started.s3);
  project.provide('initialJsGzipBytes', load.jsGzipBytes);
}

export async function teardown() {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child?.once('exit', done));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
