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

/** A lab's order with one valid scan, submitted and queued. */
export const queuedOrder = async (baseUrl: string, as: string, overrides: Record<string, unknown> = {}) => {
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
  const scan = new Uint8Array(meshBytes('stl-binary', { triangles: 800, seed: 11 }));
  const declared = await call<{ upload: { url: string; headers: Record<string, string> } }>(
    baseUrl,
    'POST',
    `/orders/${orderId}/uploads`,
    as,
    { name: 'scan.stl', sizeBytes: scan.length, sha256: createHash('sha256').update(scan).digest('hex') },
  );
  const { 'content-length': _length, ...headers } = declared.body.upload.headers;
  const put = await fetch(declared.body.upload.url, { method: 'PUT', headers, body: scan });
  if (!put.ok) throw new Error(`upload failed: ${put.status}`);
  await call(
    baseUrl,
    'POST',
    `/orders/${orderId}/uploads/${(declared.body as unknown as { fileId: string }).fileId}/complete`,
    as,
    {},
  );
  await call(baseUrl, 'POST', `/orders/${orderId}/submit`, as);
  await waitForStatus(baseUrl, orderId, as, ['QUEUED']);
  return orderId;
};
