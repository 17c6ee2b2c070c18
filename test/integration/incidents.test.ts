/**
 * Security incidents over the wire, on a local stack of this file's own (the tests move its clock
 * by days): the intake through the DynamoDB and Step Functions adapters (a retried signal opens
 * one incident, one execution, one page), a person's report, the incident workflow paging and
 * scoping from the audit trail (a designer who fetched the inputs of 3 orders of 2 labs), and the
 * PHI canaries of the orders never in SNS messages, the workflow's input and history.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableName, STATE_MACHINES } from '../../common/definitions';
import { DynamoIncidentStore } from '../../lambdas/adapters/dynamo-incident-store';
import { rescopeExecutionName, SfnIncidentWorkflow } from '../../lambdas/adapters/sfn-incident-workflow';
import type { Incident, Signal } from '../../lambdas/domain/incidents/model';
import { type RaiseSignalDeps, raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { adjustableClock } from '../../lambdas/kernel/clock';
import { logger } from '../../lambdas/runtime/logger';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, eventually, outboxMessages } from '../support/api';
import { claim, queuedOrder, viewOf } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { undescribedFields } from '../support/openapi-contract';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'caseline-incidents-'));
let stack: LocalStack;
let api: Api;
let store: DynamoIncidentStore;
let sfn: SFNClient;
let intake: RaiseSignalDeps;
let workflowArn: string;
/** The designer's incident of the scope test, triaged and notified by the tests after it. */
let designerIncident: { incidentId: string; acme: string[]; bright: string[] };

const PATIENT_CANARIES = ['PT-77341', 'PT-77342', 'PT-77343'];
const NOTE_CANARY = 'Canary occlusion note 4417, light contacts.';
const CASE_CANARY = 'CR-88120';

/**
 * Everything the stack's handlers hand to the logger (they run in this process and share its
 * logger), at any level, whatever level the run prints: kept for the canary check.
 */
const logLines: string[] = [];
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const realLog = Object.fromEntries(LEVELS.map((level) => [level, logger[level]])) as Record<
  (typeof LEVELS)[number],
  (...args: unknown[]) => void
>;

beforeAll(async () => {
  for (const level of LEVELS) {
    const real = realLog[level].bind(logger);
    (logger as unknown as Record<string, (...args: unknown[]) => void>)[level] = (...args: unknown[]) => {
      logLines.push(JSON.stringify(args));
      real(...args);
    };
  }
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0, PageOfficers: 0, ScopeIncident: 0 },
  });
  api = new Api(stack.apiUrl);
  store = new DynamoIncidentStore(localDocumentClient(stack.endpoints.dynamodb), localTableName('incidents'));
  sfn = new SFNClient({
    endpoint: stack.endpoints.sfn,
    region: 'us-east-1',
    credentials: { ...S3_CREDENTIALS },
  });
  workflowArn = stack.env[STATE_MACHINES.incidentWorkflow.envVar] ?? '';
  intake = {
    incidents: store,
    incidentWorkflow: new SfnIncidentWorkflow(sfn, workflowArn),
    clock: adjustableClock,
    ids: { next: (p) => `${p}_${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}` },
  };
}, 120_000);

afterAll(async () => {
  for (const level of LEVELS)
    (logger as unknown as Record<string, (...args: unknown[]) => void>)[level] = realLog[level];
  sfn?.destroy();
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
});

const pages = async (incidentId: string) =>
  (await outboxMessages(api, 'caseline-notifications'))
    .map((m) => JSON.parse(m) as Record<string, string>)
    .filter((m) => m.kind === 'incident.page' && m.incidentId === incidentId);

const incidentIn = (incidentId: string, statuses: Incident['status'][]) =>
  eventually(async () => {
    const incident = await store.get(incidentId);
    return incident && statuses.includes(incident.status) ? incident : undefined;
  }, 20_000);

/** The response holds no field docs/openapi.json leaves undescribed for its route (and status). */
const expectDescribed = (route: string, res: { status: number; body: unknown }) =>
  expect(undescribedFields(route, res.status, res.body), route).toEqual([]);

