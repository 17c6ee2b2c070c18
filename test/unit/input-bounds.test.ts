/**
 * Every input has a bounded cost, checked before it is parsed or screened: the body's size and
 * media type and the path ids at the HTTP edge (runtime/http.ts), each field's length before the
 * PHI screen (order-input.ts).
 */
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_ORDER_NOTES, parseCreateOrder } from '../../lambdas/domain/order-input';
import { ValidationError } from '../../lambdas/kernel/errors';
import {
  DEFAULT_MAX_BODY_BYTES,
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  httpHandler,
} from '../../lambdas/runtime/http';
import { makeCreateOrderRequest, makeOrderItemRequest } from '../support/factories';
import { makeDeps } from '../support/fakes';

// Spy on the screen while keeping it real: the tests below see what it was asked to read.
vi.mock('../../lambdas/domain/phi-screen', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lambdas/domain/phi-screen')>();
  return {
    ...real,
    screenFreeText: vi.fn(real.screenFreeText),
    screenPatientRef: vi.fn(real.screenPatientRef),
    screenCaseRef: vi.fn(real.screenCaseRef),
  };
});
const screen = await import('../../lambdas/domain/phi-screen');

const NINE_MB = 9 * 1024 * 1024;

const issuesOf = (body: unknown) => {
  try {
    parseCreateOrder(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('parseCreateOrder: lengths before the screen', () => {
  beforeEach(() => {
    vi.mocked(screen.screenFreeText).mockClear();
  });

  it('refuses a 9 MB notes as too long and never hands the screen more than the limit', () => {
    // Prepare
    const body = makeCreateOrderRequest({ notes: 'a'.repeat(NINE_MB) });

    // Act
    const issues = issuesOf(body);

    // Assess
    expect(issues).toEqual([
      { field: 'notes', message: `notes are too long; use at most ${MAX_ORDER_NOTES} characters` },
    ]);
    const read = vi.mocked(screen.screenFreeText).mock.calls.map(([field, text]) => [field, text.length]);
    expect(read).toEqual([['notes', MAX_ORDER_NOTES]]);
  });

  it('bounds item notes, caseRef and patientRef the same way', () => {
    const body = {
      ...makeCreateOrderRequest({ items: [makeOrderItemRequest({ notes: ' x'.repeat(NINE_MB / 2) })] }),
      caseRef: 'A'.repeat(NINE_MB),
      patientRef: 'P '.repeat(NINE_MB / 2),
    };

    const fields = issuesOf(body).map((i) => i.field);

    expect(fields).toEqual(expect.arrayContaining(['caseRef', 'patientRef', 'items[0].notes']));
    expect(vi.mocked(screen.screenCaseRef).mock.calls.at(-1)?.[0].length).toBeLessThanOrEqual(64);
    expect(vi.mocked(screen.screenPatientRef).mock.calls.at(-1)?.[0].length).toBeLessThanOrEqual(32);
    expect(vi.mocked(screen.screenFreeText).mock.calls.at(-1)?.[1].length).toBeLessThanOrEqual(500);
  });

  it('still finds a name in the screened head of an over-long field, in the same answer', () => {
    const issues = issuesOf(makeCreateOrderRequest({ notes: `John Smith ${'x'.repeat(NINE_MB)}` }));

    expect(issues.map((i) => i.field)).toEqual(['notes', 'notes']);
    expect(issues[1]?.message).toContain("a person's name");
  });

  it('reports at most ten unknown fields, however many were sent', () => {
    const stray = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`x${i}`, 1]));

    const issues = issuesOf({ ...makeCreateOrderRequest(), ...stray });

    expect(issues).toHaveLength(11);
    expect(issues[10]?.message).toContain('4990 more unknown fields');
  });
});

// --- the HTTP edge -----------------------------------------------------------------------------

const context = { awsRequestId: 'req-1' } as Context;

const eventOf = (overrides: Partial<HttpEvent> = {}): HttpEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      routeKey: 'POST /orders',
      http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      authorizer: {
        jwt: { claims: { sub: 'u-1', account_id: 'lab-acme', 'cognito:groups': '[lab]' }, scopes: null },
      },
    },
    ...overrides,
  }) as unknown as HttpEvent;

