/**
 * The local stack itself: its clock, tokens, scheduled jobs, outbox and persistence. This file
 * starts a stack of its own (vitest runs each file in its own process), because it moves the
 * clock, which would disturb the shared stack's other tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, putPresigned, sha256Hex } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let stack: LocalStack;
let api: Api;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const createUploaded = async (as = 'lab.acme') => {
  const created = await api.call<{ orderId: string }>('POST', '/orders', {
    as,
    body: makeCreateOrderRequest({
      caseRef: `LS-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    }),
  });
  const scan = meshBytes('stl-binary', { triangles: 100, seed: Math.floor(Math.random() * 1e6) });
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${created.body.orderId}/uploads`,
    { as, body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) } },
  );
  await putPresigned(declared.body.upload, scan);
  return created.body.orderId;
};

describe('the local stack', () => {
  it('lists its seeded users: labs of several accounts and every staff role', async () => {
    const { body } = await api.call<{ username: string; roles: string[]; accountId: string }[]>(
      'GET',
      '/local/users',
    );
    const labAccounts = new Set(body.filter((u) => u.roles.includes('lab')).map((u) => u.accountId));
    expect(labAccounts.size).toBeGreaterThanOrEqual(2);
    for (const role of ['designer', 'privacy-officer', 'auditor', 'operator']) {
      expect(body.some((u) => u.roles.includes(role))).toBe(true);
    }
  });

  it('refuses a token for someone who is not a seeded user', async () => {
    const res = await api.call('POST', '/local/token', { body: { username: 'mallory' } });
    expect(res.status).toBe(400);
  });

  it('lets only operators move the clock', async () => {
    const lab = await api.call('POST', '/local/clock/advance', { as: 'lab.acme', body: { minutes: 1 } });
    const nobody = await api.call('POST', '/local/clock/advance', { body: { minutes: 1 } });
    expect(lab.status).toBe(403);
    // No token at all is 401, as the JWT authorizer answers (an expired one too: local-edge.test.ts).
    expect(nobody.status).toBe(401);
  });

  it('expires a 15-minute token when the clock moves past it, without sleeping', async () => {
    // Prepare
    const token = await api.token('lab.acme');
    expect((await api.call('GET', '/orders', { token })).status).toBe(200);
    const before = await api.call<{ now: string }>('GET', '/local/clock');
    // Act
    const moved = await api.call<{ now: string; offsetMs: number }>('POST', '/local/clock/advance', {
      as: 'operator.omar',
      body: { minutes: 16 },
    });
    // Assess
    expect(moved.status).toBe(200);
    expect(Date.parse(moved.body.now) - Date.parse(before.body.now)).toBeGreaterThanOrEqual(16 * 60_000);
    expect((await api.call('GET', '/orders', { token })).status).toBe(401);
    expect((await api.call('GET', '/orders', { as: 'lab.acme' })).status).toBe(200);
  });

  it('marks an intake that lost its workflow STUCK and alerts operators when time runs on', async () => {
    // Prepare: an order whose status says SUBMITTED but whose workflow never started.
    const orderId = await createUploaded();
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    const now = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
    await ddb.send(
      new UpdateCommand({
        TableName: localTableName('orders'),
        Key: { pk: `ORDER#${orderId}`, sk: 'META' },
        UpdateExpression: 'SET #s = :s, submittedAt = :t, gsi2pk = :p, gsi2sk = :k',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':s': 'SUBMITTED',
          ':t': now,
          ':p': 'INTAKE#PENDING',
          ':k': `${now}#${orderId}`,
        },
      }),
    );
    // Act: 20 minutes later the scheduled watchdog runs (advancing the clock runs due jobs).
    const moved = await api.call<{ jobs: { job: string; ok: boolean; result: { stalled: number } }[] }>(
      'POST',
      '/local/clock/advance',
      { as: 'operator.omar', body: { minutes: 20 } },
    );
    // Assess
    expect(moved.body.jobs).toContainEqual(expect.objectContaining({ job: 'intakeWatchdog', ok: true }));
    const order = await api.call<{ status: string; closedReason: string; timeline: { type: string }[] }>(
      'GET',
      `/orders/${orderId}`,
      { as: 'lab.acme' },
    );
    expect(order.body.status).toBe('STUCK');
    expect(order.body.timeline.map((t) => t.type)).toContain('STUCK');
    const alerts = await api.call<{ topic: string; message: string }[]>(
      'GET',
      '/local/outbox?topic=caseline-operator-alerts',
    );
    const alert = alerts.body.find((m) => m.message.includes(orderId));
    expect(alert?.message).toContain('IntakeTimedOut');
  });

  it('runs a job on demand for operators only', async () => {
    expect((await api.call('POST', '/local/jobs/intakeWatchdog', { as: 'lab.acme' })).status).toBe(403);
    const run = await api.call<{ ok: boolean }>('POST', '/local/jobs/intakeWatchdog', {
      as: 'operator.omar',
    });
    expect(run.body.ok).toBe(true);
    expect((await api.call('POST', '/local/jobs/nope', { as: 'operator.omar' })).status).toBe(404);
  });
});

/** Runs `npm start`'s entry point as a separate process, as a person would. */
const startProcess = async (port: number, dataDir: string) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/main.ts', '--port', String(port), '--data', dataDir],
    {
      cwd: ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!output.includes('Ctrl-C to stop')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`local stack did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const stop = async () => {
    child.kill('SIGINT');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return output;
  };
  return { output: () => output, stop, child };
};

describe('npm start, on disk', () => {
  it('prints its URLs and users, keeps orders, encrypted fields and the clock across a restart, and stops on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'caseline-data-'));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const apiUrl = `http://127.0.0.1:${port}`;
    try {
      // Prepare
      const first = await startProcess(port, dataDir);
      expect(first.output()).toMatch(/ready in \d+ ms/);
      expect(first.output()).toContain(`${apiUrl}/health`);
      expect(first.output()).toContain('operator.omar');
      let diskApi = new Api(apiUrl);
      const created = await diskApi.call<{ orderId: string }>('POST', '/orders', {
        as: 'lab.bright',
        body: makeCreateOrderRequest({ caseRef: 'DISK-1', patientRef: 'PT-4242' }),
      });
      await diskApi.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { hours: 2 } });
      const offset = (await diskApi.call<{ offsetMs: number }>('GET', '/local/clock')).body.offsetMs;
      const firstLog = await first.stop();
      expect(firstLog).toContain('Stopped.');
      expect(first.child.exitCode).toBe(0);
      // Act
      const second = await startProcess(port, dataDir);
      diskApi = new Api(apiUrl);
      const order = await diskApi.call<{ patientRef: string; caseRef: string }>(
        'GET',
        `/orders/${created.body.orderId}`,
        {
          as: 'lab.bright',
        },
      );
      const clock = await diskApi.call<{ offsetMs: number }>('GET', '/local/clock');
      await second.stop();
      // Assess: the record survived and its KMS-encrypted PHI still decrypts (keys persisted too).
      expect(order.status).toBe(200);
      expect(order.body).toMatchObject({ caseRef: 'DISK-1', patientRef: 'PT-4242' });
      expect(clock.body.offsetMs).toBe(offset);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
