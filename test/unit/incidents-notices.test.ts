/**
 * Triage, notices and closing (domain/incidents/), on in-memory ports: not-a-breach needs the
 * four-factor assessment, a refused task token is an alert and a transient fault undoes the
 * change, notices carry every Art 33(3) / 164.410(c) field, go to the breach contacts with ids
 * only, show a lab the patient references of its own orders after an audited read (fail closed),
 * and the incident follows them to NOTIFIED, ACKNOWLEDGED and CLOSED.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { awaitPhase } from '../../lambdas/domain/incidents/await-phase';
import { closeIncident } from '../../lambdas/domain/incidents/close';
import {
  acknowledgeLabNotice,
  listLabNotices,
  viewLabNotice,
} from '../../lambdas/domain/incidents/lab-notices';
import { editNotice, sendNotice } from '../../lambdas/domain/incidents/officer-notice';
import { raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { getIncident, incidentRegister, listIncidents } from '../../lambdas/domain/incidents/read';
import { scopeIncident } from '../../lambdas/domain/incidents/scope';
import { triageIncident } from '../../lambdas/domain/incidents/triage';
import { phiContext } from '../../lambdas/domain/order';
import { processingRecord } from '../../lambdas/domain/processing-record';
import { MemoryDesigners, makeActor, makeDeps } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow, MemoryTrail } from '../support/incident-fakes';
import { makeOrder } from '../support/order-repository-contract';

const officer = makeActor({
  sub: 'u-po-olivia',
  username: 'officer.olivia',
  roles: ['privacy-officer'],
  accountId: 'caseline',
});
const acmeLab = makeActor();
const brightLab = makeActor({ sub: 'u-lab-bright-1', username: 'lab.bright', accountId: 'lab-bright' });
const CANARY = 'PT-55101';

const FACTORS = {
  natureAndExtent: 'Scan files only; no prescriptions or references were opened.',
  unauthorizedPerson: 'A Caseline designer bound by the same confidentiality terms.',
  acquiredOrViewed: 'Downloaded links expired unused: the audit trail shows no object read.',
  mitigation: 'Links revoked, designer confirmed deletion in writing.',
  safeHarbour: 'The objects are encrypted under the account key, which the designer never held.',
};

let deps: ReturnType<typeof setup>;
let incidentId: string;
let orderIds: { acme: string; bright: string };

const setup = () => {
  const base = makeDeps();
  return {
    ...base,
    incidents: new MemoryIncidents(),
    incidentWorkflow: new MemoryIncidentWorkflow(),
    ledger: new MemoryTrail(() => base.audit.events),
  };
};

/** An incident about a designer who fetched one Acme and one Bright order, scoped and waiting for triage. */
const scopedIncident = async () => {
  const acme = makeOrder({ accountId: 'lab-acme', status: 'ASSIGNED' });
  const bright = makeOrder({ accountId: 'lab-bright', status: 'ASSIGNED' });
  for (const order of [acme, bright]) {
    const phi = await deps.phi.encrypt(
      JSON.stringify({ patientRef: order === acme ? CANARY : 'PT-55102', caseRef: 'C-1' }),
      phiContext(order.accountId, order.orderId),
    );
    await deps.orders.create({ ...order, phi });
    deps.audit.events.push({
      eventId: `aud_${order.orderId}`,
      at: '2026-01-05T08:30:00.000Z',
      accountId: order.accountId,
      actorSub: 'u-des-priya',
      actorRole: 'designer',
      actorAccountId: 'caseline',
      action: 'assignment.inputs',
      outcome: 'ALLOWED',
      sourceIp: '10.0.0.1',
      orderId: order.orderId,
      fileId: 'fil_1',
    });
  }
  const raised = await raiseSignal(deps, {
    signalId: 'sig-bulk-1',
    kind: 'bulk-access',
    at: '2026-01-05T08:55:00.000Z',
    actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
    accountIds: [],
    orderIds: [],
  });
  await scopeIncident(deps, raised.incidentId);
  await awaitPhase(deps, { incidentId: raised.incidentId, phase: 'TRIAGE', taskToken: 'tok-triage' });
  return { incidentId: raised.incidentId, orderIds: { acme: acme.orderId, bright: bright.orderId } };
};

beforeEach(async () => {
  deps = setup();
  ({ incidentId, orderIds } = await scopedIncident());
  deps.audit.events.length = 0;
});