interface ListedIncident {
  incidentId: string;
  status: string;
  affectedAccounts?: number;
  unsentNotices?: number;
  nextDueAt?: string;
  nextDueAccountId?: string;
  msLeft?: number;
}
/** The incident as GET /incidents lists it (the newest 100), and the stack's clock around the read. */
const listed = async (incidentId: string) => {
  const before = adjustableClock.now().getTime();
  const res = await api.call<{ incidents: ListedIncident[] }>('GET', '/incidents?limit=100', {
    as: 'officer.olivia',
  });
  const after = adjustableClock.now().getTime();
  expectDescribed('GET /incidents', res);
  return { ...res.body.incidents.find((i) => i.incidentId === incidentId), before, after };
};
/** msLeft is the time from the service's clock, read between `before` and `after`, to nextDueAt. */
const expectTimeLeft = (row: Partial<ListedIncident> & { before: number; after: number }) => {
  const due = Date.parse(row.nextDueAt ?? '');
  expect(row.msLeft).toBeLessThanOrEqual(due - row.before);
  expect(row.msLeft).toBeGreaterThanOrEqual(due - row.after);
};

const executionArn = (incidentId: string) =>
  `${workflowArn.replace(':stateMachine:', ':execution:')}:${incidentId}`;

describe('the intake over the wire', () => {
  it('a retried signal opens one incident, one execution and one page', async () => {
    // Prepare
    const signal: Signal = {
      signalId: `it-probing-${Date.now()}`,
      kind: 'probing',
      at: adjustableClock.now().toISOString(),
      actor: { sub: 'u-des-lin', role: 'designer', accountId: 'caseline' },
      accountIds: [],
      orderIds: [],
      detail: { rule: 'probing', refusals: 11 },
    };
    // Act
    const results = await Promise.all([raiseSignal(intake, signal), raiseSignal(intake, signal)]);
    const again = await raiseSignal(intake, signal);
    // Assess
    const incidentId = results[0].incidentId;
    expect(new Set([...results, again].map((r) => r.incidentId))).toEqual(new Set([incidentId]));
    expect([...results, again].filter((r) => r.opened)).toHaveLength(1);
    const scoped = await incidentIn(incidentId, ['SCOPED']);
    expect(scoped.signalCount).toBe(1);
    const page = await eventually(async () =>
      (await pages(incidentId)).length ? pages(incidentId) : undefined,
    );
    expect(page).toHaveLength(1);
    const execution = await sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArn(incidentId) }),
    );
    expect(execution.status).toBe('RUNNING');
    expect(JSON.parse(execution.input ?? '{}')).toEqual({ incidentId });
  });

  it('a second signal about the same actor joins: its own re-scope execution (ids only), one page for the new kind, none for a kind already paged', async () => {
    // Prepare
    const sub = 'u-des-marco';
    const base = {
      kind: 'probing' as const,
      at: adjustableClock.now().toISOString(),
      actor: { sub, role: 'designer' as const, accountId: 'caseline' },
      accountIds: [],
      orderIds: [],
    };
    const first = await raiseSignal(intake, { ...base, signalId: `it-join-a-${Date.now()}` });
    await incidentIn(first.incidentId, ['SCOPED']);
    const rescoped = (signalId: string) =>
      eventually(async () => {
        const execution = await sfn.send(
          new DescribeExecutionCommand({
            executionArn: executionArn(rescopeExecutionName(first.incidentId, signalId)),
          }),
        );
        return execution.status === 'RUNNING' ? undefined : execution;
      }, 20_000);
    // Act
    const bulkId = `it-join-b-${Date.now()}`;
    const second = await raiseSignal(intake, { ...base, kind: 'bulk-access', signalId: bulkId });
    const bulkRun = await rescoped(bulkId);
    const probingId = `it-join-c-${Date.now()}`;
    await raiseSignal(intake, { ...base, signalId: probingId });
    const probingRun = await rescoped(probingId);
    // Assess
    expect(second).toEqual({ incidentId: first.incidentId, opened: false, duplicate: false });
    expect([bulkRun.status, probingRun.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(JSON.parse(bulkRun.input ?? '{}')).toEqual({ incidentId: first.incidentId, signalId: bulkId });
    const incident = await store.get(first.incidentId);
    expect(incident?.kinds).toEqual(['probing', 'bulk-access']);
    expect(incident?.scope?.signals).toBe(3);
    const paged = await pages(first.incidentId);
    expect(paged.map((p) => [p.kinds, p.newKind, p.pageId])).toEqual([
      ['probing', undefined, first.incidentId],
      ['probing,bulk-access', 'bulk-access', `${first.incidentId}:${bulkId}`],
    ]);
  });
});

