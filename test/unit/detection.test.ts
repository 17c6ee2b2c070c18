/**
 * Breach detection from the audit trail (domain/detection/detect.ts) on in-memory ports: each rule
 * fires on its pattern and stays silent just under its threshold; windows survive between runs;
 * a repeated run raises the same signal (one incident); reads grow with the new events only.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambdas/domain/audit';
import { type DetectDeps, detectBreaches, findBurst } from '../../lambdas/domain/detection/detect';
import {
  AUDIT_FAILURE_THRESHOLD,
  BULK_CAPACITY_FACTOR,
  BULK_WINDOW_MS,
  DETECT_LEASE_MS,
  DETECT_MAX_EVENT_AGE_MS,
  PROBING_THRESHOLD,
  PROBING_WINDOW_MS,
} from '../../lambdas/domain/detection/thresholds';
import type { Signal } from '../../lambdas/domain/incidents/model';
import { raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { FakeClock } from '../../lambdas/kernel/clock';
import { countingFailures } from '../../lambdas/runtime/wiring/audit';
import { MemoryDetector, SequencedAudit } from '../support/detection-fakes';
import { MemoryDesigners } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow } from '../support/incident-fakes';

let n = 0;
const setup = () => {
  const clock = new FakeClock(new Date('2026-01-05T09:00:00.000Z'));
  const audit = new SequencedAudit();
  const detector = new MemoryDetector();
  const designers = new MemoryDesigners();
  designers.add('u-des-priya', ['crown'], 2);
  const raised: Signal[] = [];
  const deps: DetectDeps = {
    ledger: audit,
    detector,
    designers,
    raise: async (signal) => {
      raised.push(signal);
      return { incidentId: `inc-${signal.signalId}`, opened: true, duplicate: false };
    },
    clock,
    ids: { next: (p) => `${p}_${++n}` },
  };
  /** An audit event at the clock's time plus `offsetMs`. */
  const write = (overrides: Partial<AuditEvent>, offsetMs = 0, opts: { hidden?: boolean } = {}) =>
    audit.append(
      {
        eventId: `aud_${++n}`,
        at: new Date(clock.now().getTime() + offsetMs).toISOString(),
        accountId: 'lab-acme',
        actorSub: 'u-lab-acme',
        actorRole: 'lab',
        actorAccountId: 'lab-acme',
        action: 'order.view',
        outcome: 'ALLOWED',
        sourceIp: '203.0.113.9',
        ...overrides,
      },
      opts,
    );
  return { clock, audit, detector, designers, raised, deps, write };
};

/** A designer refused on another lab's order (or an id that does not exist). */
const refusal = (i: number, reason = 'NOT_ASSIGNEE'): Partial<AuditEvent> => ({
  accountId: i % 2 ? 'lab-bright' : 'lab-acme',
  actorSub: 'u-des-priya',
  actorRole: 'designer',
  actorAccountId: 'caseline',
  action: 'assignment.inputs',
  outcome: 'DENIED',
  orderId: `ord_probe${i}`,
  reason,
});

const handOut = (orderId: string): Partial<AuditEvent> => ({
  accountId: 'lab-acme',
  actorSub: 'u-des-priya',
  actorRole: 'designer',
  actorAccountId: 'caseline',
  action: 'assignment.inputs',
  outcome: 'ALLOWED',
  orderId,
  fileId: 'f1',
});

const handIn = (orderId: string): Partial<AuditEvent> => ({
  ...handOut(orderId),
  action: 'assignment.submit',
  fileId: undefined,
});

describe('findBurst', () => {
  it('counts distinct keys within the window, after the last firing', () => {
    const entries = [
      [1, 0, 'a'],
      [2, 1_000, 'b'],
      [3, 2_000, 'a'],
      [4, 10_000, 'c'],
    ] as const;
    expect(findBurst(entries, 5_000, 2)).toEqual({ start: 0, end: 1_000, keys: ['a', 'b'] });
    expect(findBurst(entries, 5_000, 3)).toBeUndefined();
    expect(findBurst(entries, 10_000, 3)?.keys.sort()).toEqual(['a', 'b', 'c']);
    expect(findBurst(entries, 10_000, 3, 1_001)).toBeUndefined();
  });
});

