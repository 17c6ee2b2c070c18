/**
 * Security incidents (issue 13): how long from a signal to the officers' page, and what scoping an
 * actor with many audit events reads. Writes `events` audit events of one designer (inputs of
 * orders of 3 labs) and as many of other actors through the real audit adapter, raises a signal
 * about the designer through the real intake adapters, and measures: raiseSignal → incident
 * written → page in the outbox (the workflow's first task), and the scope step run again on its
 * own with the ledger's reads counted (by command, and items the database examined). The scope
 * must read the actor's events by index, never a Scan, whatever else the table holds.
 *
 *   npx tsx bench/incident-scope.ts [--events 10000]
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../lambdas/domain/audit';
import { startLocalStack } from '../local/stack';
import { countReads } from './support';

const ACTOR = 'u-bench-scope';

const event = (i: number, at: string, actorSub: string): AuditEvent => ({
  eventId: `aud_scope_${actorSub}_${String(i).padStart(8, '0')}`,
  at,
  accountId: `lab-bench-${i % 3}`,
  actorSub,
  actorRole: 'designer',
  actorAccountId: 'caseline',
  action: 'assignment.inputs',
  outcome: 'ALLOWED',
  sourceIp: '127.0.0.1',
  orderId: `ord_scope_${i % 500}`,
  fileId: `fil_${i % 2}`,
});

export const measureIncidentScope = async (events: number) => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const stack = await startLocalStack({ port: 0 });
  try {
    const { adjustableClock } = await import('../lambdas/kernel/clock');
    const { audit } = await import('../lambdas/runtime/wiring/audit');
    const { deps: stepDeps } = await import('../lambdas/handlers/incident-step');
    const { deps: reportDeps } = await import('../lambdas/handlers/report-incident');
    const { raiseSignal } = await import('../lambdas/domain/incidents/raise-signal');
    const { computeScope } = await import('../lambdas/domain/incidents/scope');
    const log = audit();
    const at = adjustableClock.now().toISOString();
    for (const actorSub of [ACTOR, 'u-bench-other']) {
      for (let i = 0; i < events; i += 25)
        await Promise.all(
          Array.from({ length: Math.min(25, events - i) }, (_, k) => log.append(event(i + k, at, actorSub))),
        );
    }

    const started = performance.now();
    const raised = await raiseSignal(reportDeps, {
      signalId: `bench-scope-${Date.now()}`,
      kind: 'bulk-access',
      at: adjustableClock.now().toISOString(),
      actor: { sub: ACTOR, role: 'designer', accountId: 'caseline' },
      accountIds: [],
      orderIds: [],
    });
    const intakeMs = Math.round(performance.now() - started);
    let pageMs: number | undefined;
    let scopedMs: number | undefined;
    const deadline = Date.now() + 120_000;
    while ((pageMs === undefined || scopedMs === undefined) && Date.now() < deadline) {
      if (
        pageMs === undefined &&
        stack.outbox
          .messages()
          .some((m) => m.message.includes('"incident.page"') && m.message.includes(raised.incidentId))
      )
        pageMs = Math.round(performance.now() - started);
      if (scopedMs === undefined && (await stepDeps.incidents.get(raised.incidentId))?.status === 'SCOPED')
        scopedMs = Math.round(performance.now() - started);
      await new Promise((r) => setTimeout(r, 5));
    }

    // The scope once more, alone, with the ledger's reads counted.
    const incident = await stepDeps.incidents.get(raised.incidentId);
    if (!incident) throw new Error('no incident');
    const reads = countReads((stepDeps.ledger as unknown as { ddb: DynamoDBDocumentClient }).ddb);
    const scopeStarted = performance.now();
    const scope = await computeScope(stepDeps, incident, await stepDeps.incidents.signals(raised.incidentId));
    const scopeMs = Math.round(performance.now() - scopeStarted);
    reads.stop();
    return {
      actorEvents: events,
      otherEvents: events,
      signalToIncidentMs: intakeMs,
      signalToPageMs: pageMs,
      signalToScopedMs: scopedMs,
      scope: {
        ms: scopeMs,
        eventsRead: scope.eventsRead,
        accounts: scope.accounts.length,
        orders: scope.orderCount,
        commands: reads.counted.commands,
        itemsExamined: reads.counted.itemsExamined,
      },
    };
  } finally {
    await stack.stop();
  }
};

if (process.argv[1]?.endsWith('incident-scope.ts')) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { events: { type: 'string', default: '10000' } } });
  process.stdout.write(`${JSON.stringify(await measureIncidentScope(Number(values.events)))}\n`);
}