describe('POST /incidents/reports', () => {
  it('refuses a description that names a patient, field by field, and records nothing', async () => {
    // Act
    const res = await api.call<{ code: string; fields: { field: string }[] }>('POST', '/incidents/reports', {
      as: 'lab.coast',
      body: {
        category: 'nope',
        description: 'Scans of patient Mary Johnson were emailed to the wrong lab',
        orderIds: 'x',
      },
    });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f) => f.field).sort()).toEqual(['category', 'description', 'orderIds']);
  });

  it("opens an incident from a lab's report: officers paged with ids only, the lab's order scoped", async () => {
    // Prepare
    const { orderId } = await queuedOrder(api, 'lab.coast', {
      patientRef: 'PT-77399',
      notes: NOTE_CANARY,
    });
    // Act
    const res = await api.call<{ incidentId: string; opened: boolean }>('POST', '/incidents/reports', {
      as: 'lab.coast',
      body: {
        category: 'device-lost-or-stolen',
        description: 'A laptop with the scan of one open case was stolen from the lab.',
        orderIds: [orderId],
      },
    });
    // Assess
    expect(res.status).toBe(202);
    expect(res.body.opened).toBe(true);
    expectDescribed('POST /incidents/reports', res);
    const scoped = await incidentIn(res.body.incidentId, ['SCOPED']);
    expect(scoped.scope?.accounts).toEqual([
      expect.objectContaining({ accountId: 'lab-coast', orderIds: [orderId], fileCount: 1 }),
    ]);
    // The officer's view of it (the report's signal with its note, the scope, the draft notice) is all described.
    expectDescribed(
      'GET /incidents/{incidentId}',
      await api.call('GET', `/incidents/${res.body.incidentId}`, { as: 'officer.olivia' }),
    );
    const [page] = await eventually(async () => {
      const found = await pages(res.body.incidentId);
      return found.length ? found : undefined;
    });
    expect(page).toMatchObject({ kind: 'incident.page', kinds: 'report' });
    expect(JSON.stringify(page)).not.toContain('laptop');
    // Out of the queue, so the next test's designer claims only its own orders.
    expect((await claim(api, 'designer.marco')).orderId).toBe(orderId);
  });
});