describe('probing', () => {
  it(`fires on ${PROBING_THRESHOLD} refusals within ${PROBING_WINDOW_MS / 60_000} minutes, with ids only`, async () => {
    // Prepare
    const { deps, write, raised } = setup();
    for (let i = 0; i < PROBING_THRESHOLD; i++)
      write(refusal(i, i === 0 ? 'NOT_FOUND' : 'NOT_ASSIGNEE'), i * 60_000);
    // Act
    const result = await detectBreaches(deps);
    // Assess
    expect(result.signals).toEqual({ probing: 1 });
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'probing',
      signalId: 'det:probing:u-des-priya:2026-01-05T09:00:00-000Z',
      actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
      accountIds: ['lab-acme', 'lab-bright'],
      orderIds: [],
      detail: { rule: 'probing', refusals: PROBING_THRESHOLD, threshold: PROBING_THRESHOLD },
    });
    expect(JSON.stringify(raised[0])).not.toContain('ord_probe');
  });

  it('stays silent one refusal under the threshold, and when the refusals are spread wider than the window', async () => {
    // Prepare
    const under = setup();
    for (let i = 0; i < PROBING_THRESHOLD - 1; i++) under.write(refusal(i), i * 1_000);
    const spread = setup();
    const step = PROBING_WINDOW_MS / (PROBING_THRESHOLD - 1) + 1_000;
    for (let i = 0; i < PROBING_THRESHOLD; i++) spread.write(refusal(i), i * step);
    // Act
    await detectBreaches(under.deps);
    await detectBreaches(spread.deps);
    // Assess
    expect(under.raised).toEqual([]);
    expect(spread.raised).toEqual([]);
  });

  it('a pattern long past, read by a first run over an old trail, opens nothing', async () => {
    // Prepare
    const { deps, write, raised } = setup();
    for (let i = 0; i < PROBING_THRESHOLD * 2; i++) write(refusal(i), -DETECT_MAX_EVENT_AGE_MS - 60_000 + i);
    // Act
    const result = await detectBreaches(deps);
    // Assess
    expect(result.stale).toBe(PROBING_THRESHOLD * 2);
    expect(raised).toEqual([]);
  });

  it('refusals of other kinds (wrong state, wrong role) are not probing', async () => {
    // Prepare
    const { deps, write, raised } = setup();
    for (let i = 0; i < PROBING_THRESHOLD * 2; i++)
      write(refusal(i, i % 2 ? 'WRONG_STATE' : 'WRONG_ROLE'), i);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toEqual([]);
  });

  it('counts across runs (the window survives), once per event, and fires once per window', async () => {
    // Prepare
    const { deps, write, raised, clock } = setup();
    for (let i = 0; i < PROBING_THRESHOLD - 2; i++) write(refusal(i), i * 1_000);
    await detectBreaches(deps);
    clock.advance(60_000);
    // Act
    write(refusal(10));
    write(refusal(11));
    await detectBreaches(deps);
    write(refusal(12));
    await detectBreaches(deps);
    // Assess
    expect(raised.map((s) => s.kind)).toEqual(['probing']);
  });

  it('a run that fails midway is done again by the next: the same signal, one incident, one workflow', async () => {
    // Prepare
    const { deps, write, detector, clock } = setup();
    const incidents = new MemoryIncidents();
    const incidentWorkflow = new MemoryIncidentWorkflow();
    const intake = { incidents, incidentWorkflow, clock, ids: deps.ids };
    const real: DetectDeps = { ...deps, raise: (signal) => raiseSignal(intake, signal) };
    for (let i = 0; i < PROBING_THRESHOLD; i++) write(refusal(i), i * 1_000);
    incidentWorkflow.failNext = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    // Act
    await expect(detectBreaches(real)).rejects.toThrow('throttled');
    clock.advance(DETECT_LEASE_MS + 1); // the failed run's lease runs out
    const again = await detectBreaches(real);
    detector.loseLease = true;
    write(refusal(99));
    clock.advance(60_000);
    await expect(detectBreaches(real)).rejects.toThrow('lost its lease');
    detector.loseLease = false;
    clock.advance(DETECT_LEASE_MS + 1);
    const third = await detectBreaches(real);
    // Assess
    expect(again.signals).toEqual({ probing: 1 });
    expect(third.signals).toEqual({});
    expect(incidents.incidents.size).toBe(1);
    expect(incidentWorkflow.started).toHaveLength(1);
    expect(detector.stored.through).toBe(PROBING_THRESHOLD + 1);
  });
});

