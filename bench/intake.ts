/**
 * Benchmark part 1, intake: several labs at once create an order, upload a scan through its
 * presigned URL, submit, and wait for QUEUED. Reports submit-to-QUEUED latency (p50, p99) and
 * orders per minute end to end. Run alone: `npx tsx bench/intake.ts`; `npm run bench` runs it first.
 *
 * Then `--single` orders one at a time (nothing else in flight) measure the ingest task itself
 * against its own storage round trips: each invocation of the ingest handler is timed in the
 * functions host, and every HTTP request an SDK client sends while it runs (node:http's
 * diagnostics channels, request start to response end, body included) is recorded.
 * `ingestVsRoundTrips` is the p50 of duration ÷ the time at least one of them was open (requests
 * ingest sends side by side count once): what ingest adds on top of waiting for the storage it
 * has to talk to. The bench's own API calls go through fetch, which those channels do not see.
 * Everything runs in one process, so a round trip also holds the stand-in's own work.
 *   --orders N        orders in all (default 120)     --labs N     labs in parallel (default 3)
 *   --concurrency N   orders in flight per lab (4)    --triangles N  scan size (20000 ≈ 1 MB)
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { FunctionsHost } from '../local/functions-host';
import { Api, putPresigned, sha256Hex } from '../test/support/api';
import { makeCreateOrderRequest } from '../test/support/factories';
import { meshBytes } from '../test/support/mesh-factory';
import { emit, percentile, spread, startStack } from './support';

const percentileOf = (values: readonly number[], p: number) =>
  values.length
    ? percentile(
        [...values].sort((a, b) => a - b),
        p,
      )
    : undefined;

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '120' },
    labs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '4' },
    triangles: { type: 'string', default: '20000' },
    single: { type: 'string', default: '20' },
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

// One order at a time: ingest's duration against the time it spends waiting on storage.
const concurrentLatencies = [...latencies];
const ingestRuns: { ms: number; waitingMs: number; roundTripSumMs: number; requests: number }[] = [];
let current:
  | { waitingMs: number; roundTripSumMs: number; requests: number; open: number; since: number }
  | undefined;
const startedAt = new WeakMap<ClientRequest, number>();
subscribe('http.client.request.start', (message) => {
  if (!current) return;
  const now = performance.now();
  startedAt.set((message as { request: ClientRequest }).request, now);
  if (current.open++ === 0) current.since = now;
});
subscribe('http.client.response.finish', (message) => {
  const at = startedAt.get((message as { request: ClientRequest }).request);
  if (!current || at === undefined) return;
  const now = performance.now();
  current.roundTripSumMs += now - at;
  current.requests += 1;
  if (--current.open === 0) current.waitingMs += now - current.since;
});
const invoke = FunctionsHost.prototype.invoke;
FunctionsHost.prototype.invoke = async function (this: FunctionsHost, name: string, event: unknown) {
  if (this.definition(name)?.id !== 'ingest') return invoke.call(this, name, event);
  const run = { waitingMs: 0, roundTripSumMs: 0, requests: 0, open: 0, since: 0 };
  current = run;
  const t0 = performance.now();
  try {
    return await invoke.call(this, name, event);
  } finally {
    current = undefined;
    const { waitingMs, roundTripSumMs, requests } = run;
    ingestRuns.push({ ms: performance.now() - t0, waitingMs, roundTripSumMs, requests });
  }
};
const singleFrom = total;
for (let i = 0; i < Number(values.single); i++) await runOne(labs[0] ?? 'lab.acme', singleFrom + i);
FunctionsHost.prototype.invoke = invoke;
await stack.stop();
const ratios = ingestRuns.filter((r) => r.waitingMs > 0).map((r) => r.ms / r.waitingMs);
const ingest = {
  runs: ingestRuns.length,
  durationMs: spread(ingestRuns.map((r) => r.ms)),
  waitingOnStorageMs: spread(ingestRuns.map((r) => r.waitingMs)),
  roundTripSumMs: spread(ingestRuns.map((r) => r.roundTripSumMs)),
  requestsPerRun: spread(ingestRuns.map((r) => r.requests)),
  ingestVsRoundTrips: Number((percentileOf(ratios, 50) ?? Number.NaN).toFixed(2)),
};

emit({
  orders: concurrentLatencies.length,
  failures: failures.length,
  labs: labs.length,
  inFlightPerLab: perLab,
  scanBytes: 84 + 50 * Number(values.triangles),
  submitToQueuedMs: spread(concurrentLatencies),
  ordersPerMinute: Math.round((concurrentLatencies.length / elapsedMs) * 60_000),
  elapsedSeconds: Number((elapsedMs / 1000).toFixed(1)),
  startupMs: stack.startupMs,
  ingestOneAtATime: ingest,
  ...(failures.length ? { failed: failures.slice(0, 5) } : {}),
});