describe('triageIncident', () => {
  it('not-a-breach without the four-factor assessment is refused, each missing factor named', async () => {
    // Act
    const refused = triageIncident(deps, officer, incidentId, { decision: 'not-a-breach', mitigation: 'x' });
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationError',
      details: {
        fields: ['natureAndExtent', 'unauthorizedPerson', 'acquiredOrViewed', 'safeHarbour'].map((field) =>
          expect.objectContaining({ field }),
        ),
      },
    });
    expect(deps.incidents.incidents.get(incidentId)?.status).toBe('SCOPED');
  });

  it('not-a-breach with its assessment dismisses the incident, withdraws the notices, answers the wait', async () => {
    // Act
    const result = await triageIncident(deps, officer, incidentId, { decision: 'not-a-breach', ...FACTORS });
    // Assess
    expect(result.status).toBe('DISMISSED');
    expect(deps.incidents.incidents.get(incidentId)?.triage?.assessment).toEqual(FACTORS);
    expect(deps.incidentWorkflow.completed).toEqual([
      { token: 'tok-triage', output: { decision: 'not-a-breach' } },
    ]);
    const notices = await deps.incidents.notices(incidentId);
    expect(notices.map((n) => [n.status, n.nextCheckAt])).toEqual([
      ['WITHDRAWN', undefined],
      ['WITHDRAWN', undefined],
    ]);
    expect(deps.audit.events).toEqual([
      expect.objectContaining({ action: 'incident.triage', outcome: 'ALLOWED', reason: 'NOT_A_BREACH' }),
    ]);
  });

  it('a transient fault answering the wait undoes the decision (503); a retry then lands', async () => {
    // Prepare
    deps.incidentWorkflow.failNext = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    // Act
    const failed = triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
    expect(deps.incidents.incidents.get(incidentId)).toMatchObject({ status: 'SCOPED', awaiting: 'TRIAGE' });
    expect(deps.incidents.incidents.get(incidentId)?.triage).toBeUndefined();
    expect((await triageIncident(deps, officer, incidentId, { decision: 'confirmed' })).status).toBe(
      'CONFIRMED',
    );
  });

  it('a refused task token leaves the decision standing and alerts operators and officers', async () => {
    // Prepare
    deps.incidentWorkflow.lost.add('tok-triage');
    // Act
    const result = await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    // Assess
    expect(result.status).toBe('CONFIRMED');
    expect(deps.notifier.sent.map((m) => m.kind)).toEqual(
      expect.arrayContaining(['alert:Incident workflow lost its wait', 'incident.workflow-lost']),
    );
  });

  it('is refused while the incident is still being scoped, and a second time', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    // Act
    const again = triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    // Assess
    await expect(again).rejects.toMatchObject({ name: 'ConflictError', code: 'ALREADY_TRIAGED' });
  });
});

