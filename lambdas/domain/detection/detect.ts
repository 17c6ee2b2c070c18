/**
 * Breach detection from the audit trail (issue 13 item 1): every run reads the audit events written
 * since its last position, by write order (the bySequence index, as the audit sealer does: one
 * counter read, the index from the last number on, one query per open hole; never a Scan), applies
 * them to small per-actor windows kept between runs, and raises a signal for each rule that fires
 * (thresholds: ./thresholds.ts). The incident intake (incidents/raise-signal.ts) does the rest.
 *
 * One run at a time: a lease on the detector's item (conditional write). Safe to repeat from any
 * point: window entries are keyed by write-order number (an event applied twice counts once), a
 * signal's id is its rule, actor and window start (a retried signal never opens a second incident),
 * and the position moves last, conditionally on the run's lease.
 */
import type { Role } from '../../../common/roles';
import type { Clock } from '../../kernel/clock';
import type { AuditRecord } from '../audit-digest';
import type { DesignerRegistry } from '../designers';
import type { Signal, SignalKind } from '../incidents/model';
import type { RaisedSignal } from '../incidents/raise-signal';
import type { IdGenerator } from '../ports';
import {
  AUDIT_FAILURE_THRESHOLD,
  AUDIT_FAILURE_WINDOW_MS,
  BULK_ACTIONS,
  BULK_CAPACITY_FACTOR,
  BULK_DELIVERED_ACTIONS,
  BULK_UNKNOWN_CAPACITY,
  BULK_WINDOW_MS,
  DETECT_HOLE_PATIENCE_MS,
  DETECT_LEASE_MS,
  DETECT_MAX_EVENT_AGE_MS,
  DETECT_MAX_HOLES,
  DETECT_MAX_PER_RUN,
  type DetectionRule,
  PROBING_REASONS,
  PROBING_THRESHOLD,
  PROBING_WINDOW_MS,
  REMOVED_MEMORY_MS,
  REMOVED_WINDOW_MS,
  WINDOW_MAX_ENTRIES,
  WINDOW_TTL_MS,
} from './thresholds';

/** The detector's position (the DETECTOR item of the audit sequence table). */
export interface DetectorPosition {
  /** The highest write-order number read. */
  readonly through: number;
  /** Numbers at or below `through` whose event was not visible yet: [seq, first missed (epoch ms)]. */
  readonly holes: readonly (readonly [number, number])[];
  /** Samples of the failed-appends counter: [epoch ms, total], the last AUDIT_FAILURE_WINDOW_MS and one before. */
  readonly failures: readonly (readonly [number, number])[];
  /** The counter's total when audit-write-failures last fired: failures up to it are accounted for. */
  readonly failuresFired?: number;
}

/** One window entry: [write-order number, event time (epoch ms), what it counts (an order, an account)]. */
export type WindowEntry = readonly [number, number, string];

/** A rule's state about one actor: compact, expired by TTL. */
export interface ActorWindow {
  readonly entries: readonly WindowEntry[];
  /** Entries before this time (epoch ms) were counted by a firing already. */
  readonly firedUntil?: number;
  /** removed-user-access: when the lab user was removed (epoch ms). */
  readonly removedAt?: number;
}

export interface DetectorStore {
  /** Takes the detector's lease unless another unexpired one is held; false when held. */
  takeLease(runId: string, now: Date, until: Date): Promise<boolean>;
  position(): Promise<DetectorPosition>;
  /** Moves the position, only if this run still holds the lease; gives the lease back. */
  commit(runId: string, next: DetectorPosition): Promise<boolean>;
  /** Audit appends that failed so far (the counter item's `failed`, best-effort by the failing function). */
  failedAppends(): Promise<number>;
  window(rule: DetectionRule, sub: string): Promise<ActorWindow | undefined>;
  saveWindow(rule: DetectionRule, sub: string, window: ActorWindow, expiresAt: number): Promise<void>;
}

