/**
 * In-memory ports of the incident process (domain/incidents/model.ts), held to what the DynamoDB
 * adapter does: conditional writes on status and expected attributes, idempotent signal keys and
 * notices, the join key's window; the audit trail read by actor like the byActor index.
 */
import type { AuditEvent } from '../../lambdas/domain/audit';
import type { AuditRecord } from '../../lambdas/domain/audit-digest';
import type { AuditTrail, TrailPage, TrailQuery } from '../../lambdas/domain/audit-trail';
import type {
  Incident,
  IncidentStatus,
  IncidentStore,
  IncidentWorkflow,
  Notice,
  NoticeStatus,
  Signal,
  TimelineEntry,
} from '../../lambdas/domain/incidents/model';
import { TaskTokenRefusedError } from '../../lambdas/kernel/errors';

const matches = (item: Record<string, unknown>, expect: Readonly<Record<string, string | null>>) =>
  Object.entries(expect).every(([k, v]) => (v === null ? item[k] === undefined : item[k] === v));

const apply = <T extends object>(item: T, changes: object, remove: readonly string[]): T => {
  const next = { ...item } as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) next[k] = v;
  for (const k of remove) delete next[k];
  return next as T;
};

export class MemoryIncidents implements IncidentStore {
  readonly signalKeys = new Map<string, { incidentId?: string }>();
  readonly joinKeys = new Map<string, { incidentId: string; until: string }>();
  readonly incidents = new Map<string, Incident>();
  readonly signalItems = new Map<string, Map<string, Signal>>();
  readonly entries = new Map<string, TimelineEntry[]>();
  readonly noticeItems = new Map<string, Notice>();

