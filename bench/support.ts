/**
 * What the benchmark parts share: a local stack of their own (one per process), tokens reused
 * as a client would reuse them, queueing an order, polling a status, and percentiles.
 */
import { execFileSync } from 'node:child_process';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack, LocalStackOptions } from '../local/stack';
import { type Api, putPresigned, sha256Hex } from '../test/support/api';

/** Starts a local stack with the handlers' logs at ERROR (the level is read when the logger is created). */
export const startStack = async (opts: LocalStackOptions = {}): Promise<LocalStack> => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Business metrics (EMF lines on stdout) stay quiet like the logs: nothing here reads them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { startLocalStack } = await import('../local/stack');
  return startLocalStack({ port: 0, ...opts });
};

export const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

/** p50, p99 and max of a list of milliseconds, rounded. */
export const spread = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(sorted, 50)),
    p99: Math.round(percentile(sorted, 99)),
    max: Math.round(sorted.at(-1) ?? Number.NaN),
  };
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One token per user for the whole run (they live 15 minutes; the benchmarks never move the clock). */
export class Tokens {
  private readonly cache = new Map<string, Promise<string>>();
  constructor(private readonly api: Api) {}
  of(username: string): Promise<string> {
    let token = this.cache.get(username);
    if (!token) {
      token = this.api.token(username);
      this.cache.set(username, token);
    }
    return token;
  }
}

/** Polls an order as its lab until it reaches one of `statuses`; undefined if it ends elsewhere or times out. */
export const waitForStatus = async (
  api: Api,
  token: string,
  orderId: string,
  statuses: readonly string[],
  opts: { everyMs?: number; timeoutMs?: number; passing?: readonly string[] } = {},
): Promise<string | undefined> => {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const res = await api.call<{ status: string }>('GET', `/orders/${orderId}`, { token });
    if (statuses.includes(res.body.status)) return res.body.status;
    if (opts.passing && !opts.passing.includes(res.body.status)) return undefined;
    if (Date.now() > deadline) return undefined;
    await sleep(opts.everyMs ?? 50);
  }
};

/** Creates an order, uploads its scan through the presigned PUT and submits it; returns its id. */
export const createAndSubmit = async (api: Api, token: string, body: unknown, scan: Uint8Array) => {
  const created = await api.call<{ orderId: string }>('POST', '/orders', { token, body });
  if (created.status !== 201)
    throw new Error(`create: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const { orderId } = created.body;
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${orderId}/uploads`,
    { token, body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) } },
  );
  if (declared.status !== 201) throw new Error(`declare: HTTP ${declared.status}`);
  const put = await putPresigned(declared.body.upload, scan);
  if (put.status !== 200) throw new Error(`upload: HTTP ${put.status}`);
  const submitted = await api.call('POST', `/orders/${orderId}/submit`, { token });
  if (submitted.status !== 202 && submitted.status !== 200)
    throw new Error(`submit: HTTP ${submitted.status}`);
  return orderId;
};

/** Runs `worker` over `count` items with at most `concurrency` at once. */
export const pool = async (count: number, concurrency: number, worker: (i: number) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) await worker(i);
    }),
  );
};

/** The part's result, as the one JSON object on stdout that bench/run.ts collects. */
export const emit = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(result)}\n`);

/**
 * Counts what `client` reads from now on: commands by name, and the items DynamoDB examined
 * (ScannedCount of a query, 1 for a get that found its item). `stop()` removes the counter.
 */
export const countReads = (client: DynamoDBDocumentClient) => {
  const counted = { commands: {} as Record<string, number>, itemsExamined: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = context.commandName ?? 'unknown';
      counted.commands[name] = (counted.commands[name] ?? 0) + 1;
      const out = result.output as Record<string, unknown>;
      counted.itemsExamined += typeof out.ScannedCount === 'number' ? out.ScannedCount : out.Item ? 1 : 0;
      return result;
    },
    { step: 'initialize', name: 'benchCountReads' },
  );
  return { counted, stop: () => client.middlewareStack.remove('benchCountReads') };
};

/** Runs `script` (a bench file) with `args` in a child process (one stack per process); its last stdout line, parsed. */
export const runInChild = <T>(
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[] = [],
): T =>
  JSON.parse(
    execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], {
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      maxBuffer: 10 * 1024 * 1024,
    })
      .trim()
      .split('\n')
      .pop() ?? '{}',
  ) as T;