describe('the incident workflow scopes from the audit trail', () => {
  it('for a designer that fetched the inputs of 3 orders of 2 labs: exactly those, and no PHI anywhere', async () => {
    // Prepare: 3 orders of 2 labs fetched by designer.priya; a fourth order of a third lab she never touched.
    const orders = [
      await queuedOrder(api, 'lab.acme', {
        patientRef: PATIENT_CANARIES[0],
        notes: NOTE_CANARY,
        caseRef: `${CASE_CANARY}-1`,
      }),
      await queuedOrder(api, 'lab.acme', {
        patientRef: PATIENT_CANARIES[1],
        notes: NOTE_CANARY,
        caseRef: `${CASE_CANARY}-2`,
      }),
      await queuedOrder(api, 'lab.bright', {
        patientRef: PATIENT_CANARIES[2],
        notes: NOTE_CANARY,
        caseRef: `${CASE_CANARY}-3`,
      }),
    ];
    const held: string[] = [];
    for (let i = 0; i < 3; i++) held.push((await claim(api, 'designer.priya')).orderId);
    expect(held.sort()).toEqual(orders.map((o) => o.orderId).sort());
    for (const orderId of held) {
      const inputs = await api.call('GET', `/assignments/${orderId}/inputs`, { as: 'designer.priya' });
      expect(inputs.status).toBe(200);
    }
    await queuedOrder(api, 'lab.coast', { patientRef: 'PT-77400', notes: NOTE_CANARY });
    // Act: a detection rule's signal about her (the rules are another issue: raised here as one would).
    const raised = await raiseSignal(intake, {
      signalId: `it-bulk-${Date.now()}`,
      kind: 'bulk-access',
      at: adjustableClock.now().toISOString(),
      actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
      accountIds: [],
      orderIds: [],
      detail: { rule: 'bulk-access', orders: 3 },
    });
    // Assess
    const scoped = await incidentIn(raised.incidentId, ['SCOPED']);
    const byLab = (lab: string) =>
      orders
        .filter((_, i) => (lab === 'lab-acme' ? i < 2 : i === 2))
        .map((o) => o.orderId)
        .sort();
    expect(scoped.scope?.accounts.map((a) => [a.accountId, a.orderIds, a.fileCount])).toEqual([
      ['lab-acme', byLab('lab-acme'), 2],
      ['lab-bright', byLab('lab-bright'), 1],
    ]);
    expect(scoped.scope?.categories).toEqual(['intraoral scans', 'patient pseudonym', 'prescription']);
    const notices = await store.notices(raised.incidentId);
    expect(notices.map((n) => n.accountId).sort()).toEqual(['lab-acme', 'lab-bright']);
    // No patient reference, note or case number in the incident, its notices, SNS or the workflow.
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: executionArn(raised.incidentId), maxResults: 1000 }),
    );
    const everything = JSON.stringify([
      scoped,
      notices,
      await store.signals(raised.incidentId),
      await store.timeline(raised.incidentId),
      await api.call('GET', '/local/outbox', {}).then((r) => r.body),
      history.events,
    ]);
    for (const canary of [...PATIENT_CANARIES, NOTE_CANARY, CASE_CANARY])
      expect(everything).not.toContain(canary);
    designerIncident = {
      incidentId: raised.incidentId,
      acme: byLab('lab-acme'),
      bright: byLab('lab-bright'),
    };
  });
});