describe('notices', () => {
  it('carry every GDPR Art 33(3) and HIPAA 164.410(c) field, pre-filled', async () => {
    // Act
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    const notice = await editNotice(deps, officer, incidentId, 'lab-acme', {
      measuresProposed: 'Designer access reviewed; supplementary notice within 30 days.',
    });
    // Assess
    for (const field of [
      'nature',
      'categories',
      'approximatePatients',
      'approximateRecords',
      'orderIds',
      'patientReferences',
      'contactPoint',
      'likelyConsequences',
      'measuresTaken',
      'measuresProposed',
      'whatTheLabShouldDo',
      'discoveredAt',
      'dueAt',
      'firstEventAt',
    ])
      expect(notice).toHaveProperty(field);
    expect(notice).toMatchObject({
      orderIds: [orderIds.acme],
      approximatePatients: 1,
      approximateRecords: 2,
      categories: ['intraoral scans'],
      measuresProposed: 'Designer access reviewed; supplementary notice within 30 days.',
    });
    expect(JSON.stringify(notice)).not.toContain(CANARY);
  });

  it('an edit naming a patient is refused on its field', async () => {
    // Act
    const refused = editNotice(deps, officer, incidentId, 'lab-acme', {
      nature: 'Scans of patient John Smith were downloaded',
    });
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationError',
      details: { fields: [expect.objectContaining({ field: 'nature' })] },
    });
  });

  it('go out only after triage, to the breach contacts, with ids and a link only', async () => {
    // Prepare
    const early = sendNotice(deps, officer, incidentId, 'lab-acme');
    await expect(early).rejects.toMatchObject({ code: 'INCIDENT_NOT_CONFIRMED' });
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    // Act
    const sent = await sendNotice(deps, officer, incidentId, 'lab-acme');
    // Assess
    expect(sent.status).toBe('SENT');
    const messages = deps.notifier.sent.filter((m) => m.kind === 'incident.notice');
    expect(messages).toEqual([
      {
        kind: 'incident.notice',
        facts: {
          accountId: 'lab-acme',
          noticeId: sent.noticeId,
          incidentId,
          to: 'security@lab.example',
          dueAt: sent.dueAt,
          link: `/notices/${sent.noticeId}`,
        },
      },
    ]);
    expect(deps.incidents.incidents.get(incidentId)?.status).toBe('CONFIRMED');
  });

  it("show a lab its own orders' patient references after an audited read, and nobody else's", async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    const { noticeId } = await sendNotice(deps, officer, incidentId, 'lab-acme');
    await sendNotice(deps, officer, incidentId, 'lab-bright');
    // Act
    const view = await viewLabNotice(deps, acmeLab, noticeId);
    const other = viewLabNotice(deps, brightLab, noticeId);
    // Assess
    expect(view.patients).toEqual([{ orderId: orderIds.acme, patientReference: CANARY }]);
    await expect(other).rejects.toMatchObject({ name: 'NotFoundError' });
    expect((await listLabNotices(deps, brightLab)).notices.map((n) => n.orderIds)).toEqual([
      [orderIds.bright],
    ]);
    expect(
      deps.audit.events.filter((e) => e.action === 'notice.view').map((e) => [e.accountId, e.outcome]),
    ).toEqual([
      ['lab-acme', 'ALLOWED'],
      ['lab-bright', 'DENIED'],
    ]);
  });

  it('a view that cannot be audited decrypts nothing', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    const { noticeId } = await sendNotice(deps, officer, incidentId, 'lab-acme');
    const before = deps.phi.decrypts;
    deps.audit.failing = true;
    // Act
    const failed = viewLabNotice(deps, acmeLab, noticeId);
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'AuditUnavailableError' });
    expect(deps.phi.decrypts).toBe(before);
  });

  it('the incident follows its notices to NOTIFIED, ACKNOWLEDGED, and closes with its summary', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    const acme = await sendNotice(deps, officer, incidentId, 'lab-acme');
    const bright = await sendNotice(deps, officer, incidentId, 'lab-bright');
    expect(deps.incidents.incidents.get(incidentId)?.status).toBe('NOTIFIED');
    await awaitPhase(deps, { incidentId, phase: 'CLOSE', taskToken: 'tok-close' });
    // Act
    deps.clock.advance(3_600_000);
    const acked = await acknowledgeLabNotice(deps, acmeLab, acme.noticeId);
    await acknowledgeLabNotice(deps, brightLab, bright.noticeId);
    const closed = await closeIncident(deps, officer, incidentId, {
      summary: 'Designer access revoked; labs told.',
    });
    // Assess
    expect(acked).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedAt: deps.clock.now().toISOString() });
    expect(closed.status).toBe('CLOSED');
    const stored = deps.incidents.incidents.get(incidentId);
    expect(stored?.expiresAt).toBe(Math.floor(Date.parse('2032-01-05T10:00:00.000Z') / 1000));
    expect(deps.incidentWorkflow.completed.at(-1)).toEqual({
      token: 'tok-close',
      output: { closed: 'true' },
    });
    expect((await deps.incidents.timeline(incidentId)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['notified', 'acknowledged', 'closed']),
    );
    expect(deps.incidents.joinKeys.size).toBe(0);
  });
});

describe('the record of processing', () => {
  it('lists the incidents that touched the account in the range, and only those', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    await sendNotice(deps, officer, incidentId, 'lab-acme');
    const recordDeps = {
      ...deps,
      designers: new MemoryDesigners(),
      purgeStore: { orderCertificate: async () => undefined, accountCertificate: async () => undefined },
    };
    const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T00:00:00.000Z' };
    // Act
    const acme = await processingRecord(recordDeps, 'lab-acme', range, { region: 'us-east-1' });
    const coast = await processingRecord(recordDeps, 'lab-coast', range, { region: 'us-east-1' });
    const before = await processingRecord(
      recordDeps,
      'lab-acme',
      { from: '2025-12-01T00:00:00.000Z', to: '2025-12-31T00:00:00.000Z' },
      { region: 'us-east-1' },
    );
    // Assess
    expect(acme.incidents.recorded).toEqual([
      expect.objectContaining({
        incidentId,
        status: 'CONFIRMED',
        decision: 'confirmed',
        orders: 1,
        notice: expect.objectContaining({ status: 'SENT' }),
      }),
    ]);
    expect(coast.incidents.recorded).toEqual([]);
    expect(before.incidents.recorded).toEqual([]);
  });
});

