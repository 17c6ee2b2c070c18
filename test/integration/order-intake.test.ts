/**
 * Order intake end to end, over HTTP against the local stack: the same handlers, ASL and SDK
 * clients as on AWS, with only the endpoints changed.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { Api, eventually, putPresigned, sha256Hex, waitForOutbox } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';

const api = new Api(inject('apiUrl'));
const ddb = localDocumentClient(inject('endpoints').dynamodb);

let caseCounter = 0;
const uniqueCase = () => `IT-${Date.now().toString(36)}-${++caseCounter}`;

interface Created {
  orderId: string;
  status: string;
}
interface Declared {
  fileId: string;
  upload: { mode: string; url: string; headers: Record<string, string> };
}

const createOrder = async (as = 'lab.acme', overrides: Record<string, unknown> = {}) => {
  const res = await api.call<Created>('POST', '/orders', {
    as,
    body: makeCreateOrderRequest({ caseRef: uniqueCase(), ...overrides }),
  });
  expect(res.status).toBe(201);
  return res.body.orderId;
};

const upload = async (
  orderId: string,
  body: Uint8Array,
  name = 'upper.stl',
  as = 'lab.acme',
  declaredSha = sha256Hex(body),
) => {
  const declared = await api.call<Declared>('POST', `/orders/${orderId}/uploads`, {
    as,
    body: { name, sizeBytes: body.length, sha256: declaredSha },
  });
  expect(declared.status).toBe(201);
  const put = await putPresigned(declared.body.upload, body);
  return { fileId: declared.body.fileId, put };
};

/**
 * Waits until the order shows one of `statuses` and its timeline holds the entry of that status
 * (QUEUED, REJECTED…): a process writes the status before its timeline entry, so a view taken as
 * soon as the status shows may not list the entry yet.
 */
const waitForStatus = (orderId: string, statuses: string[], as = 'lab.acme') =>
  eventually(async () => {
    const res = await api.call<{ status: string; timeline?: { type: string }[] }>(
      'GET',
      `/orders/${orderId}`,
      {
        as,
      },
    );
    const { status, timeline = [] } = res.body;
    return statuses.includes(status) && timeline.some((t) => t.type === status) ? res.body : undefined;
  });

