/** Steps of the order lifecycle over HTTP, shared by the design tests, the demo and the benchmark. */
import { type Api, eventually, putPresigned, sha256Hex } from './api';
import { makeCreateOrderRequest } from './factories';
import { meshBytes } from './mesh-factory';

let counter = 0;

export const viewOf = <T = { status: string }>(api: Api, orderId: string, as = 'lab.acme') =>
  api.call<T>('GET', `/orders/${orderId}`, { as }).then((r) => r.body);

export const waitForStatus = (
  api: Api,
  orderId: string,
  statuses: string[],
  as = 'lab.acme',
  timeoutMs = 20_000,
) =>
  eventually(async () => {
    const view = await viewOf<{ status: string }>(api, orderId, as);
    return statuses.includes(view.status) ? view : undefined;
  }, timeoutMs);

/** A lab order with one valid scan uploaded, not submitted: DRAFT. */
export const draftOrder = async (api: Api, as = 'lab.acme', overrides: Record<string, unknown> = {}) => {
  const n = ++counter;
  const created = await api.call<{ orderId: string }>('POST', '/orders', {
    as,
    body: makeCreateOrderRequest({ caseRef: `LC-${Date.now().toString(36)}-${n}`, ...overrides }),
  });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const { orderId } = created.body;
  const scan = meshBytes('stl-binary', { triangles: 200, seed: (Date.now() % 100_000) + n });
  const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/orders/${orderId}/uploads`,
    {
      as,
      body: { name: 'scan.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    },
  );
  await putPresigned(declared.body.upload, scan);
  return { orderId, scan };
};

/** A lab order with one valid scan, submitted and ingested: QUEUED. */
export const queuedOrder = async (api: Api, as = 'lab.acme', overrides: Record<string, unknown> = {}) => {
  const { orderId, scan } = await draftOrder(api, as, overrides);
  await api.call('POST', `/orders/${orderId}/submit`, { as });
  await waitForStatus(api, orderId, ['QUEUED'], as);
  return { orderId, scan };
};

/** Claims until the queue hands this designer an order (the wait task may still be storing its token). */
export const claim = (api: Api, as: string, timeoutMs = 10_000) =>
  eventually(async () => {
    const res = await api.call<{ orderId: string }>('POST', '/queue/claim', { as });
    return res.status === 200 ? res.body : undefined;
  }, timeoutMs);

/** Uploads a design (and a PDF report) for a held order and hands it in. */
export const handIn = async (
  api: Api,
  as: string,
  orderId: string,
  opts: { seed?: number; broken?: boolean } = {},
) => {
  const design = meshBytes(opts.broken ? 'stl-binary-truncated' : 'stl-binary', {
    triangles: 500,
    seed: opts.seed ?? 1,
  });
  const out = await api.call<{ upload: { url: string; headers: Record<string, string> }; version: number }>(
    'POST',
    `/assignments/${orderId}/uploads`,
    { as, body: { name: 'crown-36.stl', sizeBytes: design.length, sha256: sha256Hex(design) } },
  );
  if (out.status !== 201) throw new Error(`declare output failed: ${JSON.stringify(out.body)}`);
  await putPresigned(out.body.upload, design);
  const report = Buffer.from('%PDF-1.7\n% design report\n');
  const rep = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
    'POST',
    `/assignments/${orderId}/uploads`,
    {
      as,
      body: { name: 'report.pdf', sizeBytes: report.length, sha256: sha256Hex(report) },
    },
  );
  await putPresigned(rep.body.upload, report);
  return api.call<{ status: string; version: number }>('POST', `/assignments/${orderId}/submit`, { as });
};
