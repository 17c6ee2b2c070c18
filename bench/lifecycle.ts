/**
 * Benchmark part 3, the whole lifecycle with several orders in flight: labs create a crown order,
 * upload its scan, submit, wait for the delivery, download it, accept and wait for ARCHIVED;
 * designers meanwhile claim, download the inputs (SHA-256 checked), hand in a design and a PDF
 * report, and submit; QA and delivery run in the workflow. Reports full-lifecycle orders per
 * minute and create-to-ARCHIVED latency. Run alone: `npx tsx bench/lifecycle.ts`.
 *   --orders N      orders in all (default 60)        --in-flight N   orders in flight per lab (4)
 *   --workers N     designer sessions per designer (3, priya and marco, capacity raised to match)
 *   --triangles N   scan size (20000 ≈ 1 MB)
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { seedUser } from '../local/seed';
import { Api, putPresigned, sha256Hex } from '../test/support/api';
import { makeCreateOrderRequest } from '../test/support/factories';
import { meshBytes } from '../test/support/mesh-factory';
import { createAndSubmit, emit, pool, sleep, spread, startStack, Tokens, waitForStatus } from './support';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '60' },
    'in-flight': { type: 'string', default: '4' },
    workers: { type: 'string', default: '3' },
    triangles: { type: 'string', default: '20000' },
  },
});
const total = Number(values.orders);
const perLab = Number(values['in-flight']);
const workers = Number(values.workers);
const labs = ['lab.acme', 'lab.bright', 'lab.coast'];
const designers = ['designer.priya', 'designer.marco'];

const stack = await startStack();
const api = new Api(stack.apiUrl);
const tokens = new Tokens(api);

for (const username of designers) {
  const res = await api.call('PATCH', `/designers/${seedUser(username)?.sub ?? ''}`, {
    token: await tokens.of('operator.omar'),
    body: { capacity: Math.min(20, workers) },
  });
  if (res.status !== 200) throw new Error(`capacity of ${username}: HTTP ${res.status}`);
}

/** Retries a call the workflow may not be ready for yet (409 NOT_WAITING: "try again in a moment"). */
const whenReady = async (method: string, path: string, token: string) => {
  for (let attempt = 0; ; attempt++) {
    const res = await api.call<{ code?: string }>(method, path, { token });
    if (res.status !== 409 || res.body.code !== 'NOT_WAITING' || attempt > 100) return res;
    await sleep(20);
  }
};

const fetchChecked = async (files: { url: string; sha256: string }[]) => {
  for (const f of files) {
    const body = Buffer.from(await (await fetch(f.url)).arrayBuffer());
    if (createHash('sha256').update(body).digest('hex') !== f.sha256)
      throw new Error('download: SHA-256 mismatch');
  }
};

const createToArchived: number[] = [];
const submitToDelivered: number[] = [];
const deliveredToArchived: number[] = [];
const claimToSubmitted: number[] = [];
const failures: string[] = [];
let done = 0;

// Designers: claim what the queue offers, download, hand in, submit; until every order is done.
const designerSession = async (designer: string, n: number) => {
  const token = await tokens.of(designer);
  let seed = 1000 * (n + 1);
  while (done < total) {
    const t0 = performance.now();
    const claim = await api.call<{ orderId: string }>('POST', '/queue/claim', { token });
    if (claim.status === 204) {
      await sleep(25);
      continue;
    }
    if (claim.status !== 200) {
      failures.push(`claim: HTTP ${claim.status}`);
      await sleep(100);
      continue;
    }
    const { orderId } = claim.body;
    try {
      const inputs = await api.call<{ files: { url: string; sha256: string }[] }>(
        'GET',
        `/assignments/${orderId}/inputs`,
        { token },
      );
      await fetchChecked(inputs.body.files);
      const design = meshBytes('stl-binary', { triangles: 1000, seed: seed++ });
      const report = Buffer.from(`%PDF-1.4\n% design report ${orderId}\n%%EOF\n`);
      for (const [name, bytes] of [
        ['crown.stl', design],
        ['report.pdf', report],
      ] as const) {
        const out = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
          'POST',
          `/assignments/${orderId}/uploads`,
          { token, body: { name, sizeBytes: bytes.length, sha256: sha256Hex(bytes) } },
        );
        if (out.status !== 201) throw new Error(`declare output: HTTP ${out.status}`);
        if ((await putPresigned(out.body.upload, bytes)).status !== 200)
          throw new Error('output upload failed');
      }
      const submitted = await whenReady('POST', `/assignments/${orderId}/submit`, token);
      if (submitted.status !== 202) throw new Error(`submit design: HTTP ${submitted.status}`);
      claimToSubmitted.push(performance.now() - t0);
    } catch (error) {
      failures.push(`${orderId}: ${(error as Error).message}`);
    }
  }
};