describe('bulk access', () => {
  const limit = 2 * BULK_CAPACITY_FACTOR; // u-des-priya's capacity is 2

  it(`fires when a designer gets the inputs of more than capacity x ${BULK_CAPACITY_FACTOR} orders within the window`, async () => {
    // Prepare
    const { deps, write, raised } = setup();
    for (let i = 0; i <= limit; i++) write(handOut(`ord_${i}`), (i * BULK_WINDOW_MS) / (limit + 2));
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'bulk-access',
      actor: { sub: 'u-des-priya', role: 'designer' },
      orderIds: [],
      detail: { rule: 'bulk-access', orders: limit + 1, capacity: 2, limit },
    });
  });

  it('stays silent for a fast designer who hands a design in for every order it fetched', async () => {
    // Prepare: three times the limit fetched and delivered within minutes, across two runs.
    const { deps, write, raised, clock } = setup();
    for (let i = 0; i < 3 * limit; i++) {
      write(handOut(`ord_${i}`), i * 10_000);
      if (i % 2 === 0) write(handIn(`ord_${i}`), i * 10_000 + 5_000);
      if (i === limit) {
        await detectBreaches(deps);
        clock.advance(60_000);
      }
    }
    for (let i = 1; i < 3 * limit; i += 2) write(handIn(`ord_${i}`), 1_000);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toEqual([]);
  });

  it('fires when the orders fetched beyond the limit were not handed in (fetched and let go)', async () => {
    // Prepare: the limit delivered, then limit + 1 fetched and not delivered.
    const { deps, write, raised } = setup();
    for (let i = 0; i < limit; i++) {
      write(handOut(`ord_done${i}`), i * 1_000);
      write(handIn(`ord_done${i}`), i * 1_000 + 500);
    }
    for (let i = 0; i <= limit; i++) write(handOut(`ord_${i}`), 60_000 + i * 1_000);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ kind: 'bulk-access', detail: { orders: limit + 1 } });
  });

  it('stays silent at the limit, however often the same orders are fetched', async () => {
    // Prepare
    const { deps, write, raised } = setup();
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < limit; i++) write(handOut(`ord_${i}`), round * 60_000 + i * 1_000);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toEqual([]);
  });
});

describe('access by a deactivated or removed user', () => {
  it('fires on a designer’s access after its deactivation, not before it', async () => {
    // Prepare
    const { deps, write, raised, designers, clock } = setup();
    write(handOut('ord_before'));
    await detectBreaches(deps);
    clock.advance(60_000);
    write(handOut('ord_same_minute'), -30_000); // before the deactivation, read after it
    await designers.update('u-des-priya', { enabled: false }, clock.now().toISOString());
    write(handOut('ord_after'), 1_000);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      kind: 'removed-user-access',
      actor: { sub: 'u-des-priya' },
      accountIds: ['lab-acme'],
      detail: { registry: 'DEACTIVATED', action: 'assignment.inputs' },
    });
  });

  it('fires on a designer the registry does not list', async () => {
    // Prepare
    const { deps, write, raised } = setup();
    write({ ...handOut('ord_1'), actorSub: 'u-des-ghost' });
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised.map((s) => [s.kind, s.actor?.sub, s.detail?.registry])).toEqual([
      ['removed-user-access', 'u-des-ghost', 'NOT_REGISTERED'],
    ]);
  });

  it('fires on a lab user’s access after its removal (remembered between runs), not before it', async () => {
    // Prepare
    const { deps, write, raised, clock } = setup();
    write({ actorSub: 'u-lab-bob' }); // before the removal
    write(
      {
        actorSub: 'u-lab-admin',
        actorRole: 'lab-admin',
        action: 'account.user-remove',
        targetSub: 'u-lab-bob',
      },
      1_000,
    );
    await detectBreaches(deps);
    expect(raised).toEqual([]);
    clock.advance(120_000);
    // Act
    write({ actorSub: 'u-lab-bob', orderId: 'ord_1' });
    await detectBreaches(deps);
    // Assess
    expect(raised.map((s) => [s.kind, s.actor?.sub, s.detail?.registry])).toEqual([
      ['removed-user-access', 'u-lab-bob', 'REMOVED'],
    ]);
  });
});

