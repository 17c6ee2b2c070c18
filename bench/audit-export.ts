/**
 * Benchmark part, audit-export: an account's audit export (lambdas/domain/audit-exports.ts) of
 * 10,000 and of 100,000 events, each in a process of its own with its own local stack: the time the
 * export task takes and its peak memory. The events are written straight into the audit table in
 * the stored layout, 1,000 an hour (the clock moved an hour each time, the counter set), each
 * hour sealed by the real sealer as the hourly schedule would; then the real task (the handler's
 * wiring: DynamoDB, S3, KMS stand-ins over the wire) writes the zip, and the bench downloads it and
 * runs `verify-audit` on it. Memory is sampled every 10 ms and on every page the ledger returns: the peak of
 * heapUsed + arrayBuffers above what the process held before the task, and the peak RSS. The stack
 * runs in the same process, so the figures include the stand-ins' own work serving the queries;
 * `peakLiveMiB` is sampled after a full collection (node --expose-gc, every 20th page): what is held.
 * Run alone: `npx tsx bench/audit-export.ts`; `npm run bench -- --only audit-export`.
 *   --events N   measure one size (in a child of the comparison, or by hand)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unpackAuditExport } from '../cli/audit-export';
import { verifyAuditDir } from '../cli/verify-audit';
import { BUCKETS, localTableName, SEQUENCE_KEY } from '../common/definitions';
import { sealAudit } from '../lambdas/domain/audit-seal';
import { sequencePartition, sequenceSortKey } from '../lambdas/domain/audit-sequence';
import { S3_CREDENTIALS } from '../local/s3';
import { startLocalStack } from '../local/stack';
import { localDocumentClient } from '../test/support/local-clients';
import { runInChild } from './support';

export interface ExportRun {
  events: number;
  exported: number;
  archiveKiB: number;
  seconds: number;
  eventsPerSecond: number;
  peakHeapPlusBuffersMiB: number;
  peakLiveMiB: number | null;
  peakRssMiB: number;
  seedSeconds: number;
}

const ACCOUNT = 'lab-acme';
const MIB = 1024 * 1024;
/** Events written between two sealing runs. */
const PER_HOUR = 1_000;
const ROLES = [
  ['lab', ACCOUNT, 'sub-lab-bench'],
  ['designer', 'staff', 'sub-designer-bench'],
  ['operator', 'staff', 'sub-operator-bench'],
] as const;