describe('reading incidents', () => {
  it('one incident: its scope read audited against each affected account first, no task token shown', async () => {
    // Act
    const view = await getIncident(deps, officer, incidentId);
    // Assess
    expect(deps.audit.events.map((e) => [e.action, e.accountId])).toEqual([
      ['incident.view', 'caseline'],
      ['incident.view', 'lab-acme'],
      ['incident.view', 'lab-bright'],
    ]);
    expect(view.notices.map((n) => [n.accountId, n.msLeft])).toEqual([
      ['lab-acme', 24 * 3_600_000 - 5 * 60_000],
      ['lab-bright', 24 * 3_600_000 - 5 * 60_000],
    ]);
    expect(JSON.stringify(view)).not.toContain('tok-triage');
  });

  it('the list carries each incident’s deadlines from the incident itself, following its notices, reading none', async () => {
    // Prepare: both notices due 24 h after discovery (08:55), read at 09:00; none read by the list.
    const noticeReads = vi.spyOn(deps.incidents, 'notices');
    const row = async () => {
      const before = noticeReads.mock.calls.length;
      const [first] = (await listIncidents(deps, officer, {})).incidents;
      expect(noticeReads.mock.calls.length, 'notices read by the list').toBe(before);
      return first;
    };
    // Act + Assess: scoped, nothing sent; the earliest deadline (a tie: by account id) and its time left.
    expect(await row()).toMatchObject({
      incidentId,
      affectedAccounts: 2,
      unsentNotices: 2,
      nextDueAt: '2026-01-06T08:55:00.000Z',
      nextDueAccountId: 'lab-acme',
      msLeft: 24 * 3_600_000 - 5 * 60_000,
    });
    // Acme's notice sent: Bright's deadline is the one left, an hour later.
    await triageIncident(deps, officer, incidentId, { decision: 'confirmed' });
    await sendNotice(deps, officer, incidentId, 'lab-acme');
    deps.clock.advance(3_600_000);
    expect(await row()).toMatchObject({
      status: 'CONFIRMED',
      unsentNotices: 1,
      nextDueAccountId: 'lab-bright',
      msLeft: 23 * 3_600_000 - 5 * 60_000,
    });
    // Both sent: no deadline runs.
    await sendNotice(deps, officer, incidentId, 'lab-bright');
    const notified = await row();
    expect(notified).toMatchObject({ status: 'NOTIFIED', affectedAccounts: 2, unsentNotices: 0 });
    expect(notified).not.toHaveProperty('msLeft');
    expect(notified).not.toHaveProperty('nextDueAt');
  });

  it('a dismissed incident lists its affected accounts and no deadline', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'not-a-breach', ...FACTORS });
    // Act
    const [dismissed] = (await listIncidents(deps, officer, {})).incidents;
    // Assess
    expect(dismissed).toMatchObject({ status: 'DISMISSED', affectedAccounts: 2 });
    expect(dismissed).not.toHaveProperty('unsentNotices');
    expect(dismissed).not.toHaveProperty('msLeft');
  });

  it('a view that cannot be audited returns nothing', async () => {
    // Prepare
    deps.audit.failing = true;
    // Act
    const failed = getIncident(deps, officer, incidentId);
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'AuditUnavailableError' });
  });

  it('the register keeps a dismissed incident with its four-factor reasons', async () => {
    // Prepare
    await triageIncident(deps, officer, incidentId, { decision: 'not-a-breach', ...FACTORS });
    const auditor = makeActor({ sub: 'u-aud-ann', roles: ['auditor'], accountId: 'caseline' });
    // Act
    const register = await incidentRegister(deps, auditor, {});
    // Assess
    expect(register.incidents).toEqual([
      expect.objectContaining({
        incidentId,
        status: 'DISMISSED',
        decision: 'not-a-breach',
        reasons: FACTORS,
        accounts: ['lab-acme', 'lab-bright'],
      }),
    ]);
  });
});