describe('triage, notices, acknowledgement and closing over the wire', () => {
  const path = () => `/incidents/${designerIncident.incidentId}`;
  const waitingFor = (phase: 'TRIAGE' | 'CLOSE') =>
    eventually(async () => {
      const incident = await store.get(designerIncident.incidentId);
      return incident?.awaiting === phase ? incident : undefined;
    });

  it('only a privacy officer triages; confirmed, the workflow moves on', async () => {
    // Prepare
    await waitingFor('TRIAGE');
    // Act
    const byLab = await api.call('POST', `${path()}/triage`, {
      as: 'lab.acme',
      body: { decision: 'confirmed' },
    });
    const byOperator = await api.call('POST', `${path()}/triage`, {
      as: 'operator.omar',
      body: { decision: 'confirmed' },
    });
    const incomplete = await api.call<{ fields: { field: string }[] }>('POST', `${path()}/triage`, {
      as: 'officer.olivia',
      body: { decision: 'not-a-breach' },
    });
    const confirmed = await api.call<{ status: string }>('POST', `${path()}/triage`, {
      as: 'officer.olivia',
      body: { decision: 'confirmed' },
    });
    // Assess
    expect([byLab.status, byOperator.status]).toEqual([403, 403]);
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.fields).toHaveLength(5);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('CONFIRMED');
    expectDescribed('POST /incidents/{incidentId}/triage', confirmed);
    await waitingFor('CLOSE');
    // The list carries the deadlines: two labs, neither notice sent, Acme's (a tie: by id) first.
    const row = await listed(designerIncident.incidentId);
    expect(row).toMatchObject({ status: 'CONFIRMED', affectedAccounts: 2, unsentNotices: 2 });
    expect(row?.nextDueAccountId).toBe('lab-acme');
    expectTimeLeft(row);
  });

  it('the officer edits and sends each notice; the SNS message carries ids and a link only', async () => {
    // Act
    const edited = await api.call<{ measuresTaken: string }>('PUT', `${path()}/notices/lab-acme`, {
      as: 'officer.olivia',
      body: { measuresTaken: 'Designer deactivated and signed out; links expired.' },
    });
    const sent = await api.call<{ noticeId: string; status: string }>('POST', `${path()}/notices/lab-acme`, {
      as: 'officer.olivia',
    });
    const between = await listed(designerIncident.incidentId);
    const other = await api.call('POST', `${path()}/notices/lab-bright`, { as: 'officer.olivia' });
    const after = await listed(designerIncident.incidentId);
    // Assess: Acme's sent, Bright's deadline is the one left; both sent, none runs.
    expect(between).toMatchObject({ unsentNotices: 1, nextDueAccountId: 'lab-bright' });
    expect(after).toMatchObject({ status: 'NOTIFIED', affectedAccounts: 2, unsentNotices: 0 });
    expect(after).not.toHaveProperty('msLeft');
    expectDescribed('PUT /incidents/{incidentId}/notices/{accountId}', edited);
    expectDescribed('POST /incidents/{incidentId}/notices/{accountId}', sent);
    expect(edited.status).toBe(200);
    expect(edited.body.measuresTaken).toBe('Designer deactivated and signed out; links expired.');
    expect(sent.body.status).toBe('SENT');
    expect(other.status).toBe(200);
    const message = await eventually(async () =>
      (await outboxMessages(api, 'caseline-notifications'))
        .map((m) => JSON.parse(m) as Record<string, string>)
        .find((m) => m.kind === 'incident.notice' && m.noticeId === sent.body.noticeId),
    );
    expect(Object.keys(message).sort()).toEqual([
      'accountId',
      'dueAt',
      'incidentId',
      'kind',
      'link',
      'noticeId',
      'to',
    ]);
    expect(message.to).toBe('security@lab-acme.example.com');
    expect((await store.get(designerIncident.incidentId))?.status).toBe('NOTIFIED');
  });

  it("each lab reads its own notice with its own patients' references, and acknowledges it", async () => {
    // Prepare
    const list = await api.call<{ notices: { noticeId: string; orderIds: string[] }[] }>('GET', '/notices', {
      as: 'lab.acme',
    });
    const acmeNotice = list.body.notices.find((n) => n.orderIds.includes(designerIncident.acme[0] ?? ''));
    if (!acmeNotice) throw new Error('no notice for lab-acme');
    // Act
    const view = await api.call<{ patients: { orderId: string; patientReference: string }[] }>(
      'GET',
      `/notices/${acmeNotice.noticeId}`,
      { as: 'lab.acme' },
    );
    const stranger = await api.call('GET', `/notices/${acmeNotice.noticeId}`, { as: 'lab.bright' });
    const designer = await api.call('GET', '/notices', { as: 'designer.priya' });
    const ack = await api.call<{ status: string; acknowledgedAt: string }>(
      'POST',
      `/notices/${acmeNotice.noticeId}/acknowledge`,
      { as: 'admin.acme' },
    );
    // Assess
    expect(view.status).toBe(200);
    expectDescribed('GET /notices', list);
    expectDescribed('GET /notices/{noticeId}', view);
    expectDescribed('POST /notices/{noticeId}/acknowledge', ack);
    expect(view.body.patients.map((p) => p.patientReference).sort()).toEqual(PATIENT_CANARIES.slice(0, 2));
    expect(view.body.patients.map((p) => p.orderId).sort()).toEqual(designerIncident.acme);
    expect(stranger.status).toBe(404);
    expect(designer.status).toBe(403);
    expect(ack.body.status).toBe('ACKNOWLEDGED');
    expect(ack.body.acknowledgedAt).toBe(
      (await store.notice(designerIncident.incidentId, 'lab-acme'))?.acknowledgedAt,
    );
  });

  it('closes with a summary, ends the workflow, and no PHI went into SNS or the history', async () => {
    // Prepare
    const brightNotice = (
      await api.call<{ notices: { noticeId: string }[] }>('GET', '/notices', { as: 'lab.bright' })
    ).body.notices[0];
    await api.call('POST', `/notices/${brightNotice?.noticeId}/acknowledge`, { as: 'lab.bright' });
    // Act
    const closed = await api.call<{ status: string }>('POST', `${path()}/close`, {
      as: 'officer.olivia',
      body: { summary: 'Designer access revoked; both labs notified and acknowledged.' },
    });
    // Assess
    expect(closed.body.status).toBe('CLOSED');
    expectDescribed('POST /incidents/{incidentId}/close', closed);
    const done = await eventually(async () => {
      const e = await sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(designerIncident.incidentId) }),
      );
      return e.status === 'SUCCEEDED' ? e : undefined;
    });
    expect(JSON.parse(done.output ?? '{}')).toEqual({
      incidentId: designerIncident.incidentId,
      triage: { decision: 'confirmed' },
      close: { closed: 'true' },
    });
    const history = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: executionArn(designerIncident.incidentId),
        maxResults: 1000,
      }),
    );
    const outbox = JSON.stringify((await api.call('GET', '/local/outbox', {})).body);
    for (const canary of [...PATIENT_CANARIES, NOTE_CANARY, CASE_CANARY]) {
      expect(outbox).not.toContain(canary);
      expect(JSON.stringify(history.events)).not.toContain(canary);
    }
  });
});

