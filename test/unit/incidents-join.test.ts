/**
 * A signal that joins an incident after it was scoped (domain/incidents/rescope.ts), on in-memory
 * ports: the scope takes in what the new signal's actor did, a new account gets its own notice due
 * from the ORIGINAL discovery, an unsent draft is re-drafted for every kind, an officer's edited
 * words are kept and flagged, a sent notice is not changed but flagged with the facts for its
 * supplement, and the officers are paged once per new kind (never per signal, never PHI).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { awaitPhase } from '../../lambdas/domain/incidents/await-phase';
import type { Signal } from '../../lambdas/domain/incidents/model';
import { editNotice, sendNotice } from '../../lambdas/domain/incidents/officer-notice';
import { pageOfficers } from '../../lambdas/domain/incidents/page';
import { raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { rescopeIncident } from '../../lambdas/domain/incidents/rescope';
import { scopeIncident } from '../../lambdas/domain/incidents/scope';
import { triageIncident } from '../../lambdas/domain/incidents/triage';
import { makeActor, makeDeps } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow, MemoryTrail } from '../support/incident-fakes';

const officer = makeActor({
  sub: 'u-po-olivia',
  username: 'officer.olivia',
  roles: ['privacy-officer'],
  accountId: 'caseline',
});
const DISCOVERED = '2026-01-05T08:55:00.000Z';
const PROBING_TEXT = "attempts on other labs' orders";
const BULK_TEXT = 'access to far more case files than usual';

const setup = () => {
  const base = makeDeps();
  return {
    ...base,
    incidents: new MemoryIncidents(),
    incidentWorkflow: new MemoryIncidentWorkflow(),
    ledger: new MemoryTrail(() => base.audit.events),
  };
};
let deps: ReturnType<typeof setup>;
let incidentId: string;

/** The designer fetched an order's inputs: an ALLOWED PHI hand-out on the trail. */
const fetched = (accountId: string, orderId: string, at: string) =>
  deps.audit.events.push({
    eventId: `aud_${orderId}`,
    at,
    accountId,
    actorSub: 'u-des-priya',
    actorRole: 'designer',
    actorAccountId: 'caseline',
    action: 'assignment.inputs',
    outcome: 'ALLOWED',
    sourceIp: '10.0.0.1',
    orderId,
    fileId: 'fil_1',
  });

const signal = (overrides: Partial<Signal>): Signal => ({
  signalId: 'det:probing:u-des-priya:1',
  kind: 'probing',
  at: DISCOVERED,
  actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
  accountIds: [],
  orderIds: [],
  ...overrides,
});

/** Two hours after discovery, the same designer bulk-downloads a Bright order and a second Acme one. */
const bulkJoins = async (signalId = 'det:bulk-access:u-des-priya:1') => {
  deps.clock.advance(2 * 3_600_000);
  fetched('lab-acme', 'ord_a2', '2026-01-05T10:40:00.000Z');
  fetched('lab-bright', 'ord_b1', '2026-01-05T10:41:00.000Z');
  const joined = await raiseSignal(
    deps,
    signal({ signalId, kind: 'bulk-access', at: deps.clock.now().toISOString() }),
  );
  expect(joined).toMatchObject({ incidentId, opened: false });
  return joined;
};

const notice = async (accountId: string) => {
  const found = await deps.incidents.notice(incidentId, accountId);
  if (!found) throw new Error(`no notice for ${accountId}`);
  return found;
};
const pages = () => deps.notifier.sent.filter((m) => m.kind === 'incident.page');

beforeEach(async () => {
  // Prepare: probing by a designer who had fetched one Acme order; paged, scoped, awaiting triage.
  deps = setup();
  fetched('lab-acme', 'ord_a1', '2026-01-05T08:30:00.000Z');
  ({ incidentId } = await raiseSignal(deps, signal({})));
  await pageOfficers(deps, incidentId);
  await scopeIncident(deps, incidentId);
  await awaitPhase(deps, { incidentId, phase: 'TRIAGE', taskToken: 'tok-triage' });
});

