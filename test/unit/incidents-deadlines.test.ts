/**
 * The deadline sweep (domain/incidents/deadlines.ts) on the injected clock, with the officer idle:
 * the 50% and 80% alerts fire once each, the preliminary notice reaches every affected account
 * before its own window closes, an unacknowledged notice goes again to the next contact after 12
 * hours, a dismissed incident stops it, and a re-run or a failed publish sends nothing twice.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { awaitPhase } from '../../lambdas/domain/incidents/await-phase';
import { sweepIncidentDeadlines } from '../../lambdas/domain/incidents/deadlines';
import { sendNotice } from '../../lambdas/domain/incidents/officer-notice';
import { raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { scopeIncident } from '../../lambdas/domain/incidents/scope';
import { triageIncident } from '../../lambdas/domain/incidents/triage';
import { makeAccount, makeActor, makeDeps } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow, MemoryTrail } from '../support/incident-fakes';

const officer = makeActor({ sub: 'u-po-olivia', roles: ['privacy-officer'], accountId: 'caseline' });
const HOUR = 3_600_000;
const FACTORS = {
  natureAndExtent: 'Ciphertext only.',
  unauthorizedPerson: 'Nobody outside Caseline.',
  acquiredOrViewed: 'Not viewed.',
  mitigation: 'Links expired.',
  safeHarbour: 'Encrypted under a key that was not exposed.',
};

let deps: ReturnType<typeof setup>;
let incidentId: string;

const setup = () => {
  const base = makeDeps();
  return {
    ...base,
    incidents: new MemoryIncidents(),
    incidentWorkflow: new MemoryIncidentWorkflow(),
    ledger: new MemoryTrail(() => base.audit.events),
  };
};

const kinds = (kind: string) => deps.notifier.sent.filter((m) => m.kind === kind);

/** Runs the sweep every 5 minutes of the injected clock for `hours`, as the schedule would. */
const idle = async (hours: number) => {
  for (let t = 0; t < hours * 12; t++) {
    deps.clock.advance(5 * 60_000);
    await sweepIncidentDeadlines(deps);
  }
};

beforeEach(async () => {
  deps = setup();
  // Bright's agreement gives 6 hours, Acme's the default 24; Acme has two contacts.
  const bright = makeAccount('lab-bright', {
    baa: { signedAt: '2025-12-15', version: '2025.2', effectiveAt: '2026-01-01', breachNoticeHours: 6 },
  });
  deps.accounts.records.set('lab-bright', bright);
  deps.accounts.states.set('lab-bright', { status: 'ACTIVE', ...(bright.baa ? { baa: bright.baa } : {}) });
  deps.accounts.records.set(
    'lab-acme',
    makeAccount('lab-acme', {
      contacts: [
        { name: 'Ann Breach', email: 'breach@acme.example', phone: '+15550000001', notices: ['breach'] },
        { name: 'Bo Backup', email: 'backup@acme.example', phone: '+15550000002', notices: ['termination'] },
      ],
    }),
  );
  const raised = await raiseSignal(deps, {
    signalId: 'sig-deadlines',
    kind: 'probing',
    at: deps.clock.now().toISOString(),
    actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
    accountIds: ['lab-acme', 'lab-bright'],
    orderIds: [],
  });
  incidentId = raised.incidentId;
  await scopeIncident(deps, incidentId);
  await awaitPhase(deps, { incidentId, phase: 'TRIAGE', taskToken: 'tok' });
});

describe('with the officer idle', () => {
  it('alerts at 50% and 80% once each, and sends each account its preliminary notice before its window closes', async () => {
    // Act: 30 hours of sweeps every 5 minutes.
    await idle(30);
    // Assess
    const alerts = kinds('incident.deadline').map((m) => `${m.facts.accountId}@${m.facts.percent}`);
    expect(alerts.sort()).toEqual(['lab-acme@50', 'lab-acme@80', 'lab-bright@50', 'lab-bright@80']);
    expect(deps.notifier.sent.filter((m) => m.kind.startsWith('alert:Breach notice'))).toHaveLength(4);
    const preliminary = kinds('incident.notice-preliminary');
    expect(preliminary.map((m) => m.facts.accountId).sort()).toEqual(['lab-acme', 'lab-bright']);
    for (const notice of await deps.incidents.notices(incidentId)) {
      const { preliminarySentAt = '', alert80At = '', dueAt } = notice;
      expect(preliminarySentAt).not.toBe('');
      expect(preliminarySentAt < dueAt).toBe(true);
      expect(alert80At < preliminarySentAt && alert80At !== '').toBe(true);
    }
    // Only the breach contact of Acme, never the other one; ids and a link only.
    expect(preliminary.find((m) => m.facts.accountId === 'lab-acme')?.facts).toEqual({
      accountId: 'lab-acme',
      noticeId: expect.stringMatching(/^ntc_/),
      incidentId,
      to: 'breach@acme.example',
      dueAt: expect.any(String),
      link: expect.stringMatching(/^\/notices\/ntc_/),
    });
  });

  it('a second sweep at the same instant sends nothing more', async () => {
    // Prepare
    deps.clock.advance(22 * HOUR);
    await sweepIncidentDeadlines(deps);
    const sent = deps.notifier.sent.length;
    // Act
    const again = await sweepIncidentDeadlines(deps);
    // Assess
    expect(deps.notifier.sent.length).toBe(sent);
    expect(again).toMatchObject({ alerts: 0, preliminary: 0 });
  });

  it('a publish that fails gives the claim back: the next run sends it', async () => {
    // Prepare
    deps.clock.advance(13 * HOUR);
    const notify = deps.notifier.notify.bind(deps.notifier);
    let failures = 1;
    deps.notifier.notify = async (kind, facts) => {
      if (kind === 'incident.deadline' && failures-- > 0) throw new Error('throttled');
      return notify(kind, facts);
    };
    // Act
    const first = await sweepIncidentDeadlines(deps);
    const second = await sweepIncidentDeadlines(deps);
    // Assess
    expect(first.failed).toBe(1);
    expect(second.alerts).toBeGreaterThanOrEqual(1);
    expect(
      kinds('incident.deadline')
        .map((m) => `${m.facts.accountId}@${m.facts.percent}`)
        .sort(),
    ).toEqual(['lab-acme@50', 'lab-bright@50', 'lab-bright@80']);
  });

  it('stops for a dismissed incident', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'not-a-breach', ...FACTORS });
    // Act
    await idle(30);
    // Assess
    expect(kinds('incident.deadline')).toEqual([]);
    expect(kinds('incident.notice-preliminary')).toEqual([]);
  });
});

describe('a sent notice nobody acknowledges', () => {
  it('goes again to the next contact after 12 hours, and stops once acknowledged', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    await sendNotice(deps, officer, incidentId, 'lab-acme');
    // Act
    await idle(11);
    const before = kinds('incident.notice-reminder').length;
    await idle(2);
    // Assess
    expect(before).toBe(0);
    expect(kinds('incident.notice-reminder').map((m) => m.facts.to)).toEqual(['backup@acme.example']);
    expect(kinds('incident.deadline').filter((m) => m.facts.accountId === 'lab-acme')).toEqual([]);
    await idle(13);
    expect(kinds('incident.notice-reminder').map((m) => m.facts.to)).toEqual([
      'backup@acme.example',
      'breach@acme.example',
    ]);
  });
});
