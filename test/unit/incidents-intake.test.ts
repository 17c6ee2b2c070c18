/**
 * The incident intake (domain/incidents/raise-signal.ts), the page and the scope, on in-memory
 * ports: a signal opens one incident and one workflow however often it is retried, later signals
 * about the same actor or resource join it within the window, the page carries ids only, and the
 * scope of a designer's inputs is exactly the orders and labs it fetched.
 */
import { describe, expect, it } from 'vitest';
import type { Signal } from '../../lambdas/domain/incidents/model';
import { JOIN_WINDOW_MS } from '../../lambdas/domain/incidents/model';
import { pageOfficers } from '../../lambdas/domain/incidents/page';
import { incidentIdFor, raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { reportIncident } from '../../lambdas/domain/incidents/report';
import { scopeIncident } from '../../lambdas/domain/incidents/scope';
import { ValidationError } from '../../lambdas/kernel/errors';
import { makeActor, makeDeps } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow, MemoryTrail } from '../support/incident-fakes';

const setup = () => {
  const base = makeDeps();
  const deps = {
    ...base,
    incidents: new MemoryIncidents(),
    incidentWorkflow: new MemoryIncidentWorkflow(),
    ledger: new MemoryTrail(() => base.audit.events),
  };
  return deps;
};

const probing = (overrides: Partial<Signal> = {}): Signal => ({
  signalId: 'rule-probing-u-des-priya-1',
  kind: 'probing',
  at: '2026-01-05T08:55:00.000Z',
  actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
  accountIds: [],
  orderIds: [],
  detail: { rule: 'probing', refusals: 12 },
  ...overrides,
});

describe('raiseSignal: idempotent intake', () => {
  it('opens one incident and starts one workflow, however often the same signal comes', async () => {
    // Prepare
    const deps = setup();
    // Act
    const first = await raiseSignal(deps, probing());
    const again = await raiseSignal(deps, probing());
    // Assess
    expect(first).toEqual({ incidentId: incidentIdFor(probing().signalId), opened: true, duplicate: false });
    expect(again).toEqual({ incidentId: first.incidentId, opened: false, duplicate: true });
    expect(deps.incidents.incidents.size).toBe(1);
    expect(deps.incidentWorkflow.started).toEqual([first.incidentId]);
    const incident = deps.incidents.incidents.get(first.incidentId);
    expect(incident).toMatchObject({ status: 'DETECTED', signalCount: 1, discoveredAt: probing().at });
    expect(incident?.workflowStartedAt).toBeDefined();
  });

  it('a retry after the workflow could not be started starts it, and only then', async () => {
    // Prepare
    const deps = setup();
    deps.incidentWorkflow.failNext = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    // Act
    await expect(raiseSignal(deps, probing())).rejects.toThrow('throttled');
    const retried = await raiseSignal(deps, probing());
    await raiseSignal(deps, probing());
    // Assess
    expect(deps.incidentWorkflow.started).toEqual([retried.incidentId]);
    expect(deps.incidents.incidents.size).toBe(1);
  });

  it('a second signal about the same actor joins the open incident within the window', async () => {
    // Prepare
    const deps = setup();
    const opened = await raiseSignal(deps, probing());
    // Act
    const joined = await raiseSignal(
      deps,
      probing({ signalId: 'rule-bulk-u-des-priya-1', kind: 'bulk-access', at: '2026-01-05T09:00:00.000Z' }),
    );
    // Assess
    expect(joined).toEqual({ incidentId: opened.incidentId, opened: false, duplicate: false });
    expect(deps.incidentWorkflow.started).toHaveLength(1);
    const incident = deps.incidents.incidents.get(opened.incidentId);
    expect(incident).toMatchObject({ signalCount: 2, kinds: ['probing', 'bulk-access'] });
    expect(await deps.incidents.signals(opened.incidentId)).toHaveLength(2);
  });

  it('another actor, or the same one after the window, opens a new incident', async () => {
    // Prepare
    const deps = setup();
    const first = await raiseSignal(deps, probing());
    // Act
    const other = await raiseSignal(
      deps,
      probing({ signalId: 's-2', actor: { sub: 'u-des-marco', role: 'designer', accountId: 'caseline' } }),
    );
    deps.clock.advance(JOIN_WINDOW_MS + 60_000);
    const later = await raiseSignal(deps, probing({ signalId: 's-3', at: deps.clock.now().toISOString() }));
    // Assess
    expect(new Set([first.incidentId, other.incidentId, later.incidentId]).size).toBe(3);
    expect(deps.incidentWorkflow.started).toHaveLength(3);
  });

  it('signals about the same resource join; a closed incident no longer takes signals', async () => {
    // Prepare
    const deps = setup();
    const resource = 'arn:aws:s3:::caseline-case-files';
    const a = await raiseSignal(
      deps,
      probing({ signalId: 'gd-1', kind: 'guardduty', actor: undefined, resource }),
    );
    const b = await raiseSignal(
      deps,
      probing({ signalId: 'gd-2', kind: 'guardduty', actor: undefined, resource }),
    );
    await deps.incidents.update(a.incidentId, ['DETECTED'], { status: 'CLOSED' });
    // Act
    const c = await raiseSignal(
      deps,
      probing({ signalId: 'gd-3', kind: 'guardduty', actor: undefined, resource }),
    );
    // Assess
    expect(b.incidentId).toBe(a.incidentId);
    expect(c.incidentId).not.toBe(a.incidentId);
    expect(c.opened).toBe(true);
  });

  it('refuses a signal with free text in its detail or too many ids, before anything is stored', async () => {
    // Prepare
    const deps = setup();
    // Act
    const freeText = raiseSignal(deps, probing({ detail: { note: 'Patient John Smith called' } }));
    const tooMany = raiseSignal(
      deps,
      probing({ orderIds: Array.from({ length: 101 }, (_, i) => `ord_${i}`) }),
    );
    // Assess
    await expect(freeText).rejects.toBeInstanceOf(ValidationError);
    await expect(tooMany).rejects.toBeInstanceOf(ValidationError);
    expect(deps.incidents.signalKeys.size).toBe(0);
  });
});