describe('deadlines on the local clock, with the officer idle', () => {
  it('alerts at 50% and 80% once each, and the preliminary notice reaches the lab before its window closes', async () => {
    // Prepare
    const res = await api.call<{ incidentId: string }>('POST', '/incidents/reports', {
      as: 'lab.echo',
      body: {
        category: 'credentials-exposed',
        description: 'A technician password was shown on a shared screen.',
      },
    });
    const { incidentId } = res.body;
    await incidentIn(incidentId, ['SCOPED']);
    const notice = await store.notice(incidentId, 'lab-echo');
    if (!notice) throw new Error('no notice for lab-echo');
    // Act: 26 hours, an hour at a time (each advance runs the scheduled jobs, the deadline sweep too).
    for (let hour = 0; hour < 26; hour++) {
      const moved = await api.call('POST', '/local/clock/advance', {
        as: 'operator.omar',
        body: { hours: 1 },
      });
      expect(moved.status).toBe(200);
    }
    // Assess
    const published = (
      await api.call<{ topic: string; message: string; at: string }[]>('GET', '/local/outbox', {})
    ).body
      .map((m) => ({ ...m, body: JSON.parse(m.message) as Record<string, string> }))
      .filter((m) => m.body.incidentId === incidentId);
    const alerts = published.filter((m) => m.body.kind === 'incident.deadline').map((m) => m.body.percent);
    expect(alerts).toEqual(['50', '80']);
    expect(published.filter((m) => m.topic === 'caseline-operator-alerts')).toHaveLength(2);
    const preliminary = published.filter((m) => m.body.kind === 'incident.notice-preliminary');
    expect(preliminary).toHaveLength(1);
    expect(preliminary[0]?.body.to).toBe('security@lab-echo.example.com');
    expect((preliminary[0]?.at ?? '') < notice.dueAt).toBe(true);
    // Listed with its deadline passed (the preliminary notice went, the full one not yet): 2 hours ago.
    const row = await listed(incidentId);
    expect(row).toMatchObject({ affectedAccounts: 1, unsentNotices: 1, nextDueAccountId: 'lab-echo' });
    expect(row.nextDueAt).toBe(notice.dueAt);
    expectTimeLeft(row);
    expect(row.msLeft).toBeLessThan(0);
    const list = await api.call<{ notices: { noticeId: string; preliminary: boolean; nature: string }[] }>(
      'GET',
      '/notices',
      { as: 'admin.echo' },
    );
    expect(list.body.notices).toEqual([
      expect.objectContaining({
        noticeId: notice.noticeId,
        preliminary: true,
        nature: expect.stringMatching(/^PRELIMINARY/),
      }),
    ]);
  });
});

