/**
 * Item 9, business metrics: each business event is written as one CloudWatch EMF line in the
 * Caseline namespace, with the `service` dimension only (no id, no text: no PHI). Each handler that
 * counts is imported as deployed (placeholder configuration, nothing sent) with its domain call
 * replaced, so what is asserted is the handler's counting, not the domain's.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { AuditEvent } from '../../lambdas/domain/audit';
import type { HttpEvent } from '../../lambdas/runtime/http';
import { BUSINESS_METRICS, METRICS_NAMESPACE, recordMetric } from '../../lambdas/runtime/metrics';
import { countingFailures } from '../../lambdas/runtime/wiring/audit';
import { projectPath } from '../../lib/project-paths';
import { placeholderEnv } from '../../scripts/bundles';

vi.hoisted(() => {
  // The integration project's setup turns EMF off for the whole run; these tests read it.
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});
const domain = vi.hoisted(() => ({
  submitOrder: vi.fn(),
  claimNext: vi.fn(),
  ingestOrder: vi.fn(),
  deliverAndAwaitDecision: vi.fn(),
  sweepPurges: vi.fn(),
}));
vi.mock('../../lambdas/domain/orders/submit', () => ({ submitOrder: domain.submitOrder }));
vi.mock('../../lambdas/domain/design/claim', () => ({ claimNext: domain.claimNext }));
vi.mock('../../lambdas/domain/ingest', () => ({ ingestOrder: domain.ingestOrder }));
vi.mock('../../lambdas/domain/design/workflow-tasks', () => ({
  deliverAndAwaitDecision: domain.deliverAndAwaitDecision,
}));
vi.mock('../../lambdas/domain/purge', () => ({ sweepPurges: domain.sweepPurges }));

type Emf = {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
};

let written: MockInstance;
const emitted = (): Emf[] =>
  written.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
/** name → total count, over every EMF line written. */
const counts = () => {
  const out: Record<string, number> = {};
  for (const line of emitted())
    for (const m of line._aws.CloudWatchMetrics[0]?.Metrics ?? [])
      out[m.Name] = (out[m.Name] ?? 0) + Number(line[m.Name]);
  return out;
};

const context = { awsRequestId: 'req-1', functionName: 'caseline-fn' } as unknown as Context;
const httpEvent = (role: string, pathParameters: Record<string, string> = {}) =>
  ({
    version: '2.0',
    routeKey: 'POST /x',
    rawPath: '/x',
    headers: {},
    pathParameters,
    requestContext: {
      requestId: 'r-1',
      http: { method: 'POST', path: '/x', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      authorizer: {
        jwt: { claims: { sub: 'u-1', account_id: 'lab-acme', 'cognito:groups': `[${role}]` }, scopes: null },
      },
    },
  }) as unknown as HttpEvent;

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;
const handlerOf = async (file: string) =>
  ((await import(pathToFileURL(projectPath('lambdas/handlers', file)).href)) as { handler: AnyHandler })
    .handler;

beforeAll(async () => {
  // Prepare: the names a cold start reads (placeholders: importing a handler sends nothing).
  Object.assign(process.env, await placeholderEnv(), { CASELINE_STAGE: 'aws' });
});
beforeEach(() => {
  written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  written.mockRestore();
  vi.clearAllMocks();
});

describe('recordMetric', () => {
  it('writes one EMF line: the Caseline namespace, the count, the service dimension and nothing else', () => {
    // Act
    recordMetric('OrdersPurged', 3);
    // Assess
    const [line, ...rest] = emitted();
    expect(rest).toEqual([]);
    expect(line?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: METRICS_NAMESPACE,
        Dimensions: [['service']],
        Metrics: [{ Name: 'OrdersPurged', Unit: 'Count' }],
      },
    ]);
    const { _aws, ...fields } = line as Emf;
    expect(fields).toEqual({ service: 'caseline', OrdersPurged: 3 });
  });

  it('writes nothing for a count of 0', () => {
    // Act
    recordMetric('OrdersPurged', 0);
    // Assess
    expect(emitted()).toEqual([]);
  });
});