export interface DetectDeps {
  readonly ledger: {
    counter(): Promise<number>;
    inSequence(from: number, through: number): Promise<AuditRecord[]>;
    atSequence(seq: number): Promise<AuditRecord | undefined>;
  };
  readonly detector: DetectorStore;
  readonly designers: Pick<DesignerRegistry, 'get'>;
  /** The incident intake (raiseSignal with its deps bound). */
  readonly raise: (signal: Signal) => Promise<RaisedSignal>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface DetectResult {
  readonly ran: boolean;
  readonly reason?: 'DETECTION_IN_PROGRESS';
  readonly events: number;
  readonly through: number;
  readonly holesOpen: number;
  readonly holesGivenUp: number;
  /** Events read but older than DETECT_MAX_EVENT_AGE_MS: not judged. */
  readonly stale: number;
  /** Signals raised, by rule (a repeated one counts again: the intake dedupes by id). */
  readonly signals: Readonly<Partial<Record<DetectionRule, number>>>;
}

export class DetectConflictError extends Error {
  override readonly name = 'DetectConflictError';
}

const nowMs = (deps: DetectDeps) => deps.clock.now().getTime();
const ms = (iso: unknown): number => (typeof iso === 'string' ? Date.parse(iso) : Number.NaN);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const LAB_ROLES = new Set(['lab', 'lab-admin']);
const STAFF_ACCOUNT = 'caseline';
const ACCOUNT = /^[a-z0-9][a-z0-9-]{1,62}$/;
const MAX_SIGNAL_IDS = 50;

/** The first burst: `threshold` distinct keys within `windowMs`, none before `firedUntil`. */
export const findBurst = (
  entries: readonly WindowEntry[],
  windowMs: number,
  threshold: number,
  firedUntil = Number.NEGATIVE_INFINITY,
): { start: number; end: number; keys: string[] } | undefined => {
  const list = entries.filter((e) => e[1] >= firedUntil).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const counts = new Map<string, number>();
  let i = 0;
  for (let j = 0; j < list.length; j++) {
    const [, at, key] = list[j] as WindowEntry;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    while (at - (list[i] as WindowEntry)[1] > windowMs) {
      const old = (list[i] as WindowEntry)[2];
      const left = (counts.get(old) ?? 1) - 1;
      if (left === 0) counts.delete(old);
      else counts.set(old, left);
      i++;
    }
    if (counts.size >= threshold)
      return { start: (list[i] as WindowEntry)[1], end: at, keys: [...counts.keys()] };
  }
  return undefined;
};

/** Adds entries (once each, by write-order number), keeps those a future window can still count. */
const merge = (window: ActorWindow, add: readonly WindowEntry[], windowMs: number): ActorWindow => {
  const bySeq = new Map<number, WindowEntry>();
  for (const e of [...window.entries, ...add]) bySeq.set(e[0], e);
  const all = [...bySeq.values()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const newest = all.at(-1)?.[1] ?? 0;
  const kept = all.filter((e) => e[1] >= newest - windowMs).slice(-WINDOW_MAX_ENTRIES);
  return { ...window, entries: kept };
};

interface Actor {
  readonly sub: string;
  readonly role: Role | 'none';
  readonly accountId: string;
}

const actorOf = (event: AuditRecord): Actor | undefined => {
  const sub = text(event.actorSub);
  const accountId = text(event.actorAccountId);
  if (!sub || !accountId) return undefined;
  return { sub, role: (text(event.actorRole) ?? 'none') as Role | 'none', accountId };
};

const signalIdOf = (rule: DetectionRule, who: string, windowStart: number) =>
  `det:${rule}:${who}:${iso(windowStart).replace(/[.]/g, '-')}`;

class Run {
  readonly signals: Partial<Record<DetectionRule, number>> = {};
  private readonly raised = new Set<string>();
  private readonly designers = new Map<
    string,
    { enabled: boolean; capacity: number; changedAt: number } | null
  >();
  private readonly removed = new Map<string, number | null>();

  constructor(
    private readonly deps: DetectDeps,
    private readonly now: number,
  ) {}

  async raise(rule: DetectionRule, signal: Omit<Signal, 'kind'>) {
    if (this.raised.has(signal.signalId)) return;
    this.raised.add(signal.signalId);
    await this.deps.raise({ ...signal, kind: rule as SignalKind });
    this.signals[rule] = (this.signals[rule] ?? 0) + 1;
  }

  async designer(sub: string) {
    if (!this.designers.has(sub)) {
      const d = await this.deps.designers.get(sub);
      this.designers.set(
        sub,
        d ? { enabled: d.enabled, capacity: d.capacity, changedAt: ms(d.updatedAt) } : null,
      );
    }
    return this.designers.get(sub) ?? undefined;
  }

  async removedAt(sub: string): Promise<number | undefined> {
    if (!this.removed.has(sub)) {
      const w = await this.deps.detector.window('removed-user-access', sub);
      this.removed.set(sub, w?.removedAt ?? null);
    }
    return this.removed.get(sub) ?? undefined;
  }

  async noteRemoval(sub: string, at: number) {
    const known = await this.removedAt(sub);
    if (known !== undefined && known <= at) return;
    this.removed.set(sub, at);
    await this.deps.detector.saveWindow(
      'removed-user-access',
      sub,
      { entries: [], removedAt: at },
      Math.floor((at + REMOVED_MEMORY_MS) / 1000),
    );
  }

  expiresAt(lastAt: number) {
    return Math.floor((Math.max(lastAt, this.now) + WINDOW_TTL_MS) / 1000);
  }
}

/** probing: refusals on other accounts' orders, or on ids that do not exist. */
const isRefusal = (e: AuditRecord) =>
  e.outcome === 'DENIED' && PROBING_REASONS.includes(String(e.reason ?? ''));

/** bulk-access: a designer handed an order's inputs. */
const isHandOut = (e: AuditRecord) =>
  e.outcome === 'ALLOWED' &&
  e.actorRole === 'designer' &&
  BULK_ACTIONS.includes(String(e.action)) &&
  typeof e.orderId === 'string';

/** bulk-access: a designer handed its design in for an order: that order's inputs were work done. */
const isHandIn = (e: AuditRecord) =>
  e.outcome === 'ALLOWED' &&
  e.actorRole === 'designer' &&
  BULK_DELIVERED_ACTIONS.includes(String(e.action)) &&
  typeof e.orderId === 'string';

const probing = async (run: Run, deps: DetectDeps, actor: Actor, events: readonly AuditRecord[]) => {
  const stored = (await deps.detector.window('probing', actor.sub)) ?? { entries: [] };
  // The key is the refused account (or '' for the actor's own, an id that does not exist); every
  // refusal counts, so the count is of entries: keys are made unique by the write-order number.
  const add = events.map((e): WindowEntry => [e.seq, ms(e.at), `${e.seq}|${e.accountId}`]);
  let window = merge(stored, add, PROBING_WINDOW_MS);
  for (;;) {
    const burst = findBurst(window.entries, PROBING_WINDOW_MS, PROBING_THRESHOLD, window.firedUntil);
    if (!burst) break;
    const targets = [
      ...new Set(
        burst.keys
          .map((k) => k.slice(k.indexOf('|') + 1))
          .filter((a) => a !== actor.accountId && a !== STAFF_ACCOUNT && ACCOUNT.test(a)),
      ),
    ].slice(0, MAX_SIGNAL_IDS);
    await run.raise('probing', {
      signalId: signalIdOf('probing', actor.sub, burst.start),
      at: iso(burst.end),
      actor,
      accountIds: targets.sort(),
      orderIds: [],
      detail: {
        rule: 'probing',
        refusals: burst.keys.length,
        threshold: PROBING_THRESHOLD,
        windowMinutes: PROBING_WINDOW_MS / 60_000,
        windowStart: iso(burst.start),
      },
    });
    window = { ...window, firedUntil: burst.start + PROBING_WINDOW_MS };
  }
  const last = window.entries.at(-1)?.[1] ?? nowMs(deps);
  await deps.detector.saveWindow('probing', actor.sub, window, run.expiresAt(last));
};

const bulk = async (
  run: Run,
  deps: DetectDeps,
  actor: Actor,
  events: readonly AuditRecord[],
  delivered: ReadonlySet<string>,
) => {
  const designer = await run.designer(actor.sub);
  const capacity = designer?.capacity ?? BULK_UNKNOWN_CAPACITY;
  const limit = capacity * BULK_CAPACITY_FACTOR;
  const stored = (await deps.detector.window('bulk-access', actor.sub)) ?? { entries: [] };
  if (events.length === 0 && stored.entries.length === 0) return;
  const add = events.map((e): WindowEntry => [e.seq, ms(e.at), String(e.orderId)]);
  let window = merge(stored, add, BULK_WINDOW_MS);
  // An order whose design the designer handed in was work, not harvest: its fetches leave the window.
  if (delivered.size > 0)
    window = { ...window, entries: window.entries.filter((en) => !delivered.has(en[2])) };
  for (;;) {
    const burst = findBurst(window.entries, BULK_WINDOW_MS, limit + 1, window.firedUntil);
    if (!burst) break;
    await run.raise('bulk-access', {
      signalId: signalIdOf('bulk-access', actor.sub, burst.start),
      at: iso(burst.end),
      actor,
      accountIds: [],
      orderIds: [],
      detail: {
        rule: 'bulk-access',
        orders: burst.keys.length,
        capacity,
        limit,
        windowMinutes: BULK_WINDOW_MS / 60_000,
        windowStart: iso(burst.start),
      },
    });
    window = { ...window, firedUntil: burst.start + BULK_WINDOW_MS };
  }
  const last = window.entries.at(-1)?.[1] ?? nowMs(deps);
  await deps.detector.saveWindow('bulk-access', actor.sub, window, run.expiresAt(last));
};

/** removed-user-access: the event's actor was deactivated or removed before the event. */
const removedAccess = async (run: Run, actor: Actor, event: AuditRecord) => {
  if (event.outcome !== 'ALLOWED') return;
  const at = ms(event.at);
  let gone = false;
  let why = '';
  if (actor.role === 'designer') {
    const designer = await run.designer(actor.sub);
    if (!designer) [gone, why] = [true, 'NOT_REGISTERED'];
    else if (!designer.enabled && at > designer.changedAt) [gone, why] = [true, 'DEACTIVATED'];
  } else if (LAB_ROLES.has(actor.role)) {
    const removedAt = await run.removedAt(actor.sub);
    if (removedAt !== undefined && at > removedAt) [gone, why] = [true, 'REMOVED'];
  }
  if (!gone) return;
  const start = Math.floor(at / REMOVED_WINDOW_MS) * REMOVED_WINDOW_MS;
  const owner = text(event.accountId);
  await run.raise('removed-user-access', {
    signalId: signalIdOf('removed-user-access', actor.sub, start),
    at: iso(at),
    actor,
    accountIds: owner && owner !== STAFF_ACCOUNT && ACCOUNT.test(owner) ? [owner] : [],
    orderIds: [],
    detail: {
      rule: 'removed-user-access',
      registry: why,
      action: String(event.action),
      windowStart: iso(start),
    },
  });
};

/** audit-write-failures: the failed-appends counter's growth over the window. */
const auditFailures = async (run: Run, deps: DetectDeps, position: DetectorPosition, now: number) => {
  const total = await deps.detector.failedAppends();
  const samples = [...position.failures, [now, total] as const].sort((a, b) => a[0] - b[0]);
  const horizon = now - AUDIT_FAILURE_WINDOW_MS;
  // The baseline: the last sample at or before the window's start, else the oldest one.
  const before = samples.filter((s) => s[0] <= horizon);
  const baseline = before.at(-1) ?? samples[0] ?? ([now, total] as const);
  const from = Math.max(baseline[1], position.failuresFired ?? Number.NEGATIVE_INFINITY);
  let fired = position.failuresFired;
  if (total - from >= AUDIT_FAILURE_THRESHOLD) {
    await run.raise('audit-write-failures', {
      signalId: signalIdOf('audit-write-failures', 'audit-log', baseline[0]),
      at: iso(now),
      resource: 'caseline:audit-log',
      accountIds: [],
      orderIds: [],
      detail: {
        rule: 'audit-write-failures',
        failures: total - from,
        threshold: AUDIT_FAILURE_THRESHOLD,
        windowMinutes: AUDIT_FAILURE_WINDOW_MS / 60_000,
        windowStart: iso(Math.max(baseline[0], horizon)),
      },
    });
    fired = total;
  }
  const kept = [
    ...(before.length ? [before.at(-1) as readonly [number, number]] : []),
    ...samples.filter((s) => s[0] > horizon),
  ];
  return { failures: kept, ...(fired !== undefined ? { failuresFired: fired } : {}) };
};

export const detectBreaches = async (deps: DetectDeps): Promise<DetectResult> => {
  const nowDate = deps.clock.now();
  const now = nowDate.getTime();
  const runId = deps.ids.next('detect');
  if (!(await deps.detector.takeLease(runId, nowDate, new Date(now + DETECT_LEASE_MS)))) {
    return {
      ran: false,
      reason: 'DETECTION_IN_PROGRESS',
      events: 0,
      through: 0,
      holesOpen: 0,
      holesGivenUp: 0,
      stale: 0,
      signals: {},
    };
  }
  const position = await deps.detector.position();
  const counter = await deps.ledger.counter();
  const from = position.through + 1;
  const through = Math.max(position.through, Math.min(counter, position.through + DETECT_MAX_PER_RUN));

  const fresh = through >= from ? await deps.ledger.inSequence(from, through) : [];
  const present = new Set(fresh.map((e) => e.seq));
  const filled: AuditRecord[] = [];
  const holes: (readonly [number, number])[] = [];
  let givenUp = 0;
  for (const hole of position.holes) {
    const event = await deps.ledger.atSequence(hole[0]);
    if (event) filled.push(event);
    else if (now - hole[1] > DETECT_HOLE_PATIENCE_MS) givenUp++;
    else holes.push(hole);
  }
  for (let seq = from; seq <= through; seq++) if (!present.has(seq)) holes.push([seq, now]);
  if (holes.length > DETECT_MAX_HOLES) givenUp += holes.splice(0, holes.length - DETECT_MAX_HOLES).length;
  const events = [...filled, ...fresh].sort((a, b) => a.seq - b.seq);

  const run = new Run(deps, now);
  const refusals = new Map<string, { actor: Actor; events: AuditRecord[] }>();
  const handOuts = new Map<string, { actor: Actor; events: AuditRecord[] }>();
  const handIns = new Map<string, { actor: Actor; orders: Set<string> }>();
  const add = (map: typeof refusals, actor: Actor, e: AuditRecord) => {
    const found = map.get(actor.sub) ?? { actor, events: [] };
    found.events.push(e);
    map.set(actor.sub, found);
  };
  let stale = 0;
  for (const event of events) {
    const actor = actorOf(event);
    if (!actor || !Number.isFinite(ms(event.at))) continue;
    if (now - ms(event.at) > DETECT_MAX_EVENT_AGE_MS) {
      stale++;
      continue;
    }
    // A removal is noted before the events after it are judged (write order).
    if (event.action === 'account.user-remove' && event.outcome === 'ALLOWED' && text(event.targetSub))
      await run.noteRemoval(String(event.targetSub), ms(event.at));
    await removedAccess(run, actor, event);
    if (isRefusal(event)) add(refusals, actor, event);
    if (isHandOut(event)) add(handOuts, actor, event);
    if (isHandIn(event)) {
      const known = handIns.get(actor.sub) ?? { actor, orders: new Set<string>() };
      known.orders.add(String(event.orderId));
      handIns.set(actor.sub, known);
    }
  }
  for (const { actor, events: list } of refusals.values()) await probing(run, deps, actor, list);
  for (const sub of new Set([...handOuts.keys(), ...handIns.keys()])) {
    const actor = handOuts.get(sub)?.actor ?? handIns.get(sub)?.actor;
    if (actor)
      await bulk(run, deps, actor, handOuts.get(sub)?.events ?? [], handIns.get(sub)?.orders ?? new Set());
  }
  const failures = await auditFailures(run, deps, position, now);

  const next: DetectorPosition = { through, holes, ...failures };
  if (!(await deps.detector.commit(runId, next))) {
    throw new DetectConflictError('The breach detector lost its lease before committing its position');
  }
  return {
    ran: true,
    events: events.length,
    through,
    holesOpen: holes.length,
    holesGivenUp: givenUp,
    stale,
    signals: run.signals,
  };
};
