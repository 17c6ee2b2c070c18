/**
 * Security incidents, measured on a fresh local stack:
 *   - signal → incident → page: a designer's token probing other labs' orders, then one run of the
 *     breach detector (the scheduled job, run at once): the run's time until the incident is open,
 *     then until the officers' page is in the notifications outbox; and the same from a
 *     GuardDuty-shaped finding put through the EventBridge stand-in (PutEvents → incident → page).
 *   - audit event → incident → page for bulk access: a designer at capacity 2 claims, downloads the
 *     inputs of and releases 5 orders (one over capacity × BULK_CAPACITY_FACTOR); from the answer to
 *     the last download (its audit event written) the detector runs at once: until the incident is
 *     open, then until the page is in the outbox.
 *     On AWS the detector runs every minute: add up to a minute to the first figure.
 *   - scoping an actor with 10,000 audit events: `computeScope` through the real adapters (the
 *     byActor index, a page of 100 at a time): its time and what it read, by command (no Scan).
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BUCKETS } from '../common/definitions';
import type { AuditEvent } from '../lambdas/domain/audit';
import { BULK_CAPACITY_FACTOR } from '../lambdas/domain/detection/thresholds';
import type { Incident, Signal } from '../lambdas/domain/incidents/model';
import { incidentIdFor } from '../lambdas/domain/incidents/raise-signal';
import { computeScope } from '../lambdas/domain/incidents/scope';
import { S3_CREDENTIALS } from '../local/s3';
import { startLocalStack } from '../local/stack';
import { Api } from '../test/support/api';
import { queuedOrder } from '../test/support/lifecycle';
import { countReads, emit } from './support';

const POLL_MS = 5;

const until = async <T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
};

const pageOf = async (api: Api, incidentId: string) =>
  (await api.call<{ message: string }[]>('GET', '/local/outbox?topic=caseline-notifications')).body
    .map((m) => JSON.parse(m.message) as Record<string, string>)
    .find((m) => m.kind === 'incident.page' && m.incidentId === incidentId);

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const stack = await startLocalStack({
  port: 0,
  retryIntervalOverrides: { PageOfficers: 0, ScopeIncident: 0 },
});
try {
  const api = new Api(stack.apiUrl);
  const ms = (from: number) => Math.round(performance.now() - from);

  // ---- detector: probing → incident → page
  const targets = [
    (await queuedOrder(api, 'lab.acme')).orderId,
    (await queuedOrder(api, 'lab.bright')).orderId,
  ];
  for (const orderId of [...targets, ...targets, 'ord_guess00000001'])
    await api.call('GET', `/assignments/${orderId}/inputs`, { as: 'designer.lin' });
  const t0 = performance.now();
  const run = await api.call<{ result?: { events: number; signals: Record<string, number> } }>(
    'POST',
    '/local/jobs/detectBreaches',
    { as: 'operator.omar' },
  );
  const toIncident = ms(t0);
  const listed = await api.call<{ incidents: { incidentId: string; kinds: string[] }[] }>(
    'GET',
    '/incidents',
    {
      as: 'officer.olivia',
    },
  );
  const probing = listed.body.incidents.find((i) => i.kinds.includes('probing'));
  if (!probing) throw new Error('the detector opened no incident');
  await until(() => pageOf(api, probing.incidentId));
  const detector = { detectorRunMs: toIncident, toPageMs: ms(t0), eventsRead: run.body.result?.events };

  // ---- detector: bulk access (claim, inputs, release, one order over the limit) → incident → page
  const capacity = 2;
  const limit = BULK_CAPACITY_FACTOR * capacity;
  const set = await api.call('PATCH', '/designers/u-des-marco', { as: 'operator.omar', body: { capacity } });
  if (set.status !== 200) throw new Error(`capacity: HTTP ${set.status}`);
  for (let i = 0; i <= limit; i++) await queuedOrder(api, i % 2 ? 'lab.bright' : 'lab.acme');
  const harvested = new Set<string>();
  for (let i = 0; i <= limit; i++) {
    const claimed = await until(async () => {
      const res = await api.call<{ orderId: string }>('POST', '/queue/claim', { as: 'designer.marco' });
      return res.status === 200 ? res.body.orderId : undefined;
    });
    await api.call('GET', `/assignments/${claimed}/inputs`, { as: 'designer.marco' });
    await api.call('POST', `/assignments/${claimed}/release`, { as: 'designer.marco' });
    harvested.add(claimed);
  }
  if (harvested.size !== limit + 1)
    throw new Error(`the claims handed over ${harvested.size} distinct orders`);
  // From the answer to the last download (its audit event written) to the detector's run done and the page.
  const t3 = performance.now();
  const bulkRun = await api.call<{ result?: { events: number; signals: Record<string, number> } }>(
    'POST',
    '/local/jobs/detectBreaches',
    { as: 'operator.omar' },
  );
  const bulkToIncident = ms(t3);
  const bulkListed = await api.call<{ incidents: { incidentId: string; kinds: string[] }[] }>(
    'GET',
    '/incidents',
    { as: 'officer.olivia' },
  );
  const bulk = bulkListed.body.incidents.find((i) => i.kinds.includes('bulk-access'));
  if (!bulk) throw new Error('the detector opened no bulk-access incident');
  await until(() => pageOf(api, bulk.incidentId));
  const bulkAccess = {
    orders: harvested.size,
    limit,
    eventToIncidentMs: bulkToIncident,
    eventToPageMs: ms(t3),
    eventsRead: bulkRun.body.result?.events,
  };

  // ---- GuardDuty finding → incident → page
  const events = new EventBridgeClient({
    endpoint: stack.endpoints.eventbridge,
    region: 'us-east-1',
    credentials: { ...S3_CREDENTIALS },
  });
  const findingId = `bench-${Date.now()}`;
  const t1 = performance.now();
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'aws.guardduty',
          DetailType: 'GuardDuty Finding',
          Detail: JSON.stringify({
            id: findingId,
            type: 'Exfiltration:S3/AnomalousBehavior',
            severity: 8,
            resource: { s3BucketDetails: [{ name: BUCKETS.caseFiles.localName }] },
          }),
        },
      ],
    }),
  );
  const guardIncident = incidentIdFor(`guardduty:${findingId}`);
  await until(async () => {
    const res = await api.call('GET', `/incidents/${guardIncident}`, { as: 'officer.olivia' });
    return res.status === 200 ? true : undefined;
  });
  const gdToIncident = ms(t1);
  await until(() => pageOf(api, guardIncident));
  const guardDuty = { toIncidentMs: gdToIncident, toPageMs: ms(t1) };
  events.destroy();

  // ---- scoping an actor with 10,000 audit events
  const { adjustableClock } = await import('../lambdas/kernel/clock');
  const { audit } = await import('../lambdas/runtime/wiring/audit');
  const { deps } = await import('../lambdas/handlers/incident-step');
  const log = audit();
  const sub = 'u-bench-scope';
  const at = adjustableClock.now().toISOString();
  const total = 10_000;
  for (let i = 0; i < total; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, total - i) }, (_, k): Promise<void> => {
        const n = i + k;
        const event: AuditEvent = {
          eventId: `aud_scope_${String(n).padStart(8, '0')}`,
          at,
          accountId: `lab-bench-${n % 5}`,
          actorSub: sub,
          actorRole: 'designer',
          actorAccountId: 'caseline',
          action: 'assignment.inputs',
          outcome: 'ALLOWED',
          sourceIp: '127.0.0.1',
          orderId: `ord_scope_${n % 100}`,
          fileId: `f${n % 3}`,
        };
        return log.append(event);
      }),
    );
  }
  const now = adjustableClock.now().toISOString();
  const incident: Incident = {
    incidentId: 'inc_bench_scope',
    status: 'DETECTED',
    discoveredAt: now,
    openedAt: now,
    kinds: ['bulk-access'],
    actorSubs: [sub],
    resources: [],
    signalCount: 1,
    lastSignalAt: now,
    updatedAt: now,
  };
  const signal: Signal = {
    signalId: 'bench-scope',
    kind: 'bulk-access',
    at: now,
    actor: { sub, role: 'designer', accountId: 'caseline' },
    accountIds: [],
    orderIds: [],
  };
  const reads = countReads((deps.ledger as unknown as { ddb: DynamoDBDocumentClient }).ddb);
  const t2 = performance.now();
  const scope = await computeScope(deps, incident, [signal]);
  const scopeMs = ms(t2);
  reads.stop();
  emit({
    detector,
    bulkAccess,
    guardDuty,
    scope: {
      events: total,
      ms: scopeMs,
      eventsRead: scope.eventsRead,
      orders: scope.orderCount,
      accounts: scope.accounts.length,
      truncated: scope.truncated,
      commands: reads.counted.commands,
      itemsExamined: reads.counted.itemsExamined,
    },
  });
} finally {
  await stack.stop();
}
