/**
 * Over-the-wire steps against the browser project's stack, for what a test prepares or checks
 * outside the browser. (test/support/api.ts does the same for the integration project; it is not
 * imported here because this project type-checks with the DOM library, whose fetch types differ.)
 */
import { createHash } from 'node:crypto';
import { meshBytes } from '../support/mesh-factory';

export const call = async <T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  as: string,
  body?: unknown,
): Promise<{ status: number; body: T }> => {
  const token = await fetch(`${baseUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: as }),
  }).then((r) => r.json() as Promise<{ accessToken: string }>);
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
};

/** Polls until the order is in one of the statuses, for at most `timeoutMs`. */
export const waitForStatus = async (
  baseUrl: string,
  orderId: string,
  as: string,
  statuses: string[],
  timeoutMs = 30_000,
) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call<{ status?: string }>(baseUrl, 'GET', `/orders/${orderId}`, as);
    if (body.status && statuses.includes(body.status)) return body.status;
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} is ${body.status}, not ${statuses.join('|')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

let scans = 0;

/** A lab's order with one valid scan (`scanBytes`, else a small one of its own), submitted and queued. */
export const queuedOrder = async (
  baseUrl: string,
  as: string,
  overrides: Record<string, unknown> = {},
  scanBytes?: Uint8Array<ArrayBuffer>,
) => {
  const created = await call<{ orderId: string }>(baseUrl, 'POST', '/orders', as, {
    caseRef: `Q-${Date.now().toString(36)}`,
    patientRef: 'PT-77',
    toothNumbering: 'FDI',
    turnaround: 'standard',
    items: [{ type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' }],
    ...overrides,
  });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const { orderId } = created.body;
  // A scan of its own: the same bytes in two open orders would be refused as an unconfirmed remake.
  const scan =
    scanBytes ??
    new Uint8Array(meshBytes('stl-binary', { triangles: 800, seed: ++scans + (Date.now() % 100_000) }));
  const declared = await call<{
    fileId: string;
    upload: { mode: 'single'; url: string; headers: Record<string, string> } | { mode: 'multipart' };
  }>(baseUrl, 'POST', `/orders/${orderId}/uploads`, as, {
    name: 'scan.stl',
    sizeBytes: scan.length,
    sha256: createHash('sha256').update(scan).digest('hex'),
  });
  const { fileId, upload } = declared.body;
  const uploads = `/orders/${orderId}/uploads/${fileId}`;
  if (upload.mode === 'single') {
    await putPresigned(upload, scan);
    await call(baseUrl, 'POST', `${uploads}/complete`, as, {});
  } else {
    // Above 64 MiB: parts through batches of presigned part URLs, as the console does.
    type Page = { parts: { partNumber: number; url: string }[]; partSize: number };
    const etags: { partNumber: number; etag: string }[] = [];
    let page = (await call<Page>(baseUrl, 'POST', `${uploads}/parts`, as, {})).body;
    while (page.parts.length) {
      const finished: { partNumber: number; etag: string }[] = [];
      for (const part of page.parts) {
        const start = (part.partNumber - 1) * page.partSize;
        const res = await fetch(part.url, { method: 'PUT', body: scan.slice(start, start + page.partSize) });
        if (!res.ok) throw new Error(`part upload failed: ${res.status}`);
        finished.push({ partNumber: part.partNumber, etag: res.headers.get('etag') ?? '' });
      }
      etags.push(...finished);
      page = (await call<Page>(baseUrl, 'POST', `${uploads}/parts`, as, { completed: finished })).body;
    }
    await call(baseUrl, 'POST', `${uploads}/complete`, as, { parts: etags });
  }
  await call(baseUrl, 'POST', `/orders/${orderId}/submit`, as);
  await waitForStatus(baseUrl, orderId, as, ['QUEUED']);
  return orderId;
};

const putPresigned = async (upload: { url: string; headers: Record<string, string> }, body: Uint8Array) => {
  const { 'content-length': _length, ...headers } = upload.headers;
  const res = await fetch(upload.url, { method: 'PUT', headers, body: new Uint8Array(body) });
  if (!res.ok) throw new Error(`upload failed: ${res.status}`);
};

/** Claims until the queue hands `designer` this order (the wait task may still be storing its token). */
export const claimOrder = async (baseUrl: string, designer: string, orderId: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call<{ orderId?: string }>(baseUrl, 'POST', '/queue/claim', designer);
    if (res.status === 200 && res.body.orderId === orderId) return;
    if (res.status === 200) throw new Error(`${designer} was handed ${res.body.orderId}, not ${orderId}`);
    if (Date.now() > deadline) throw new Error(`${designer} could not claim ${orderId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

/** A queued order claimed by `designer`, a design handed in through the API, QA passed: DELIVERED. */
export const deliveredOrder = async (
  baseUrl: string,
  lab: string,
  designer: string,
  overrides: Record<string, unknown> = {},
) => {
  const orderId = await queuedOrder(baseUrl, lab, overrides);
  await claimOrder(baseUrl, designer, orderId);
  const design = new Uint8Array(meshBytes('stl-binary', { triangles: 500, seed: 2 }));
  const declared = await call<{ upload: { url: string; headers: Record<string, string> } }>(
    baseUrl,
    'POST',
    `/assignments/${orderId}/uploads`,
    designer,
    {
      name: 'crown-36.stl',
      sizeBytes: design.length,
      sha256: createHash('sha256').update(design).digest('hex'),
    },
  );
  await putPresigned(declared.body.upload, design);
  const submitted = await call(baseUrl, 'POST', `/assignments/${orderId}/submit`, designer);
  if (submitted.status !== 202 && submitted.status !== 200)
    throw new Error(`hand-in failed: ${JSON.stringify(submitted.body)}`);
  await waitForStatus(baseUrl, orderId, lab, ['DELIVERED']);
  return orderId;
};
