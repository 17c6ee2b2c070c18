/**
 * The audit sealer's reads must grow with the events written since the last digest, not with the
 * events held: 10,000 old events and 100 new against 100 old and 100 new. Writes the events through
 * the real audit adapter (each takes its write-order number), seals the old ones with the real
 * sealer, writes the new ones, and counts what the next sealing run read: by command, and by items
 * the database examined (ScannedCount of each query, 1 per item got).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../lambdas/domain/audit';
import { sealAudit } from '../lambdas/domain/audit-seal';
import { startLocalStack } from '../local/stack';
import { countReads, runInChild } from './support';

export interface SealReads {
  old: number;
  fresh: number;
  sealed: number;
  commands: Record<string, number>;
  itemsExamined: number;
  ms: number;
}

const event = (i: number, at: string): AuditEvent => ({
  eventId: `aud_bench_${String(i).padStart(8, '0')}`,
  at,
  accountId: `lab-bench-${i % 7}`,
  actorSub: `bench-${i % 13}`,
  actorRole: 'lab',
  actorAccountId: `lab-bench-${i % 7}`,
  action: 'order.view',
  outcome: 'ALLOWED',
  sourceIp: '127.0.0.1',
  orderId: `ord_bench_${i}`,
});

export const measureSeal = async (old: number, fresh: number): Promise<SealReads> => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const stack = await startLocalStack({ port: 0 });
  try {
    const { adjustableClock } = await import('../lambdas/kernel/clock');
    const { audit } = await import('../lambdas/runtime/wiring/audit');
    const { deps } = await import('../lambdas/handlers/seal-audit');
    const log = audit();
    const write = async (from: number, count: number) => {
      const at = adjustableClock.now().toISOString();
      for (let i = from; i < from + count; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, from + count - i) }, (_, k) => log.append(event(i + k, at))),
        );
      }
    };
    await write(0, old);
    await sealAudit(deps);
    await write(old, fresh);

    const reads = countReads((deps.ledger as unknown as { ddb: DynamoDBDocumentClient }).ddb);
    const started = performance.now();
    const result = await sealAudit(deps);
    const ms = Math.round(performance.now() - started);
    reads.stop();
    const { commands, itemsExamined } = reads.counted;
    return { old, fresh, sealed: result.events, commands, itemsExamined, ms };
  } finally {
    await stack.stop();
  }
};

/** Runs both sizes in child processes (one stack per process) and compares what the run read. */
export const compareSeals = async () => {
  const { fileURLToPath } = await import('node:url');
  const self = fileURLToPath(import.meta.url);
  const run = (old: number, fresh: number) =>
    runInChild<SealReads>(self, ['--old', String(old), '--new', String(fresh)]);
  const small = run(100, 100);
  const large = run(10_000, 100);
  return { small, large, readsRatio: Number((large.itemsExamined / small.itemsExamined).toFixed(2)) };
};

/** `tsx bench/audit-seal.ts` compares 100 old/100 new with 10,000 old/100 new; `--old N --new M` measures one. */
if (process.argv[1]?.endsWith('audit-seal.ts')) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: { old: { type: 'string' }, new: { type: 'string', default: '100' } },
  });
  const result = values.old
    ? await measureSeal(Number(values.old), Number(values.new))
    : await compareSeals();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!values.old && (result as { readsRatio: number }).readsRatio > 1.1) process.exitCode = 1;
}