const auditEvents = async (accountId: string) => {
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: localTableName('audit'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}` },
    }),
  );
  return Items ?? [];
};

describe('order intake on the local stack', () => {
  it('answers the health route without a token', async () => {
    const res = await api.call('GET', '/health');
    expect(res).toEqual({ status: 200, body: { status: 'ok', service: 'caseline' } });
  });

  it('refuses a route without a valid token', async () => {
    expect((await api.call('GET', '/orders')).status).toBe(401);
    expect((await api.call('GET', '/orders', { token: 'not-a-jwt' })).status).toBe(401);
  });

  it('takes a valid order from creation through upload and submission to QUEUED', async () => {
    // Prepare
    const orderId = await createOrder();
    const scan = meshBytes('stl-binary', { triangles: 2000 });
    // Act
    const { put } = await upload(orderId, scan);
    const submitted = await api.call<{ status: string; executionArn: string }>(
      'POST',
      `/orders/${orderId}/submit`,
      { as: 'lab.acme' },
    );
    // Assess
    expect(put.status).toBe(200);
    expect(submitted.status).toBe(202);
    const order = (await waitForStatus(orderId, ['QUEUED', 'REJECTED', 'STUCK'])) as unknown as {
      status: string;
      dueAt: string;
      files: { check: { ok: boolean; mesh: { triangles: number } } }[];
      timeline: { type: string }[];
    };
    expect(order.status).toBe('QUEUED');
    expect(order.files[0]?.check).toMatchObject({ ok: true, mesh: { triangles: 2000 } });
    expect(order.timeline.map((t) => t.type)).toEqual(
      expect.arrayContaining(['CREATED', 'FILE_DECLARED', 'SUBMITTED', 'QUEUED']),
    );
    expect(Date.parse(order.dueAt)).toBeGreaterThan(Date.now());
  });

  it('keeps PHI out of the order record in DynamoDB', async () => {
    const patientRef = 'QX-7731';
    const orderId = await createOrder('lab.acme', { patientRef });
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('orders'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    );
    expect(Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toContain(patientRef);
  });

  it('rejects bad input with every field named, and writes nothing', async () => {
    const before = (await ddb.send(new ScanCommand({ TableName: localTableName('orders'), Select: 'COUNT' })))
      .Count;
    const res = await api.call<{ code: string; fields: { field: string; message: string }[] }>(
      'POST',
      '/orders',
      {
        as: 'lab.acme',
        body: {
          caseRef: '',
          patientRef: 'John Smith',
          items: [{ type: 'crown', teeth: [99], material: 'zirconia', shade: 'A2' }],
          notes: 'call 555-123-4567',
        },
      },
    );
    const after = (await ddb.send(new ScanCommand({ TableName: localTableName('orders'), Select: 'COUNT' })))
      .Count;
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.fields.map((f) => f.field)).toEqual(
      expect.arrayContaining(['caseRef', 'patientRef', 'items[0].teeth[0]', 'notes']),
    );
    expect(JSON.stringify(res.body)).not.toContain('555-123-4567');
    expect(after).toBe(before);
  });

  it('answers malformed JSON with a 400, not a stack trace', async () => {
    const res = await api.call<{ code: string; message: string }>('POST', '/orders', {
      as: 'lab.acme',
      rawBody: '{"caseRef":',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).not.toMatch(/at .*\.ts/);
  });

  it('answers 409 naming the open order for a repeated case reference, and accepts a confirmed remake', async () => {
    const caseRef = uniqueCase();
    const first = await api.call<Created>('POST', '/orders', {
      as: 'lab.acme',
      body: makeCreateOrderRequest({ caseRef }),
    });
    const again = await api.call<{ existingOrderId: string }>('POST', '/orders', {
      as: 'lab.acme2',
      body: makeCreateOrderRequest({ caseRef }),
    });
    const remake = await api.call<Created>('POST', '/orders', {
      as: 'lab.acme',
      body: makeCreateOrderRequest({ caseRef, remake: true }),
    });
    expect(again.status).toBe(409);
    expect(again.body.existingOrderId).toBe(first.body.orderId);
    expect(remake.status).toBe(201);
  });

  it('answers 409 naming the open order for a scan already sent', async () => {
    const scan = meshBytes('stl-binary', { triangles: 77, seed: 99 });
    const first = await createOrder();
    await upload(first, scan);
    const second = await createOrder();
    const dup = await api.call<{ existingOrderId: string }>('POST', `/orders/${second}/uploads`, {
      as: 'lab.acme',
      body: { name: 'again.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.existingOrderId).toBe(first);
  });

  it('keeps the case reference out of the table in clear, and shows it from the encrypted PHI', async () => {
    // Prepare / Act
    const caseRef = uniqueCase();
    const orderId = await createOrder('lab.acme', { caseRef });
    // Assess
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('orders'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
      }),
    );
    expect(Items?.length).toBeGreaterThan(0);
    expect(JSON.stringify(Items)).not.toContain(caseRef);
    const view = await api.call<{ caseRef: string }>('GET', `/orders/${orderId}`, { as: 'lab.acme' });
    expect(view.body.caseRef).toBe(caseRef);
    const listed = await api.call<{ orders: { orderId: string; caseRef: string }[] }>('GET', '/orders', {
      as: 'lab.acme',
    });
    expect(listed.body.orders.find((o) => o.orderId === orderId)?.caseRef).toBe(caseRef);
  });

  it('keeps the duplicate-file check on a remake order', async () => {
    const scan = meshBytes('stl-binary', { triangles: 78, seed: 98 });
    const first = await createOrder();
    await upload(first, scan);
    const remakeOrder = await createOrder('lab.acme', { remake: true });
    const body = { name: 'again.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) };
    const dup = await api.call<{ existingOrderId: string }>('POST', `/orders/${remakeOrder}/uploads`, {
      as: 'lab.acme',
      body,
    });
    expect(dup.status).toBe(409);
    expect(dup.body.existingOrderId).toBe(first);
    const confirmed = await api.call('POST', `/orders/${remakeOrder}/uploads`, {
      as: 'lab.acme',
      body: { ...body, remake: true },
    });
    expect(confirmed.status).toBe(201);
  });

  it('hands out object URLs that name the order, never the account', async () => {
    const orderId = await createOrder();
    const scan = meshBytes('stl-binary', { triangles: 12, seed: 6 });
    const declared = await api.call<Declared>('POST', `/orders/${orderId}/uploads`, {
      as: 'lab.acme',
      body: { name: 'x.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    });
    const path = new URL(declared.body.upload.url).pathname;
    expect(path).toMatch(new RegExp(`/orders/${orderId}/inputs/fil_[0-9a-f]+\\.stl$`));
    expect(declared.body.upload.url).not.toContain('lab-acme');
  });

  it('refuses a tampered upload URL', async () => {
    const orderId = await createOrder();
    const scan = meshBytes('stl-binary', { triangles: 10, seed: 5 });
    const declared = await api.call<Declared>('POST', `/orders/${orderId}/uploads`, {
      as: 'lab.acme',
      body: { name: 'x.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    });
    const tampered = {
      ...declared.body.upload,
      url: declared.body.upload.url.replace('/inputs/', '/outputs/'),
    };
    expect((await putPresigned(tampered, scan)).status).toBe(403);
    const otherHeaders = {
      ...declared.body.upload,
      headers: { ...declared.body.upload.headers, 'x-amz-server-side-encryption': 'AES256' },
    };
    expect((await putPresigned(otherHeaders, scan)).status).toBe(403);
  });

  it('never queues a body that does not match its declared checksum', async () => {
    const orderId = await createOrder();
    const scan = meshBytes('stl-binary', { triangles: 50, seed: 11 });
    const other = Buffer.from(scan);
    other[100] = (other[100] ?? 0) ^ 0xff;
    // Same length, other bytes, on the still-valid URL: S3 checks the signed x-amz-checksum-sha256.
    const declared = await api.call<Declared>('POST', `/orders/${orderId}/uploads`, {
      as: 'lab.acme',
      body: { name: 'upper.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) },
    });
    const refused = await putPresigned(declared.body.upload, other);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('<Code>BadDigest</Code>');
    // Nothing was stored: the order is queued on the declared bytes, sent again on the same URL.
    expect((await putPresigned(declared.body.upload, scan)).status).toBe(200);
    await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
    const order = await waitForStatus(orderId, ['QUEUED', 'REJECTED', 'STUCK']);
    expect(order.status).toBe('QUEUED');
  });

  it.each([
    ['stl', 'stl-binary-truncated', /truncated|triangles/i],
    ['ply', 'ply-missing-vertices', /vertex|vertices/i],
    ['obj', 'obj-face-out-of-range', /face|vertex/i],
  ] as const)('rejects a malformed %s with a reason the lab can act on', async (ext, kind, reason) => {
    const orderId = await createOrder();
    const body = meshBytes(kind, { seed: 3 });
    await upload(orderId, body, `scan.${ext}`);
    await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
    const order = (await waitForStatus(orderId, ['QUEUED', 'REJECTED', 'STUCK'])) as unknown as {
      status: string;
      closedReason: string;
      files: { check: { ok: boolean; problem: string } }[];
    };
    expect(order.status).toBe('REJECTED');
    expect(order.closedReason).toBe('FILE_CHECK_FAILED');
    expect(order.files[0]?.check.problem).toMatch(reason);
    // The lab is told after the order is REJECTED: wait for the message, do not read once.
    const told = await waitForOutbox(
      api,
      'caseline-notifications',
      (m) => m.includes(orderId) && m.includes('order.rejected'),
    );
    expect(told).toContain(orderId);
  });

  it('starts one execution for many concurrent submits', async () => {
    const orderId = await createOrder();
    await upload(orderId, meshBytes('stl-binary', { triangles: 300, seed: 21 }));
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.call<{ executionArn: string }>('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(results.map((r) => r.body.executionArn)).size).toBe(1);
    await waitForStatus(orderId, ['QUEUED']);
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('orders'),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':e': 'EVENT#' },
      }),
    );
    // One SUBMITTED and one QUEUED entry: a second execution would have left a second.
    expect(Items?.filter((i) => i.type === 'SUBMITTED')).toHaveLength(1);
    expect(Items?.filter((i) => i.type === 'QUEUED')).toHaveLength(1);
  });

  it("gives lab B a 404 on every route of lab A's order, and audits each denial", async () => {
    const orderId = await createOrder('lab.acme');
    const { fileId } = await upload(orderId, meshBytes('stl-binary', { triangles: 12, seed: 31 }));
    const attempts = [
      api.call('GET', `/orders/${orderId}`, { as: 'lab.bright' }),
      api.call('POST', `/orders/${orderId}/uploads`, {
        as: 'lab.bright',
        body: { name: 'x.stl', sizeBytes: 100, sha256: 'c'.repeat(64) },
      }),
      api.call('POST', `/orders/${orderId}/uploads/${fileId}/parts`, { as: 'lab.bright', body: {} }),
      api.call('POST', `/orders/${orderId}/uploads/${fileId}/complete`, { as: 'lab.bright', body: {} }),
      api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.bright' }),
      api.call('DELETE', `/orders/${orderId}`, { as: 'lab.bright' }),
    ];
    const results = await Promise.all(attempts);
    expect(results.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
    const denied = (await auditEvents('lab-acme')).filter(
      (e) => e.orderId === orderId && e.outcome === 'DENIED',
    );
    expect(denied).toHaveLength(6);
    expect(denied.every((e) => e.actorAccountId === 'lab-bright' && e.reason === 'NOT_OWNER')).toBe(true);
    // Still there, untouched.
    expect(
      (await api.call<{ status: string }>('GET', `/orders/${orderId}`, { as: 'lab.acme' })).body.status,
    ).toBe('DRAFT');
  });

  it('audits a refusal by role too: a designer on a lab route', async () => {
    const orderId = await createOrder('lab.acme');
    const res = await api.call('GET', `/orders/${orderId}`, { as: 'designer.marco' });
    expect(res.status).toBe(403);
    const { Items } = await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        IndexName: 'byActor',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'ACTOR#u-des-marco' },
      }),
    );
    expect(Items).toContainEqual(
      expect.objectContaining({
        action: 'access.forbidden',
        outcome: 'DENIED',
        orderId,
        reason: 'WRONG_ROLE',
        route: 'GET /orders/{orderId}',
      }),
    );
  });

  it('audits an order view with who, what, when and from where', async () => {
    const orderId = await createOrder('lab.coast');
    await api.call('GET', `/orders/${orderId}`, { as: 'lab.coast' });
    const view = (await auditEvents('lab-coast')).find(
      (e) => e.orderId === orderId && e.action === 'order.view',
    );
    expect(view).toMatchObject({
      actorSub: 'u-lab-coast-1',
      actorRole: 'lab',
      outcome: 'ALLOWED',
      sourceIp: expect.any(String),
    });
    expect(Date.parse(view?.at as string)).not.toBeNaN();
  });

  it('cancels a draft, removes its uploads and frees its case reference', async () => {
    const caseRef = uniqueCase();
    const orderId = await createOrder('lab.acme', { caseRef });
    await upload(orderId, meshBytes('stl-binary', { triangles: 40, seed: 41 }));
    const cancelled = await api.call<{ status: string; removedObjects: number }>(
      'DELETE',
      `/orders/${orderId}`,
      { as: 'lab.acme' },
    );
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', removedObjects: 1 });
    const again = await api.call('POST', '/orders', {
      as: 'lab.acme',
      body: makeCreateOrderRequest({ caseRef }),
    });
    expect(again.status).toBe(201);
  });

  it('lists orders newest first, by status, in pages', async () => {
    const ids = [
      await createOrder('lab.coast'),
      await createOrder('lab.coast'),
      await createOrder('lab.coast'),
    ];
    const page1 = await api.call<{ orders: { orderId: string }[]; nextCursor?: string }>(
      'GET',
      '/orders?limit=2&status=DRAFT',
      {
        as: 'lab.coast',
      },
    );
    expect(page1.body.orders.map((o) => o.orderId)).toEqual([ids[2], ids[1]]);
    const page2 = await api.call<{ orders: { orderId: string }[] }>(
      'GET',
      `/orders?limit=2&status=DRAFT&cursor=${page1.body.nextCursor}`,
      { as: 'lab.coast' },
    );
    expect(page2.body.orders.map((o) => o.orderId)).toContain(ids[0]);
    const foreign = await api.call('GET', `/orders?cursor=${page1.body.nextCursor}`, { as: 'lab.acme' });
    expect(foreign.status).toBe(400);
  });
});