// Labs: the order from creation to ARCHIVED.
const labOrder = async (i: number) => {
  const lab = labs[i % labs.length] ?? 'lab.acme';
  const token = await tokens.of(lab);
  const t0 = performance.now();
  try {
    const orderId = await createAndSubmit(
      api,
      token,
      makeCreateOrderRequest({ caseRef: `LIFE-${Date.now().toString(36)}-${i}` }),
      meshBytes('stl-binary', { triangles: Number(values.triangles), seed: i + 1 }),
    );
    const t1 = performance.now();
    const passing = ['SUBMITTED', 'QUEUED', 'ASSIGNED', 'QA'];
    if (!(await waitForStatus(api, token, orderId, ['DELIVERED'], { everyMs: 50, passing })))
      throw new Error(`${orderId}: not delivered`);
    const t2 = performance.now();
    submitToDelivered.push(t2 - t1);
    const deliverables = await api.call<{ files: { url: string; sha256: string }[] }>(
      'GET',
      `/orders/${orderId}/deliverables`,
      { token },
    );
    await fetchChecked(deliverables.body.files);
    const accepted = await whenReady('POST', `/orders/${orderId}/accept`, token);
    if (accepted.status !== 200) throw new Error(`${orderId}: accept HTTP ${accepted.status}`);
    if (!(await waitForStatus(api, token, orderId, ['ARCHIVED'], { everyMs: 50, passing: ['ACCEPTED'] })))
      throw new Error(`${orderId}: not archived`);
    const t3 = performance.now();
    deliveredToArchived.push(t3 - t2);
    createToArchived.push(t3 - t0);
  } catch (error) {
    failures.push((error as Error).message);
  } finally {
    done++;
  }
};

const started = performance.now();
await Promise.all([
  pool(total, labs.length * perLab, labOrder),
  ...designers.flatMap((d) => Array.from({ length: workers }, (_, n) => designerSession(d, n))),
]);
const elapsedMs = performance.now() - started;
// No false alarms: the breach detector reads every audit event of the run (a 5-minute clock
// advance runs it at once) and must open no incident on normal work, however fast.
const operator = await tokens.of('operator.omar');
const advanced = await api.call<{ jobs: { job: string; ok: boolean; result?: { events?: number } }[] }>(
  'POST',
  '/local/clock/advance',
  { token: operator, body: { minutes: 5 } },
);
const detector = advanced.body.jobs?.find((j) => j.job === 'detectBreaches');
if (!detector?.ok) failures.push('the breach detector did not run');
const opened = await api.call<{ incidents: unknown[] }>('GET', '/incidents', {
  token: await tokens.of('officer.olivia'),
});
const incidents = opened.body.incidents?.length ?? -1;
if (incidents !== 0) failures.push(`normal work opened ${incidents} incident(s)`);
await stack.stop();

emit({
  orders: createToArchived.length,
  failures: failures.length,
  labs: labs.length,
  inFlight: labs.length * perLab,
  designerSessions: designers.length * workers,
  scanBytes: 84 + 50 * Number(values.triangles),
  ordersPerMinute: Math.round((createToArchived.length / elapsedMs) * 60_000),
  detectorEvents: detector?.result?.events,
  incidents,
  createToArchivedMs: spread(createToArchived),
  submitToDeliveredMs: spread(submitToDelivered),
  deliveredToArchivedMs: spread(deliveredToArchived),
  designerClaimToSubmitMs: spread(claimToSubmitted),
  elapsedSeconds: Number((elapsedMs / 1000).toFixed(1)),
  ...(failures.length ? { failed: failures.slice(0, 5) } : {}),
});
if (failures.length) process.exitCode = 1;