describe('a signal that joins a scoped incident', () => {
  it('starts one re-scope for it, and the scope then holds the new orders and accounts', async () => {
    // Act
    const joined = await bulkJoins();
    await raiseSignal(deps, signal({ signalId: 'det:bulk-access:u-des-priya:1', kind: 'bulk-access' }));
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    expect(deps.incidentWorkflow.rescopes).toEqual([
      { incidentId: joined.incidentId, signalId: 'det:bulk-access:u-des-priya:1' },
    ]);
    const incident = deps.incidents.incidents.get(incidentId);
    expect(incident?.status).toBe('SCOPED');
    expect(incident?.scope?.accounts.map((a) => [a.accountId, a.orderIds])).toEqual([
      ['lab-acme', ['ord_a1', 'ord_a2']],
      ['lab-bright', ['ord_b1']],
    ]);
    expect(incident?.scope?.signals).toBe(2);
    const types = (await deps.incidents.timeline(incidentId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['signal-joined', 'rescoped']));
  });

  it('a new account gets its own notice, due from the original discovery (the clock never restarts)', async () => {
    // Act
    await bulkJoins();
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    const bright = await notice('lab-bright');
    expect(bright).toMatchObject({
      status: 'DRAFT',
      discoveredAt: DISCOVERED,
      dueAt: '2026-01-06T08:55:00.000Z',
      nextCheckAt: '2026-01-05T20:55:00.000Z',
      orderIds: ['ord_b1'],
    });
    expect(bright.nature).toContain(PROBING_TEXT);
    expect(bright.nature).toContain(BULK_TEXT);
    // The incident list's summary counts the new account's notice at once.
    expect(deps.incidents.incidents.get(incidentId)?.noticeSummary).toMatchObject({ accounts: 2, unsent: 2 });
  });

  it('re-drafts an unsent draft the officer has not touched: every kind in its nature, the new orders in its facts', async () => {
    // Prepare
    expect((await notice('lab-acme')).nature).not.toContain(BULK_TEXT);
    // Act
    await bulkJoins();
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    const acme = await notice('lab-acme');
    expect(acme.nature).toContain(`${PROBING_TEXT} and ${BULK_TEXT}`);
    expect(acme.nature).toContain('2 order(s)');
    expect(acme).toMatchObject({
      orderIds: ['ord_a1', 'ord_a2'],
      approximatePatients: 2,
      kinds: ['probing', 'bulk-access'],
    });
    expect(acme.dueAt).toBe('2026-01-06T08:55:00.000Z');
    expect(acme.scopeChangedAt).toBeUndefined();
  });

  it("keeps an officer's edited words, refreshes the facts and flags the draft until the officer edits again", async () => {
    // Prepare
    const words = 'A designer opened orders of your lab that were not assigned to them.';
    await editNotice(deps, officer, incidentId, 'lab-acme', { nature: words });
    // Act
    await bulkJoins();
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    const flagged = await notice('lab-acme');
    expect(flagged).toMatchObject({ nature: words, orderIds: ['ord_a1', 'ord_a2'], status: 'DRAFT' });
    expect(flagged.scopeChangedAt).toBe(deps.clock.now().toISOString());
    await editNotice(deps, officer, incidentId, 'lab-acme', { nature: `${words} Then it downloaded more.` });
    expect((await notice('lab-acme')).scopeChangedAt).toBeUndefined();
  });

  it('leaves a sent notice as the lab received it, flagged with the facts its supplement will carry', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    await sendNotice(deps, officer, incidentId, 'lab-acme');
    expect(deps.incidents.incidents.get(incidentId)?.status).toBe('NOTIFIED');
    const sent = await notice('lab-acme');
    // Act
    await bulkJoins();
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    const after = await notice('lab-acme');
    expect(after).toMatchObject({
      status: 'SENT',
      nature: sent.nature,
      orderIds: ['ord_a1'],
      pendingScope: expect.objectContaining({
        orderIds: ['ord_a1', 'ord_a2'],
        kinds: ['probing', 'bulk-access'],
      }),
    });
    expect(after.scopeChangedAt).toBeDefined();
    // A new account has a notice still to send: the incident is CONFIRMED again, not NOTIFIED.
    expect(deps.incidents.incidents.get(incidentId)?.status).toBe('CONFIRMED');
    // The supplement (Art 33(4)) carries the grown facts, and the flag goes.
    await sendNotice(deps, officer, incidentId, 'lab-acme');
    const supplemented = await notice('lab-acme');
    expect(supplemented).toMatchObject({ orderIds: ['ord_a1', 'ord_a2'], sendCount: 2 });
    expect(supplemented.scopeChangedAt).toBeUndefined();
    expect(supplemented.pendingScope).toBeUndefined();
  });

  it('pages the officers once per new kind, with ids and kinds only, however often it runs', async () => {
    // Act
    await bulkJoins();
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    await bulkJoins('det:bulk-access:u-des-priya:2');
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:2' });
    // Assess
    expect(pages().map((m) => m.facts)).toEqual([
      expect.objectContaining({ pageId: incidentId, kinds: 'probing' }),
      {
        audience: 'privacy-officer',
        pageId: `${incidentId}:det:bulk-access:u-des-priya:1`,
        incidentId,
        kinds: 'probing,bulk-access',
        newKind: 'bulk-access',
        signalId: 'det:bulk-access:u-des-priya:1',
        discoveredAt: DISCOVERED,
        link: `/incidents/${incidentId}`,
      },
    ]);
  });

  it('a signal that joins while the first scoping runs is taken in by that scoping', async () => {
    // Prepare: a fresh incident, not scoped; the bulk signal joins (and its re-scope finds no scope)
    // just after the scoping read the signals.
    deps = setup();
    fetched('lab-acme', 'ord_a1', '2026-01-05T08:30:00.000Z');
    ({ incidentId } = await raiseSignal(deps, signal({ signalId: 'det:probing:u-des-priya:2' })));
    const read = deps.incidents.signals.bind(deps.incidents);
    let joinedMeanwhile = false;
    deps.incidents.signals = async (id: string) => {
      const found = await read(id);
      if (!joinedMeanwhile) {
        joinedMeanwhile = true;
        await bulkJoins();
        await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
      }
      return found;
    };
    // Act
    await scopeIncident(deps, incidentId);
    // Assess
    const incident = deps.incidents.incidents.get(incidentId);
    expect(incident?.scope?.signals).toBe(2);
    expect(incident?.scope?.accounts.map((a) => a.accountId)).toEqual(['lab-acme', 'lab-bright']);
    expect((await notice('lab-acme')).nature).toContain(BULK_TEXT);
  });

  it('a page that cannot be published is given back, and the retried step pages', async () => {
    // Prepare
    await bulkJoins();
    deps.notifier.failing = true;
    // Act
    await expect(
      rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' }),
    ).rejects.toThrow();
    deps.notifier.failing = false;
    await rescopeIncident(deps, { incidentId, signalId: 'det:bulk-access:u-des-priya:1' });
    // Assess
    expect(pages().filter((m) => m.facts.newKind === 'bulk-access')).toHaveLength(1);
  });
});