describe('POST /incidents/{incidentId}/containment', () => {
  it('deactivates the designer, revokes its live token and returns what it held to the queue', async () => {
    // Prepare: marco holds an order and has a live token; a signal about him opens (or joins) an incident.
    await queuedOrder(api, 'lab.acme');
    await claim(api, 'designer.marco');
    const held = (
      await api.call<{ assignments: { orderId: string }[] }>('GET', '/assignments', { as: 'designer.marco' })
    ).body.assignments.map((a) => a.orderId);
    const liveToken = await api.token('designer.marco');
    const { incidentId } = await raiseSignal(intake, {
      signalId: `it-contain-${Date.now()}`,
      kind: 'removed-user-access',
      at: adjustableClock.now().toISOString(),
      actor: { sub: 'u-des-marco', role: 'designer', accountId: 'caseline' },
      accountIds: [],
      orderIds: [],
    });
    // Act
    const byLab = await api.call('POST', `/incidents/${incidentId}/containment`, {
      as: 'lab.acme',
      body: { actorSub: 'u-des-marco' },
    });
    const wrongActor = await api.call('POST', `/incidents/${incidentId}/containment`, {
      as: 'officer.olivia',
      body: { actorSub: 'u-des-priya' },
    });
    const contained = await api.call<{
      designerDeactivated: boolean;
      sessionsRevoked: boolean;
      leasesReleased: string[];
    }>('POST', `/incidents/${incidentId}/containment`, {
      as: 'officer.olivia',
      body: { actorSub: 'u-des-marco' },
    });
    // Assess
    expect(byLab.status).toBe(403);
    expect(wrongActor.status).toBe(400);
    expect(contained.status).toBe(200);
    expectDescribed('POST /incidents/{incidentId}/containment', contained);
    expect(contained.body).toMatchObject({ designerDeactivated: true, sessionsRevoked: true });
    expect(contained.body.leasesReleased.sort()).toEqual(held.sort());
    expect((await api.call('GET', '/assignments', { token: liveToken })).status).toBe(401);
    const designers = await api.call<{ designers: { designerId: string; enabled: boolean }[] }>(
      'GET',
      '/designers',
      {
        as: 'operator.omar',
      },
    );
    expect(designers.body.designers.find((d) => d.designerId === 'u-des-marco')?.enabled).toBe(false);
    const claimAfter = await api.call<{ code: string }>('POST', '/queue/claim', { as: 'designer.marco' });
    expect([claimAfter.status, claimAfter.body.code]).toEqual([409, 'DESIGNER_INACTIVE']);
    for (const orderId of held) {
      const views = await Promise.all(
        ['lab.acme', 'lab.bright', 'lab.coast'].map((lab) => viewOf<{ status?: string }>(api, orderId, lab)),
      );
      expect(views.map((v) => v.status).filter(Boolean)).toEqual(['QUEUED']);
    }
    expect((await store.timeline(incidentId)).map((e) => e.type)).toContain('contained');
  });
});

