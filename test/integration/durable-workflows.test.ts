/**
 * Workflows outlive the local stack's process, as they outlive any process on AWS: `npm start` on disk is
 * stopped (SIGTERM) and then killed (SIGKILL) with orders in every waiting state (queued for a designer,
 * assigned, delivered awaiting the lab's decision, just submitted and mid-ingest), started again, and every
 * order is finished over HTTP: claim and hand-in reach DELIVERED, accept reaches ARCHIVED with a purge date.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Api } from '../support/api';
import { claim, draftOrder, handIn, queuedOrder, viewOf, waitForStatus } from '../support/lifecycle';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm start`'s entry point on disk, as a separate process; resolves once it says it is ready. */
const startProcess = async (port: number, dataDir: string) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', '--port', String(port), '--data', dataDir],
    { cwd: ROOT, env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'pipe'] },
  ) as unknown as ChildProcessWithoutNullStreams;
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Ctrl-C to stop')) {
    if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null)
      throw new Error(`local stack did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const kill = async (signal: 'SIGTERM' | 'SIGKILL') => {
    child.kill(signal);
    return exited;
  };
  return { kill, output: () => output };
};

const accept = (api: Api, orderId: string) =>
  api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });

/** Accepts and waits for ARCHIVED; returns the archived order's dates. */
const acceptAndArchive = async (api: Api, orderId: string) => {
  expect((await accept(api, orderId)).status).toBe(200);
  await waitForStatus(api, orderId, ['ARCHIVED'], 'lab.acme', 30_000);
  return viewOf<{ status: string; archivedAt: string; purgeAfter?: string }>(api, orderId);
};

const expectPurgeDate = (order: { archivedAt: string; purgeAfter?: string }) => {
  expect(order.purgeAfter).toBeDefined();
  expect(Math.round((Date.parse(order.purgeAfter ?? '') - Date.parse(order.archivedAt)) / 86_400_000)).toBe(
    730,
  );
};

describe('npm start, stopped and killed mid-workflow', () => {
  it('finishes every waiting order after a SIGTERM and after a SIGKILL', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'caseline-durable-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const api = new Api(`http://127.0.0.1:${port}`);
    let running: Awaited<ReturnType<typeof startProcess>> | undefined;
    try {
      // Prepare: one order in each waiting state.
      running = await startProcess(port, dataDir);
      const assigned = (await queuedOrder(api)).orderId;
      expect((await claim(api, 'designer.priya')).orderId).toBe(assigned);
      const delivered = (await queuedOrder(api)).orderId;
      expect((await claim(api, 'designer.marco')).orderId).toBe(delivered);
      expect((await handIn(api, 'designer.marco', delivered)).status).toBe(202);
      await waitForStatus(api, delivered, ['DELIVERED']);
      const queued = (await queuedOrder(api)).orderId;

      // Act 1: a clean stop (SIGTERM), then start again on the same data.
      expect(await running.kill('SIGTERM')).toBe(0);
      running = await startProcess(port, dataDir);

      // Assess 1: the tokens issued before the stop still move the workflows on.
      expect((await handIn(api, 'designer.priya', assigned)).status).toBe(202);
      await waitForStatus(api, assigned, ['DELIVERED'], 'lab.acme', 30_000);
      expectPurgeDate(await acceptAndArchive(api, delivered));

      // Prepare 2: `assigned` now waits for a decision, `queued` still for a designer (a second restart),
      // a new order is claimed, and another is submitted right before the kill (ingest is running or about to).
      const claimedLate = (await queuedOrder(api)).orderId;
      const claimedBy = await claim(api, 'designer.marco');
      expect([queued, claimedLate]).toContain(claimedBy.orderId);
      const { orderId: ingesting } = await draftOrder(api);
      expect((await api.call('POST', `/orders/${ingesting}/submit`, { as: 'lab.acme' })).status).toBe(202);

      // Act 2: killed, no chance to clean up.
      expect(await running.kill('SIGKILL')).toBeNull();
      running = await startProcess(port, dataDir);

      // Assess 2: every order finishes.
      expectPurgeDate(await acceptAndArchive(api, assigned));
      expect((await handIn(api, 'designer.marco', claimedBy.orderId)).status).toBe(202);
      await waitForStatus(api, claimedBy.orderId, ['DELIVERED'], 'lab.acme', 30_000);
      expectPurgeDate(await acceptAndArchive(api, claimedBy.orderId));
      await waitForStatus(api, ingesting, ['QUEUED'], 'lab.acme', 30_000);
      for (const orderId of [queued, claimedLate, ingesting].filter((id) => id !== claimedBy.orderId)) {
        const held = await claim(api, 'designer.priya', 30_000);
        expect([queued, claimedLate, ingesting]).toContain(held.orderId);
        expect((await handIn(api, 'designer.priya', held.orderId)).status).toBe(202);
        await waitForStatus(api, held.orderId, ['DELIVERED'], 'lab.acme', 30_000);
        expectPurgeDate(await acceptAndArchive(api, held.orderId));
        expect(orderId).toBeDefined();
      }
      for (const orderId of [assigned, delivered, queued, claimedLate, ingesting]) {
        expect((await viewOf(api, orderId)).status).toBe('ARCHIVED');
      }
    } finally {
      await running?.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