describe('pageOfficers', () => {
  it('pages once with ids and kinds only', async () => {
    // Prepare
    const deps = setup();
    const { incidentId } = await raiseSignal(deps, probing());
    // Act
    await pageOfficers(deps, incidentId);
    await pageOfficers(deps, incidentId);
    // Assess
    const pages = deps.notifier.sent.filter((m) => m.kind === 'incident.page');
    expect(pages).toEqual([
      {
        kind: 'incident.page',
        facts: {
          audience: 'privacy-officer',
          pageId: incidentId,
          incidentId,
          kinds: 'probing',
          discoveredAt: probing().at,
          link: `/incidents/${incidentId}`,
        },
      },
    ]);
  });
});

describe('reportIncident', () => {
  it('screens the description like order notes and names the field', async () => {
    // Prepare
    const deps = setup();
    // Act
    const refused = reportIncident(deps, makeActor(), {
      category: 'device-lost-or-stolen',
      description: 'Laptop with the scans of patient John Smith was stolen',
    });
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationError',
      details: { fields: [expect.objectContaining({ field: 'description' })] },
    });
    expect(deps.incidents.incidents.size).toBe(0);
  });

  it('a report opens an incident about the reporter, audited first', async () => {
    // Prepare
    const deps = setup();
    // Act
    const result = await reportIncident(deps, makeActor(), {
      category: 'device-lost-or-stolen',
      description: 'A laptop with scans of two open cases was stolen from the car.',
      orderIds: ['ord_1', 'ord_1', 'ord_2'],
    });
    // Assess
    expect(result.opened).toBe(true);
    const [signal] = await deps.incidents.signals(result.incidentId);
    expect(signal).toMatchObject({ kind: 'report', orderIds: ['ord_1', 'ord_2'], accountIds: ['lab-acme'] });
    expect(deps.audit.events).toEqual([
      expect.objectContaining({
        action: 'incident.report',
        outcome: 'ALLOWED',
        reason: 'DEVICE_LOST_OR_STOLEN',
      }),
    ]);
  });
});