describe('audit write failures', () => {
  const event = { eventId: 'aud_1' } as AuditEvent;

  it('are counted, and the failure still reaches the caller (fail closed)', async () => {
    // Prepare
    const failing = countingFailures({ append: async () => Promise.reject(new Error('throttled')) });
    // Act / Assess
    await expect(failing.append(event)).rejects.toThrow('throttled');
    expect(counts()).toEqual({ AuditWriteFailures: 1 });
  });

  it('a written event counts nothing', async () => {
    // Prepare
    const append = vi.fn(async () => undefined);
    // Act
    await countingFailures({ append }).append(event);
    // Assess
    expect(append).toHaveBeenCalledWith(event);
    expect(counts()).toEqual({});
  });
});

describe('each handler counts its business event', () => {
  it('submit-order: OrdersSubmitted, not for a repeated submit', async () => {
    // Prepare
    const handler = await handlerOf('submit-order.ts');
    domain.submitOrder.mockResolvedValueOnce({ orderId: 'ord_1', status: 'SUBMITTED', duplicate: false });
    domain.submitOrder.mockResolvedValueOnce({ orderId: 'ord_1', status: 'SUBMITTED', duplicate: true });
    const event = httpEvent('lab', { orderId: 'ord_0123456789abcdef' });
    // Act
    const first = await handler(event, context);
    const again = await handler(event, context);
    // Assess
    expect([first, again]).toMatchObject([{ statusCode: 202 }, { statusCode: 202 }]);
    expect(counts()).toEqual({ OrdersSubmitted: 1 });
  });

  it('claim-order: OrdersClaimed when an order is given, nothing on a 204', async () => {
    // Prepare
    const handler = await handlerOf('claim-order.ts');
    domain.claimNext.mockResolvedValueOnce({ orderId: 'ord_1' }).mockResolvedValueOnce(undefined);
    // Act
    const claimed = await handler(httpEvent('designer'), context);
    const none = await handler(httpEvent('designer'), context);
    // Assess
    expect([claimed, none]).toMatchObject([{ statusCode: 200 }, { statusCode: 204 }]);
    expect(counts()).toEqual({ OrdersClaimed: 1 });
  });

  it('ingest: OrdersRejected for a rejected order, nothing for a queued one', async () => {
    // Prepare
    const handler = await handlerOf('ingest.ts');
    domain.ingestOrder
      .mockResolvedValueOnce({ status: 'REJECTED', rejectedFiles: 1 })
      .mockResolvedValueOnce({ status: 'QUEUED', rejectedFiles: 0 });
    // Act
    await handler({ orderId: 'ord_1', accountId: 'lab-acme' }, context);
    await handler({ orderId: 'ord_2', accountId: 'lab-acme' }, context);
    // Assess
    expect(counts()).toEqual({ OrdersRejected: 1 });
  });

  it('deliver-and-await-decision: OrdersDelivered', async () => {
    // Prepare
    const handler = await handlerOf('deliver-and-await-decision.ts');
    domain.deliverAndAwaitDecision.mockResolvedValueOnce({ status: 'DELIVERED' });
    // Act
    await handler({ orderId: 'ord_1', accountId: 'lab-acme', taskToken: 't' }, context);
    // Assess
    expect(counts()).toEqual({ OrdersDelivered: 1 });
  });

  it('purge-sweep: OrdersPurged by the number purged', async () => {
    // Prepare
    const handler = await handlerOf('purge-sweep.ts');
    domain.sweepPurges.mockResolvedValueOnce({ due: 3, purged: 2, failed: 1 });
    // Act
    await handler({}, context);
    // Assess
    expect(counts()).toEqual({ OrdersPurged: 2 });
  });

  it('every business metric is one of these', () => {
    // Assess: a metric added to the list without a counting handler shows here.
    expect(Object.keys(BUSINESS_METRICS).sort()).toEqual([
      'AuditWriteFailures',
      'OrdersClaimed',
      'OrdersDelivered',
      'OrdersPurged',
      'OrdersRejected',
      'OrdersSubmitted',
    ]);
  });
});
