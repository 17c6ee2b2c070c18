/**
 * moto_server (Python moto, preinstalled on this machine image, not installable elsewhere) as an
 * independent second implementation for conformance tests. A conformance suite starts it with
 * `requireMoto`, which fails (never skips) when it is missing: a suite must not vanish in CI.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const hasMoto =
  spawnSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 15_000 }).status === 0;

export interface Running {
  endpoint: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

export const startMoto = async (): Promise<Running> => {
  const port = await freePort();
  // Its own process group, so stopping it also stops whatever the pyenv shim started.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let failed: Error | undefined;
  child.once('error', (error) => {
    failed = error;
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // The group is already gone.
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (failed || child.exitCode !== null) {
      throw new Error(`moto_server did not start: ${failed?.message ?? `exit ${child.exitCode}`}\n${stderr}`);
    }
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Starts moto_server, or fails the suite that needs it with the reason. */
export const requireMoto = async (): Promise<Running> => {
  if (!hasMoto)
    throw new Error(
      'moto_server is not on PATH: the conformance suites need it (pip install "moto[server]")',
    );
  return startMoto();
};