describe('audit writes failing', () => {
  it(`fires on ${AUDIT_FAILURE_THRESHOLD} failed appends within the window, silent on one fewer`, async () => {
    // Prepare
    const fires = setup();
    const silent = setup();
    for (const s of [fires, silent]) await detectBreaches(s.deps); // the baseline
    fires.detector.failed += AUDIT_FAILURE_THRESHOLD;
    silent.detector.failed += AUDIT_FAILURE_THRESHOLD - 1;
    for (const s of [fires, silent]) s.clock.advance(60_000);
    // Act
    await detectBreaches(fires.deps);
    await detectBreaches(silent.deps);
    fires.clock.advance(60_000);
    await detectBreaches(fires.deps); // the same failures are not counted twice
    // Assess
    expect(silent.raised).toEqual([]);
    expect(fires.raised).toHaveLength(1);
    expect(fires.raised[0]).toMatchObject({
      kind: 'audit-write-failures',
      resource: 'caseline:audit-log',
      detail: { failures: AUDIT_FAILURE_THRESHOLD },
    });
    expect(fires.raised[0]?.actor).toBeUndefined();
  });

  it('failures older than the window do not add up with new ones', async () => {
    // Prepare
    const { deps, detector, clock, raised } = setup();
    await detectBreaches(deps);
    detector.failed += AUDIT_FAILURE_THRESHOLD - 1;
    clock.advance(60_000);
    await detectBreaches(deps);
    clock.advance(11 * 60_000);
    await detectBreaches(deps);
    detector.failed += 1;
    clock.advance(60_000);
    // Act
    await detectBreaches(deps);
    // Assess
    expect(raised).toEqual([]);
  });
});

describe('the failed-appends count the rule reads', () => {
  it('a failed append is counted on the counter item, and the caller still fails closed with the append’s error', async () => {
    // Prepare
    let counted = 0;
    const refused = new Error('throttled');
    const log = countingFailures({
      append: async () => Promise.reject(refused),
      countFailure: async () => {
        counted++;
      },
    });
    const alsoDown = countingFailures({
      append: async () => Promise.reject(refused),
      countFailure: async () => Promise.reject(new Error('down too')),
    });
    const event = { eventId: 'aud_1' } as unknown as AuditEvent;
    // Act
    const first = log.append(event).catch((e: unknown) => e);
    const second = alsoDown.append(event).catch((e: unknown) => e);
    // Assess
    expect(await first).toBe(refused);
    expect(await second).toBe(refused);
    expect(counted).toBe(1);
  });
});

describe('one run at a time, reading only what is new', () => {
  it('skips while another run holds the lease', async () => {
    // Prepare
    const { deps, write, detector, clock, audit } = setup();
    write(refusal(1));
    await detector.takeLease('other', clock.now(), new Date(clock.now().getTime() + 60_000));
    // Act
    const result = await detectBreaches(deps);
    // Assess
    expect(result).toMatchObject({ ran: false, reason: 'DETECTION_IN_PROGRESS' });
    expect(audit.reads).toBe(0);
  });

  it('an event not visible yet (a hole) is read by a later run and counted', async () => {
    // Prepare
    const { deps, write, audit, raised } = setup();
    for (let i = 0; i < PROBING_THRESHOLD; i++) write(refusal(i), i * 1_000, { hidden: i === 2 });
    const first = await detectBreaches(deps);
    audit.hidden.clear();
    // Act
    const second = await detectBreaches(deps);
    // Assess
    expect(first).toMatchObject({ holesOpen: 1, signals: {} });
    expect(second).toMatchObject({ holesOpen: 0, events: 1, signals: { probing: 1 } });
    expect(raised).toHaveLength(1);
  });

  it('reads grow with the new events, not with the trail', async () => {
    // Prepare
    const { deps, write, audit } = setup();
    for (let i = 0; i < 10_000; i++) write({ orderId: `ord_${i % 50}` }, i);
    await detectBreaches(deps);
    await detectBreaches(deps);
    audit.reads = 0;
    for (let i = 0; i < 10; i++) write({ orderId: `ord_${i}` });
    // Act
    const result = await detectBreaches(deps);
    // Assess
    expect(result.events).toBe(10);
    expect(audit.reads).toBe(10);
  });
});