describe('scopeIncident', () => {
  it('is exactly the orders and labs whose inputs the designer fetched, with no patient reference', async () => {
    // Prepare: a designer fetched the inputs of 3 orders of 2 labs; another designer a fourth order.
    const deps = setup();
    const at = (m: number) => new Date(Date.parse('2026-01-05T08:00:00.000Z') + m * 60_000).toISOString();
    const fetched = [
      ['lab-acme', 'ord_a1'],
      ['lab-acme', 'ord_a2'],
      ['lab-bright', 'ord_b1'],
    ] as const;
    fetched.forEach(([accountId, orderId], i) => {
      deps.audit.events.push({
        eventId: `aud_${i}`,
        at: at(i),
        accountId,
        actorSub: 'u-des-priya',
        actorRole: 'designer',
        actorAccountId: 'caseline',
        action: 'assignment.inputs',
        outcome: 'ALLOWED',
        sourceIp: '10.0.0.1',
        orderId,
        fileId: `fil_${i}`,
      });
    });
    deps.audit.events.push(
      {
        eventId: 'aud_x',
        at: at(5),
        accountId: 'lab-coast',
        actorSub: 'u-des-marco',
        actorRole: 'designer',
        actorAccountId: 'caseline',
        action: 'assignment.inputs',
        outcome: 'ALLOWED',
        sourceIp: '10.0.0.2',
        orderId: 'ord_c1',
        fileId: 'fil_x',
      },
      {
        eventId: 'aud_y',
        at: at(6),
        accountId: 'lab-coast',
        actorSub: 'u-des-priya',
        actorRole: 'designer',
        actorAccountId: 'caseline',
        action: 'assignment.inputs',
        outcome: 'DENIED',
        sourceIp: '10.0.0.1',
        orderId: 'ord_c2',
        reason: 'NOT_HOLDER',
      },
    );
    const { incidentId } = await raiseSignal(deps, probing({ kind: 'bulk-access' }));
    // Act
    await scopeIncident(deps, incidentId);
    // Assess
    const incident = deps.incidents.incidents.get(incidentId);
    expect(incident?.status).toBe('SCOPED');
    expect(incident?.scope?.accounts).toEqual([
      {
        accountId: 'lab-acme',
        orderIds: ['ord_a1', 'ord_a2'],
        fileCount: 2,
        categories: ['intraoral scans'],
        firstEventAt: at(0),
        lastEventAt: at(1),
      },
      {
        accountId: 'lab-bright',
        orderIds: ['ord_b1'],
        fileCount: 1,
        categories: ['intraoral scans'],
        firstEventAt: at(2),
        lastEventAt: at(2),
      },
    ]);
    const notices = await deps.incidents.notices(incidentId);
    expect(notices.map((n) => [n.accountId, n.status, n.dueAt])).toEqual([
      ['lab-acme', 'DRAFT', '2026-01-06T08:55:00.000Z'],
      ['lab-bright', 'DRAFT', '2026-01-06T08:55:00.000Z'],
    ]);
    expect(deps.phi.decrypts).toBe(0);
  });

  it("uses each account's BAA notice window", async () => {
    // Prepare
    const deps = setup();
    const acme = deps.accounts.records.get('lab-acme');
    if (!acme?.baa) throw new Error('seeded account');
    const baa = { ...acme.baa, breachNoticeHours: 6 };
    deps.accounts.records.set('lab-acme', { ...acme, baa });
    deps.accounts.states.set('lab-acme', { status: 'ACTIVE', baa });
    const { incidentId } = await raiseSignal(deps, probing({ accountIds: ['lab-acme', 'lab-bright'] }));
    // Act
    await scopeIncident(deps, incidentId);
    // Assess
    const due = Object.fromEntries(
      (await deps.incidents.notices(incidentId)).map((n) => [n.accountId, n.dueAt]),
    );
    expect(due).toEqual({ 'lab-acme': '2026-01-05T14:55:00.000Z', 'lab-bright': '2026-01-06T08:55:00.000Z' });
  });
});
