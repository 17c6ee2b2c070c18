/**
 * The purge sweep's DynamoDB reads must grow with the orders due, not with the orders held:
 * 10,000 archived orders with 100 due, against 100 archived with 100 due. Seeds archived orders
 * straight into the local DynamoDB, runs the real sweep (real adapters, local S3/KMS), and counts
 * what the sweep read, by command and by items the database examined (ScannedCount).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localTableName } from '../common/definitions';
import { sweepPurges } from '../lambdas/domain/purge';
import { readConfig } from '../lambdas/runtime/config';
import { makeDocumentClient } from '../lambdas/runtime/sdk/dynamodb';
import { startLocalStack } from '../local/stack';
import { countReads, runInChild } from './support';

export interface SweepReads {
  archived: number;
  due: number;
  purged: number;
  commands: Record<string, number>;
  itemsExamined: number;
  ms: number;
}

const seed = async (
  ddb: ReturnType<typeof makeDocumentClient>,
  run: string,
  archived: number,
  due: number,
  now: Date,
) => {
  const table = localTableName('orders');
  const items = Array.from({ length: archived }, (_, i) => {
    const orderId = `ord_bench_${run}_${String(i).padStart(6, '0')}`;
    const isDue = i < due;
    const purgeAt = new Date(
      now.getTime() + (isDue ? -3_600_000 : 86_400_000 * (1 + (i % 700))),
    ).toISOString();
    return {
      pk: `ORDER#${orderId}`,
      sk: 'META',
      entity: 'order',
      orderId,
      accountId: `lab-bench-${run}`,
      status: 'ARCHIVED',
      createdAt: now.toISOString(),
      items: [],
      phi: 'not-real',
      purgeAfter: purgeAt,
      gsi1pk: `ACCOUNT#lab-bench-${run}`,
      gsi1sk: `${now.toISOString()}#${orderId}`,
      gsi2pk: 'PURGE#PENDING',
      gsi2sk: `${purgeAt}#${orderId}`,
    };
  });
  for (let i = 0; i < items.length; i += 25) {
    await ddb.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
};

export const measureSweep = async (archived: number, due: number): Promise<SweepReads> => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Business metrics (EMF lines on stdout) stay quiet like the logs: nothing here reads them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stack = await startLocalStack({ port: 0 });
  try {
    const cfg = readConfig(stack.env);
    const seeder = makeDocumentClient(cfg);
    const { adjustableClock } = await import('../lambdas/kernel/clock');
    await seed(seeder, String(archived), archived, due, adjustableClock.now());
    // The sweep's own wiring, with a client that counts what it reads.
    const { deps } = await import('../lambdas/handlers/purge-sweep');
    const reads = countReads((deps.orders as unknown as { ddb: DynamoDBDocumentClient }).ddb);
    const started = performance.now();
    let purged = 0;
    for (;;) {
      const r = await sweepPurges(deps);
      purged += r.purged;
      if (r.due === 0) break;
    }
    const ms = Math.round(performance.now() - started);
    reads.stop();
    const { commands, itemsExamined } = reads.counted;
    return { archived, due, purged, commands, itemsExamined, ms };
  } finally {
    await stack.stop();
  }
};

/** Runs both sizes in child processes (one stack per process) and compares what the sweep read. */
export const comparePurgeSweeps = async () => {
  const { fileURLToPath } = await import('node:url');
  const self = fileURLToPath(import.meta.url);
  const run = (archived: number, due: number) =>
    runInChild<SweepReads>(self, ['--archived', String(archived), '--due', String(due)]);
  const small = run(100, 100);
  const large = run(10_000, 100);
  return { small, large, readsRatio: Number((large.itemsExamined / small.itemsExamined).toFixed(2)) };
};

/**
 * `tsx bench/purge.ts` compares 100 archived/100 due with 10,000 archived/100 due;
 * `--archived N --due M` measures one size (what the comparison runs in a child process).
 */
if (process.argv[1]?.endsWith('purge.ts')) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: { archived: { type: 'string' }, due: { type: 'string', default: '100' } },
  });
  const result = values.archived
    ? await measureSweep(Number(values.archived), Number(values.due))
    : await comparePurgeSweeps();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
