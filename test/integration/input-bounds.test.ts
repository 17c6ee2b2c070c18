/**
 * Bounded input over the wire: body size (the HTTP API's 10 MB, Lambda's 6 MB event, each
 * handler's cap), media type, path ids, list cursors and file names are refused with a 4xx a
 * lab can act on, before anything is parsed or looked up, and the stack keeps answering.
 */
import { describe, expect, inject, it } from 'vitest';
import { Api, sha256Hex } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';

const apiUrl = inject('apiUrl');
const api = new Api(apiUrl);

let caseCounter = 0;
const uniqueCase = () => `IB-${Date.now().toString(36)}-${++caseCounter}`;

const post = async (path: string, body: string, headers: Record<string, string>, as = 'lab.acme') => {
  const token = await api.token(as);
  const res = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
};

const healthy = async () => (await fetch(`${apiUrl}/health`)).status;

const createOrder = async (as = 'lab.acme') => {
  const res = await api.call<{ orderId: string }>('POST', '/orders', {
    as,
    body: makeCreateOrderRequest({ caseRef: uniqueCase() }),
  });
  expect(res.status).toBe(201);
  return res.body.orderId;
};

describe('body size', () => {
  it('answers a 9 MB notes with 413 and the stack still answers /health right after', async () => {
    // Prepare
    const body = JSON.stringify(
      makeCreateOrderRequest({ caseRef: uniqueCase(), notes: 'a'.repeat(9 << 20) }),
    );

    // Act
    const res = await post('/orders', body, { 'content-type': 'application/json' });

    // Assess
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await healthy()).toBe(200);
  });

  it('answers a body over 10 MB with 413 without reading it', async () => {
    const res = await post('/orders', 'x'.repeat((10 << 20) + 1), { 'content-type': 'application/json' });

    expect(res.status).toBe(413);
    expect(await healthy()).toBe(200);
  });

  it('answers a 1 MB notes with the handler cap, which names its limit', async () => {
    const body = JSON.stringify(
      makeCreateOrderRequest({ caseRef: uniqueCase(), notes: 'a'.repeat(1 << 20) }),
    );

    const res = await post('/orders', body, { 'content-type': 'application/json' });

    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 128 * 1024 });
  });

  it('answers an over-long notes under the cap with 400 on the field', async () => {
    const body = JSON.stringify(makeCreateOrderRequest({ caseRef: uniqueCase(), notes: 'a'.repeat(50_000) }));

    const res = await post('/orders', body, { 'content-type': 'application/json' });

    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.objectContaining({ field: 'notes' })]);
  });
});

describe('media type', () => {
  it('refuses a JSON body sent as text/plain with 415, and creates nothing', async () => {
    const caseRef = uniqueCase();
    const body = JSON.stringify(makeCreateOrderRequest({ caseRef }));

    const res = await post('/orders', body, { 'content-type': 'text/plain' });

    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    // The same body as JSON is then accepted: nothing of the refused request was kept.
    expect((await post('/orders', body, { 'content-type': 'application/json' })).status).toBe(201);
  });
});

describe('path ids', () => {
  const long = `ord_${'a'.repeat(5000)}`;

  it.each([
    ['GET', `/orders/${long}`],
    ['DELETE', `/orders/${long}`],
    ['POST', `/orders/${long}/submit`],
    ['GET', `/orders/${long}/certificate`],
    ['GET', '/orders/ord_1%0D%0Aforged'],
    ['POST', '/orders/ord_1%0A/uploads'],
  ])('%s %s answers 400 on orderId', async (method, path) => {
    const res = await api.call(method, path, { as: 'lab.acme' });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [expect.objectContaining({ field: 'orderId' })],
    });
  });

  it('answers 400 to a malformed designer id on an operator route', async () => {
    const res = await api.call('PATCH', `/designers/${'d'.repeat(300)}`, { as: 'operator.omar', body: {} });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [expect.objectContaining({ field: 'designerId' })] });
  });
});

describe('list cursors', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('pages with the cursor it gave, and answers 400 to a forged one', async () => {
    // Prepare: two orders, so that a page of one has a next cursor.
    await createOrder('lab.bright');
    await createOrder('lab.bright');
    const first = await api.call<{ orders: { orderId: string }[]; nextCursor?: string }>(
      'GET',
      '/orders?limit=1',
      { as: 'lab.bright' },
    );
    expect(first.status).toBe(200);
    const cursor = first.body.nextCursor as string;
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;

    // Act
    const second = await api.call<{ orders: { orderId: string }[] }>(
      'GET',
      `/orders?limit=1&cursor=${cursor}`,
      {
        as: 'lab.bright',
      },
    );
    const forged = [
      encode({ gsi1pk: 'ACCOUNT#lab-bright' }),
      encode({ ...key, gsi1pk: 'ACCOUNT#lab-acme' }),
      encode({ ...key, gsi1sk: 5 }),
      encode({ ...key, extra: 'x' }),
      encode({ ...key, pk: 'ORDER#other', gsi1sk: key.gsi1sk }),
      encode([key]),
      'not base64!',
      'A'.repeat(5000),
    ];
    const answers = await Promise.all(
      forged.map((c) => api.call('GET', `/orders?cursor=${encodeURIComponent(c)}`, { as: 'lab.bright' })),
    );

    // Assess
    expect(second.status).toBe(200);
    expect(second.body.orders[0]?.orderId).not.toBe(first.body.orders[0]?.orderId);
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ fields: [expect.objectContaining({ field: 'cursor' })] });
    }
  });

  it('never lets a cursor from one account page through another', async () => {
    await createOrder('lab.acme');
    await createOrder('lab.acme');
    const page = await api.call<{ nextCursor?: string }>('GET', '/orders?limit=1', { as: 'lab.acme' });
    const cursor = page.body.nextCursor as string;

    const res = await api.call('GET', `/orders?cursor=${cursor}`, { as: 'lab.bright' });

    expect(res.status).toBe(400);
  });
});

describe('file names', () => {
  it.each([
    ['CR/LF', 'upper\r\nforged.stl'],
    ['a line feed', 'upper\n.stl'],
    ['a NUL', 'upper\u0000.stl'],
    ['a right-to-left override', 'upper\u202Elts.stl'],
    ['a line separator', 'upper\u2028.stl'],
  ])('refuses a declared upload whose name holds %s', async (_label, name) => {
    const orderId = await createOrder();

    const res = await api.call('POST', `/orders/${orderId}/uploads`, {
      as: 'lab.acme',
      body: { name, sizeBytes: 1000, sha256: sha256Hex(new Uint8Array([1])) },
    });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [expect.objectContaining({ field: 'name' })] });
  });
});