describe('reading incidents, the register, the record of processing and the CLI', () => {
  it('officers and auditors read incidents, every scope read audited against the labs it touched; labs may not', async () => {
    // Act
    const list = await api.call<{ incidents: { incidentId: string }[] }>('GET', '/incidents?limit=100', {
      as: 'officer.olivia',
    });
    const one = await api.call<{
      scope: { accounts: { accountId: string }[] };
      timeline: { type: string }[];
    }>('GET', `/incidents/${designerIncident.incidentId}`, { as: 'auditor.ann' });
    const byLab = await api.call('GET', '/incidents', { as: 'lab.acme' });
    const byOperator = await api.call('GET', `/incidents/${designerIncident.incidentId}`, {
      as: 'operator.omar',
    });
    // Assess
    expect(list.body.incidents.map((i) => i.incidentId)).toContain(designerIncident.incidentId);
    expectDescribed('GET /incidents', list);
    expectDescribed('GET /incidents/{incidentId}', one);
    expect(one.body.scope.accounts.map((a) => a.accountId)).toEqual(['lab-acme', 'lab-bright']);
    expect(one.body.timeline.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'detected',
        'paged',
        'scoped',
        'triaged',
        'notice-sent',
        'notified',
        'acknowledged',
        'closed',
      ]),
    );
    expect([byLab.status, byOperator.status]).toEqual([403, 403]);
    const trail = await api.call<{ events: { action: string; actorSub: string; reason?: string }[] }>(
      'GET',
      '/audit/events?accountId=lab-bright&limit=100',
      { as: 'auditor.ann' },
    );
    expect(
      trail.body.events.filter(
        (e) =>
          e.action === 'incident.view' &&
          e.actorSub === 'u-aud-ann' &&
          e.reason === designerIncident.incidentId,
      ),
    ).toHaveLength(1);
  });

  it('the register keeps the closed incident with its summary and the date it is kept until', async () => {
    // Act
    const register = await api.call<{ incidents: Record<string, unknown>[] }>('GET', '/incidents/register', {
      as: 'auditor.ann',
    });
    // Assess
    expectDescribed('GET /incidents/register', register);
    const entry = register.body.incidents.find((i) => i.incidentId === designerIncident.incidentId);
    expect(entry).toMatchObject({
      status: 'CLOSED',
      decision: 'confirmed',
      accounts: ['lab-acme', 'lab-bright'],
      orderCount: 3,
      summary: 'Designer access revoked; both labs notified and acknowledged.',
    });
    expect(String(entry?.keptUntil).slice(0, 4)).toBe(
      String(new Date(String(entry?.closedAt)).getUTCFullYear() + 6),
    );
  });

  it("the account's record of processing lists the incident that touched it", async () => {
    // Act
    const record = await api.call<{ incidents: { recorded: { incidentId: string; decision: string }[] } }>(
      'GET',
      '/accounts/lab-bright/processing-record',
      { as: 'admin.bright' },
    );
    // Assess
    expect(record.status).toBe(200);
    expect(record.body.incidents.recorded).toEqual([
      expect.objectContaining({ incidentId: designerIncident.incidentId, decision: 'confirmed' }),
    ]);
  });

  it('caseline incidents and caseline notices, as an officer and a lab would', async () => {
    // Prepare
    const cli = async (username: string, ...args: string[]) => {
      const token = await api.token(username);
      try {
        const { stdout } = await run(process.execPath, [join(ROOT, 'cli', 'caseline.mjs'), ...args], {
          cwd: ROOT,
          env: { ...process.env, CASELINE_API: stack.apiUrl, CASELINE_HOME: home, CASELINE_TOKEN: token },
        });
        return { code: 0, stdout };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: `${e.stdout}${e.stderr}` };
      }
    };
    // Act
    const reported = await cli(
      'lab.bright',
      'incidents',
      'report',
      '--category',
      'sent-to-wrong-recipient',
      '--description',
      'A design file was e-mailed to the wrong clinic by mistake.',
    );
    const listed = await cli('officer.olivia', 'incidents', 'list');
    const shown = await cli('officer.olivia', 'incidents', 'show', designerIncident.incidentId);
    const notices = await cli('lab.acme', 'notices', 'list');
    const refused = await cli('lab.acme', 'incidents', 'list');
    // Assess
    expect(reported.code).toBe(0);
    expect(reported.stdout).toMatch(/^Opened incident inc_[0-9a-f]{28}: the privacy office was paged\./);
    expect(listed.stdout).toContain(`${designerIncident.incidentId}  CLOSED`);
    expect(JSON.parse(shown.stdout).incidentId).toBe(designerIncident.incidentId);
    expect(notices.stdout).toMatch(/ACKNOWLEDGED +1 order\(s\)|ACKNOWLEDGED +2 order\(s\)/);
    expect(refused.code).toBe(1);
  });
});

describe('logs', () => {
  it("the handlers' log lines of this whole file carry no patient reference, note or case number", () => {
    // The lines are there (the deadline sweep logs what it did on every run), and none holds a canary.
    expect(logLines.some((line) => line.includes('incident deadline sweep finished'))).toBe(true);
    const all = logLines.join('');
    for (const canary of [...PATIENT_CANARIES, 'PT-77399', 'PT-77400', NOTE_CANARY, CASE_CANARY, 'laptop'])
      expect(all).not.toContain(canary);
  });
});