  async recordSignal(signal: Signal) {
    const found = this.signalKeys.get(signal.signalId);
    if (found)
      return found.incidentId
        ? { seen: true as const, incidentId: found.incidentId }
        : { seen: true as const };
    this.signalKeys.set(signal.signalId, {});
    return { seen: false as const };
  }
  async assignSignal(signalId: string, incidentId: string) {
    this.signalKeys.set(signalId, { incidentId });
  }
  async takeJoinKey(key: string, incidentId: string, until: string, now: string) {
    const held = this.joinKeys.get(key);
    if (!held || held.incidentId === incidentId || held.until < now) {
      this.joinKeys.set(key, { incidentId, until });
      return { taken: true as const };
    }
    return { taken: false as const, incidentId: held.incidentId };
  }
  async releaseJoinKey(key: string, incidentId: string) {
    if (this.joinKeys.get(key)?.incidentId === incidentId) this.joinKeys.delete(key);
  }
  async create(incident: Incident) {
    if (this.incidents.has(incident.incidentId)) return false;
    this.incidents.set(incident.incidentId, incident);
    return true;
  }
  async get(incidentId: string) {
    return this.incidents.get(incidentId);
  }
  async update(
    incidentId: string,
    fromStatuses: readonly IncidentStatus[],
    changes: Partial<Incident>,
    options: { remove?: readonly (keyof Incident)[]; expect?: Readonly<Record<string, string | null>> } = {},
  ) {
    const current = this.incidents.get(incidentId);
    if (!current || !fromStatuses.includes(current.status)) return undefined;
    if (!matches(current as unknown as Record<string, unknown>, options.expect ?? {})) return undefined;
    const next = apply(current, changes, options.remove ?? []);
    this.incidents.set(incidentId, next);
    return next;
  }
  async addSignal(incidentId: string, signal: Signal) {
    const map = this.signalItems.get(incidentId) ?? new Map<string, Signal>();
    map.set(signal.signalId, signal);
    this.signalItems.set(incidentId, map);
  }
  async signals(incidentId: string) {
    return [...(this.signalItems.get(incidentId)?.values() ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  }
  async addTimeline(incidentId: string, entry: TimelineEntry) {
    this.entries.set(incidentId, [...(this.entries.get(incidentId) ?? []), entry]);
  }
  async timeline(incidentId: string) {
    return [...(this.entries.get(incidentId) ?? [])];
  }
  async list(limit: number, cursor?: string) {
    const all = [...this.incidents.values()].sort(
      (a, b) => b.discoveredAt.localeCompare(a.discoveredAt) || b.incidentId.localeCompare(a.incidentId),
    );
    const start = cursor ? all.findIndex((i) => i.incidentId === cursor) + 1 : 0;
    const page = all.slice(start, start + limit);
    const last = page.at(-1);
    return { incidents: page, ...(start + limit < all.length && last ? { cursor: last.incidentId } : {}) };
  }
  private key(incidentId: string, accountId: string) {
    return `${incidentId}/${accountId}`;
  }
  async createNotice(notice: Notice) {
    const key = this.key(notice.incidentId, notice.accountId);
    if (this.noticeItems.has(key)) return false;
    this.noticeItems.set(key, notice);
    return true;
  }
  async notice(incidentId: string, accountId: string) {
    return this.noticeItems.get(this.key(incidentId, accountId));
  }
  async notices(incidentId: string) {
    return [...this.noticeItems.values()].filter((n) => n.incidentId === incidentId);
  }
  async updateNotice(
    incidentId: string,
    accountId: string,
    fromStatuses: readonly NoticeStatus[],
    changes: Partial<Notice>,
    options: { remove?: readonly (keyof Notice)[]; expect?: Readonly<Record<string, string | null>> } = {},
  ) {
    const key = this.key(incidentId, accountId);
    const current = this.noticeItems.get(key);
    if (!current || !fromStatuses.includes(current.status)) return undefined;
    if (!matches(current as unknown as Record<string, unknown>, options.expect ?? {})) return undefined;
    const next = apply(current, changes, options.remove ?? []);
    this.noticeItems.set(key, next);
    return next;
  }
  async noticesByAccount(accountId: string, limit: number) {
    return [...this.noticeItems.values()]
      .filter((n) => n.accountId === accountId)
      .sort((a, b) => b.noticeId.localeCompare(a.noticeId))
      .slice(0, limit);
  }
  async noticeOfAccount(accountId: string, noticeId: string) {
    return [...this.noticeItems.values()].find((n) => n.accountId === accountId && n.noticeId === noticeId);
  }
  async noticesDue(cutoff: string, limit: number) {
    return [...this.noticeItems.values()]
      .filter((n) => n.nextCheckAt !== undefined && n.nextCheckAt <= cutoff)
      .sort((a, b) => (a.nextCheckAt ?? '').localeCompare(b.nextCheckAt ?? ''))
      .slice(0, limit)
      .map((n) => ({ incidentId: n.incidentId, accountId: n.accountId }));
  }
}

/** Step Functions for incidents: executions by name (started once), tokens completed once. */
export class MemoryIncidentWorkflow implements IncidentWorkflow {
  readonly started: string[] = [];
  readonly completed: { token: string; output: Readonly<Record<string, string>> }[] = [];
  readonly lost = new Set<string>();
  failNext?: Error;
  async start(incidentId: string) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    if (!this.started.includes(incidentId)) this.started.push(incidentId);
  }
  /** Re-scope executions started, one per joined signal (a second start is the same one). */
  readonly rescopes: { incidentId: string; signalId: string }[] = [];
  async rescope(incidentId: string, signalId: string) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    if (!this.rescopes.some((r) => r.incidentId === incidentId && r.signalId === signalId))
      this.rescopes.push({ incidentId, signalId });
  }
  async completeTask(token: string, output: Readonly<Record<string, string>>) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    if (this.lost.has(token)) throw new TaskTokenRefusedError('TaskDoesNotExist');
    if (this.completed.some((c) => c.token === token)) throw new TaskTokenRefusedError('TaskTimedOut');
    this.completed.push({ token, output });
  }
}

/** The audit trail's byActor reads over a list of events (the MemoryAudit's, typically). */
export class MemoryTrail implements Pick<AuditTrail, 'page'> {
  reads = 0;
  constructor(private readonly events: () => readonly AuditEvent[]) {}
  async page(query: TrailQuery): Promise<TrailPage> {
    this.reads++;
    const all = this.events()
      .filter(
        (e) =>
          (query.actor === undefined || e.actorSub === query.actor) &&
          (query.accountId === undefined || e.accountId === query.accountId) &&
          e.at >= query.from &&
          e.at <= query.to,
      )
      .sort((a, b) => `${a.at}#${a.eventId}`.localeCompare(`${b.at}#${b.eventId}`));
    const start = query.cursor ? all.findIndex((e) => e.eventId === query.cursor) + 1 : 0;
    const page = all.slice(start, start + query.limit);
    const last = page.at(-1);
    return {
      events: page.map((e, i) => ({ ...e, seq: start + i }) as unknown as AuditRecord),
      ...(start + query.limit < all.length && last ? { cursor: last.eventId } : {}),
    };
  }
}
