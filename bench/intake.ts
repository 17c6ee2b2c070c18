/**
 * Benchmark part 1, intake: several labs at once create an order, upload a scan through its
 * presigned URL, submit, and wait for QUEUED. Reports submit-to-QUEUED latency (p50, p99) and
 * orders per minute end to end. Run alone: `npx tsx bench/intake.ts`; `npm run bench` runs it first.
 *   --orders N        orders in all (default 120)     --labs N     labs in parallel (default 3)
 *   --concurrency N   orders in flight per lab (4)    --triangles N  scan size (20000 ≈ 1 MB)
 */
import { parseArgs } from 'node:util';
import { Api, putPresigned, sha256Hex } from '../test/support/api';
import { makeCreateOrderRequest } from '../test/support/factories';
import { meshBytes } from '../test/support/mesh-factory';
import { emit, spread, startStack } from './support';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '120' },
    labs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    triangles: { type: 'string', default: '20000' },
  },
});
const total = Number(values.orders);
const labs = ['lab.acme', 'lab.bright', 'lab.coast'].slice(0, Number(values.labs));
const perLab = Number(values.concurrency);

const stack = await startStack();
const api = new Api(stack.apiUrl);

const latencies: number[] = [];
const failures: string[] = [];
let next = 0;
const runOne = async (lab: string, i: number) => {
  const scan = meshBytes('stl-binary', { triangles: Number(values.triangles), seed: i + 1 });
  const created = await api.call<{ orderId: string }>('POST', '/orders', {
    as: lab,
    body: makeCreateOrderRequest({ caseRef: `BENCH-${Date.now().toString(36)}-${i}` }),
  });
  const { orderId } = created.body;
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${orderId}/uploads`,
    {
      as: lab,
      body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    },
  );
  await putPresigned(declared.body.upload, scan);
  const t0 = performance.now();
  await api.call('POST', `/orders/${orderId}/submit`, { as: lab });
  for (;;) {
    const res = await api.call<{ status: string }>('GET', `/orders/${orderId}`, { as: lab });
    if (res.body.status === 'QUEUED') break;
    if (res.body.status !== 'SUBMITTED') {
      failures.push(`${orderId}: ${res.body.status}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  latencies.push(performance.now() - t0);
};

const started = performance.now();
await Promise.all(
  labs.flatMap((lab) =>
    Array.from({ length: perLab }, async () => {
      for (let i = next++; i < total; i = next++) await runOne(lab, i);
    }),
  ),
);
const elapsedMs = performance.now() - started;
await stack.stop();

emit({
  orders: latencies.length,
  failures: failures.length,
  labs: labs.length,
  inFlightPerLab: perLab,
  scanBytes: 84 + 50 * Number(values.triangles),
  submitToQueuedMs: spread(latencies),
  ordersPerMinute: Math.round((latencies.length / elapsedMs) * 60_000),
  elapsedSeconds: Number((elapsedMs / 1000).toFixed(1)),
  startupMs: stack.startupMs,
  ...(failures.length ? { failed: failures.slice(0, 5) } : {}),
});
