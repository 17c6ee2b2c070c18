/**
 * The order workflow's ASL (statemachines/order-workflow.asl.json) on the local Step Functions
 * stand-in, over the wire, with the real domain task behind QaDesign: a storage fault while QA
 * reads the hand-in is retried by the workflow, as one in ingest is, and the order is delivered;
 * it does not go to MarkStuck. A fault the workflow must not retry still sets the order aside.
 */
import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qaDesign } from '../../lambdas/domain/design/workflow-tasks';
import type { OrderFile } from '../../lambdas/domain/order';
import type { DesignDeps } from '../../lambdas/domain/ports';
import { UnexpectedOrderStateError } from '../../lambdas/kernel/errors';
import { type SfnServer, startSfnServer } from '../../local/sfn/server';
import { makeDeps, sha256 } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';
import { makeOrder } from '../support/order-repository-contract';

const orderWorkflow = JSON.parse(
  readFileSync(new URL('../../statemachines/order-workflow.asl.json', import.meta.url), 'utf8').replace(
    /\$\{(\w+)\}/g,
    (_m, name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  ),
) as object;

const deps = makeDeps();
const calls: { fn: string; orderId: string; error?: string }[] = [];
const tokens = new Map<string, string>();
/** Orders whose next QA reads fail mid-stream, and how many more times. */
const readFaults = new Map<string, number>();

const stateOf = (functionName: string) =>
  functionName
    .split(':')
    .pop()
    ?.replace(/FunctionArn$/, '') ?? '';

async function invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
  const p = payload as { orderId: string; accountId: string; taskToken?: string; errorName?: string };
  const fn = stateOf(functionName);
  calls.push({ fn, orderId: p.orderId, ...(p.errorName ? { error: p.errorName } : {}) });
  switch (fn) {
    case 'Ingest':
      return { status: 'QUEUED', rejectedFiles: 0 };
    case 'AwaitDesign':
    case 'DeliverAndAwaitDecision':
      tokens.set(`${p.orderId}:${fn}`, p.taskToken ?? '');
      return { status: 'WAITING' };
    case 'QaDesign':
      if (p.orderId.startsWith('ord_gone')) throw new UnexpectedOrderStateError(p.orderId, 'in QA');
      // The real task, on in-memory ports: the file check is the one ingest uses.
      return qaDesign(deps as unknown as DesignDeps, p);
    case 'MarkStuck':
      return { status: 'STUCK' };
    default:
      throw new Error(`unexpected function ${functionName}`);
  }
}

let server: SfnServer;
let sfn: SFNClient;

beforeAll(async () => {
  const read = deps.files.read.bind(deps.files);
  deps.files.read = async function* (key: string, versionId?: string) {
    const orderId = key.split('/')[1] ?? '';
    const left = readFaults.get(orderId) ?? 0;
    for await (const chunk of read(key, versionId)) {
      if (left > 0) {
        readFaults.set(orderId, left - 1);
        yield new Uint8Array(chunk.subarray(0, 8));
        throw Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' });
      }
      yield chunk;
    }
  };
  server = await startSfnServer({
    region: 'us-east-1',
    accountId: '000000000000',
    stateMachines: [{ name: 'order-workflow', definition: orderWorkflow }],
    invokeFunction,
    // The ASL's own backoff (seconds, jittered) shortened; the attempts and matching are the ASL's.
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  sfn = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.close();
});

/** Polls a condition with a bounded deadline; a hang fails the test instead of the run. */
const until = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const describeRun = (executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  sfn.send(new DescribeExecutionCommand({ executionArn }));

/** An order in QA with a valid hand-in of version 1, as submitDesign leaves it. */
const inQa = async (prefix = 'ord') => {
  const order = makeOrder({ orderId: `${prefix}_${calls.length}${Date.now().toString(36)}`, status: 'QA' });
  await deps.orders.create({ ...order, designVersion: 1, assignee: 'u-priya' });
  const body = meshBytes('stl-binary', { triangles: 12, seed: 7 });
  const file: OrderFile = {
    orderId: order.orderId,
    accountId: order.accountId,
    fileId: `fil_${order.orderId}`,
    role: 'output',
    version: 1,
    format: 'stl',
    nameCipher: 'x',
    sizeBytes: body.length,
    sha256: sha256(body),
    key: `orders/${order.orderId}/outputs/v1/design.stl`,
    declaredAt: order.createdAt,
    upload: { mode: 'single' },
  };
  await deps.orders.addFile(file);
  deps.files.objects.set(file.key, body);
  return order;
};

/** Starts the workflow and hands the design in (the AwaitDesign token), so QaDesign runs next. */
const runToQa = async (orderId: string, accountId: string) => {
  const { executionArn = '' } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: server.stateMachineArn('order-workflow'),
      input: JSON.stringify({ orderId, accountId }),
    }),
  );
  const token = await until('the design wait', () => tokens.get(`${orderId}:AwaitDesign`));
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ version: 1 }) }));
  return executionArn;
};

const callsOf = (orderId: string, fn: string) => calls.filter((c) => c.orderId === orderId && c.fn === fn);

describe('QaDesign on the real order workflow', () => {
  it('retries a storage fault in the file check (TransientError) and delivers; MarkStuck never runs', async () => {
    // Prepare: the first two reads of the hand-in are cut off mid-stream.
    const order = await inQa();
    readFaults.set(order.orderId, 2);
    // Act
    const executionArn = await runToQa(order.orderId, order.accountId);
    await until('the delivery wait', () => tokens.get(`${order.orderId}:DeliverAndAwaitDecision`));
    // Assess: three QA attempts (two retried), the verdict recorded once, no STUCK.
    expect(callsOf(order.orderId, 'QaDesign')).toHaveLength(3);
    expect(callsOf(order.orderId, 'MarkStuck')).toEqual([]);
    expect((await describeRun(executionArn)).status).toBe('RUNNING');
    expect((await deps.orders.get(order.orderId))?.qaProblems).toEqual([]);
    const [checked] = await deps.orders.files(order.orderId);
    expect(checked?.check).toMatchObject({ ok: true });
  });

  it('gives up after the ASL attempts and sets the order aside, naming TransientError', async () => {
    const order = await inQa();
    readFaults.set(order.orderId, 99);
    const executionArn = await runToQa(order.orderId, order.accountId);
    const run = await until('the execution to end', async () => {
      const out = await describeRun(executionArn);
      return out.status === 'RUNNING' ? undefined : out;
    });
    // 1 attempt + MaxAttempts (5) retries, then MarkStuck told why.
    expect(callsOf(order.orderId, 'QaDesign')).toHaveLength(6);
    expect(callsOf(order.orderId, 'MarkStuck')).toEqual([
      { fn: 'MarkStuck', orderId: order.orderId, error: 'TransientError' },
    ]);
    expect(run.status).toBe('FAILED');
  });

  it('does not retry a fault a retry cannot fix: straight to MarkStuck', async () => {
    const order = await inQa('ord_gone');
    const executionArn = await runToQa(order.orderId, order.accountId);
    await until('the execution to end', async () => {
      const out = await describeRun(executionArn);
      return out.status === 'RUNNING' ? undefined : out;
    });
    expect(callsOf(order.orderId, 'QaDesign')).toHaveLength(1);
    expect(callsOf(order.orderId, 'MarkStuck')).toEqual([
      { fn: 'MarkStuck', orderId: order.orderId, error: 'UnexpectedOrderStateError' },
    ]);
  });
});