/** A handler that records what reached it and parses the body as create-order does. */
const recording = () => {
  const seen: HttpRequest[] = [];
  const handler = httpHandler(
    async (request) => {
      seen.push(request);
      if (request.body !== undefined) parseCreateOrder(request.body);
      return { statusCode: 200, body: { ok: true } };
    },
    { refusals: makeDeps(), roles: ['lab'] },
  );
  const call = async (event: HttpEvent) => {
    const res = (await handler(event, context)) as HttpResponse;
    return { status: res.statusCode, body: JSON.parse(res.body ?? '{}') as Record<string, unknown> };
  };
  return { seen, call };
};

describe('httpHandler: the body is bounded before it is parsed', () => {
  it('answers 413 to a 9 MB body without running the handler', async () => {
    // Prepare
    const { seen, call } = recording();
    const body = JSON.stringify(makeCreateOrderRequest({ notes: 'a'.repeat(NINE_MB) }));

    // Act
    const res = await call(eventOf({ body }));

    // Assess
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxBytes: DEFAULT_MAX_BODY_BYTES });
    expect(seen).toHaveLength(0);
  });

  it('counts bytes, not characters, and sees through base64', async () => {
    const { seen, call } = recording();
    // 60,000 three-byte characters: under the cap in characters, over it in bytes.
    const wide = JSON.stringify({ notes: '€'.repeat(60_000) });
    const encoded = Buffer.from('x'.repeat(DEFAULT_MAX_BODY_BYTES + 1)).toString('base64');

    expect((await call(eventOf({ body: wide }))).status).toBe(413);
    expect((await call(eventOf({ body: encoded, isBase64Encoded: true }))).status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('accepts a create-order body at every field limit', async () => {
    const { seen, call } = recording();
    const body = JSON.stringify(
      makeCreateOrderRequest({
        notes: 'é'.repeat(MAX_ORDER_NOTES),
        items: Array.from({ length: 16 }, (_, i) =>
          makeOrderItemRequest({ teeth: [11 + (i % 8) + 10 * Math.floor(i / 8)], notes: 'é'.repeat(500) }),
        ),
      }),
    );

    const res = await call(eventOf({ body }));

    expect(res).toEqual({ status: 200, body: { ok: true } });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content-type', {}],
  ])('answers 415 to a JSON body sent as %s', async (_label, headers) => {
    const { seen, call } = recording();

    const res = await call(eventOf({ headers, body: JSON.stringify(makeCreateOrderRequest()) }));

    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(String(res.body.message)).toContain('application/json');
    expect(seen).toHaveLength(0);
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts %s',
    async (type) => {
      const { call } = recording();

      const res = await call(eventOf({ headers: { 'content-type': type }, body: '{}' }));

      // Reached the handler: the body's fields are what is wrong now.
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    },
  );

  it('needs no content-type for a request without a body', async () => {
    const { seen, call } = recording();

    const res = await call(eventOf({ headers: {} }));

    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe('httpHandler: path ids are checked before any lookup', () => {
  it.each([
    ['orderId', 'o'.repeat(5000)],
    ['orderId', 'ord_1\r\nforged audit line'],
    ['orderId', 'ord_1%0A'],
    ['fileId', '../fil_1'],
    ['designerId', 'd 1'],
    ['accountId', 'Lab-Acme'],
    ['accountId', 'a'.repeat(64)],
  ])('answers 400 naming %s for a malformed one', async (name, value) => {
    const { seen, call } = recording();

    const res = await call(eventOf({ pathParameters: { [name]: value } }));

    expect(res.status).toBe(400);
    const fields = res.body.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field)).toEqual([name]);
    // The message never repeats what was sent.
    expect(fields[0]?.message).not.toContain(value);
    expect(seen).toHaveLength(0);
  });

  it('passes well-formed ids through', async () => {
    const { seen, call } = recording();
    const params = { orderId: 'ord_0192f1a2b3c4d5e6f708192a3b', fileId: 'fil_1', accountId: 'lab-acme' };

    const res = await call(eventOf({ pathParameters: params }));

    expect(res.status).toBe(200);
    expect(seen[0]?.params).toEqual(params);
  });
});