export const measureExport = async (count: number): Promise<ExportRun> => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const stack = await startLocalStack({ port: 0 });
  try {
    const { adjustableClock } = await import('../lambdas/kernel/clock');
    const { deps: sealDeps } = await import('../lambdas/handlers/seal-audit');
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    const table = localTableName('audit');
    const seedStarted = performance.now();
    await sealAudit(sealDeps);
    const from = adjustableClock.now().toISOString();
    const item = (seq: number, at: string) => {
      const eventId = `aud_bench_${String(seq).padStart(8, '0')}`;
      const [role, account, sub] = ROLES[seq % ROLES.length] as (typeof ROLES)[number];
      return {
        PutRequest: {
          Item: {
            pk: `ACCOUNT#${ACCOUNT}`,
            sk: `${at}#${eventId}`,
            gsi1pk: `ACTOR#${sub}`,
            gsi1sk: `${at}#${eventId}`,
            gsi2pk: sequencePartition(seq),
            gsi2sk: sequenceSortKey(seq),
            eventId,
            at,
            accountId: ACCOUNT,
            actorSub: sub,
            actorRole: role,
            actorAccountId: account,
            action: 'order.view',
            outcome: 'ALLOWED',
            sourceIp: '203.0.113.7',
            orderId: `ord_bench_${seq % 5_000}`,
            seq,
          },
        },
      };
    };
    // The sealing run above took the numbers the stack's own seeding wrote; the bench's follow.
    const firstSeq = (await sealDeps.ledger.counter()) + 1;
    for (let hourStart = 0; hourStart < count; hourStart += PER_HOUR) {
      const inHour = Math.min(PER_HOUR, count - hourStart);
      const hourBegins = adjustableClock.now().getTime();
      const batches: number[] = [];
      for (let k = 0; k < inHour; k += 25) batches.push(k);
      for (let i = 0; i < batches.length; i += 8)
        await Promise.all(
          batches.slice(i, i + 8).map(async (k0) => {
            let request: Record<string, unknown[]> | undefined = {
              [table]: Array.from({ length: Math.min(25, inHour - k0) }, (_, j) => {
                const k = k0 + j;
                return item(
                  firstSeq + hourStart + k,
                  new Date(hourBegins + Math.floor((3_590_000 * k) / inHour)).toISOString(),
                );
              }),
            };
            while (request && Object.keys(request).length > 0) {
              const out = await ddb.send(new BatchWriteCommand({ RequestItems: request as never }));
              request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
            }
          }),
        );
      await ddb.send(
        new PutCommand({
          TableName: localTableName('auditSequence'),
          Item: { pk: SEQUENCE_KEY, next: firstSeq + hourStart + inHour - 1 },
        }),
      );
      adjustableClock.advance(3_600_000);
      await sealAudit(sealDeps);
    }
    const to = (await sealDeps.ledger.state()).windowTo ?? adjustableClock.now().toISOString();
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const { deps } = await import('../lambdas/handlers/export-audit-trail');
    const { runAuditExport } = await import('../lambdas/domain/audit-exports');
    const exportId = `aex_bench_${count}`;
    await deps.exports.create(
      {
        exportId,
        kind: 'audit',
        from,
        to,
        accountId: ACCOUNT,
        status: 'RUNNING',
        requestedAt: to,
        requestedBy: 'sub-admin-bench',
        requestedByRole: 'lab-admin',
        sourceIp: '203.0.113.7',
      },
      from,
    );
    global.gc?.();
    const base = process.memoryUsage();
    let peak = 0;
    let peakRss = 0;
    let peakLive = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss);
    };
    /** After a full collection: what the process really holds at this point (with --expose-gc). */
    const sampleLive = () => {
      if (!global.gc) return;
      global.gc();
      const m = process.memoryUsage();
      peakLive = Math.max(peakLive, m.heapUsed + m.arrayBuffers);
    };
    const ledger = deps.ledger;
    let exported = 0;
    const pageMs: number[] = [];
    const sampled = {
      ...deps,
      ledger: {
        page: async (query: Parameters<typeof ledger.page>[0]) => {
          const t = performance.now();
          const page = await ledger.page(query);
          pageMs.push(performance.now() - t);
          sample();
          // Every 20th page: a full collection is slow, and what is live changes little between pages.
          if (pageMs.length % 20 === 0) sampleLive();
          return page;
        },
      },
    };
    const timer = setInterval(sample, 10);
    const started = performance.now();
    await runAuditExport(sampled as typeof deps, { exportId, accountId: ACCOUNT }, { region: 'us-east-1' });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    const record = await deps.exports.get(ACCOUNT, exportId);
    if (record?.status !== 'READY' || !record.objectKey) throw new Error(`export ended ${record?.status}`);
    // Download, unpack and verify it as a partner would.
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: stack.endpoints.s3,
      forcePathStyle: true,
      credentials: { ...S3_CREDENTIALS },
    });
    const got = await s3.send(
      new GetObjectCommand({ Bucket: BUCKETS.caseFiles.localName, Key: record.objectKey }),
    );
    const dir = await mkdtemp(join(tmpdir(), 'caseline-bench-audit-'));
    try {
      await unpackAuditExport(
        Buffer.from(
          await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
        dir,
      );
      const keyFile = join(dir, '..', `${exportId}-key.pem`);
      await writeFile(keyFile, Buffer.from(await deps.auditSigner.publicKeyDer()));
      const verified = await verifyAuditDir(dir, keyFile);
      if (!verified.ok) throw new Error(verified.message);
      const summary = verified.message;
      exported = Number(/OK: (\d+) events/.exec(summary)?.[1] ?? 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return {
      events: count,
      exported,
      archiveKiB: Math.round((record.sizeBytes ?? 0) / 1024),
      seconds: Number(seconds.toFixed(1)),
      eventsPerSecond: Math.round(count / seconds),
      peakHeapPlusBuffersMiB: Math.round((peak - (base.heapUsed + base.arrayBuffers)) / MIB),
      /** Held after a full collection (sampled on pages), above what the process held before. */
      peakLiveMiB: global.gc ? Math.round((peakLive - (base.heapUsed + base.arrayBuffers)) / MIB) : null,
      peakRssMiB: Math.round(peakRss / MIB),
      seedSeconds: Number(seedSeconds.toFixed(1)),
    };
  } finally {
    await stack.stop();
  }
};

/** Both sizes, each in a child process (one stack per process). */
export const compareExports = async () => {
  const { fileURLToPath } = await import('node:url');
  const self = fileURLToPath(import.meta.url);
  const small = runInChild<ExportRun>(self, ['--events', '10000'], ['--expose-gc']);
  const large = runInChild<ExportRun>(self, ['--events', '100000'], ['--expose-gc']);
  return {
    small,
    large,
    growth: `events ×${(large.events / small.events).toFixed(0)}, time ×${(large.seconds / small.seconds).toFixed(1)}, peak live ×${(
      (large.peakLiveMiB ?? 0) / Math.max(1, small.peakLiveMiB ?? 0)
    ).toFixed(2)}`,
  };
};

if (process.argv[1]?.endsWith('audit-export.ts')) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { events: { type: 'string' } } });
  const result = values.events ? await measureExport(Number(values.events)) : await compareExports();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
