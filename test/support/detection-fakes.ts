/**
 * In-memory ports of the breach detector (domain/detection/detect.ts), held to what the DynamoDB
 * adapters do: the audit log by write order (numbers taken in order, an event may be missing for
 * a while: a hole), the detector's lease and position, its per-actor windows, the failed-appends count.
 */
import type { AuditEvent } from '../../lambdas/domain/audit';
import type { AuditRecord } from '../../lambdas/domain/audit-digest';
import type { ActorWindow, DetectorPosition, DetectorStore } from '../../lambdas/domain/detection/detect';
import type { DetectionRule } from '../../lambdas/domain/detection/thresholds';

export class SequencedAudit {
  readonly events: AuditRecord[] = [];
  /** Numbers taken whose event is not readable yet (a put in flight). */
  readonly hidden = new Set<number>();
  next = 0;
  reads = 0;

  append(event: AuditEvent, opts: { hidden?: boolean } = {}): number {
    const seq = ++this.next;
    this.events.push({ ...event, seq } as unknown as AuditRecord);
    if (opts.hidden) this.hidden.add(seq);
    return seq;
  }
  async counter() {
    return this.next;
  }
  async inSequence(from: number, through: number) {
    const out = this.events.filter((e) => e.seq >= from && e.seq <= through && !this.hidden.has(e.seq));
    this.reads += out.length;
    return out;
  }
  async atSequence(seq: number) {
    this.reads++;
    return this.hidden.has(seq) ? undefined : this.events.find((e) => e.seq === seq);
  }
}

export class MemoryDetector implements DetectorStore {
  lease?: { runId: string; until: string };
  stored: DetectorPosition = { through: 0, holes: [], failures: [] };
  readonly windows = new Map<string, { window: ActorWindow; expiresAt: number }>();
  failed = 0;
  /** The next commit finds its lease gone (another run took it over). */
  loseLease = false;

  async takeLease(runId: string, now: Date, until: Date) {
    if (this.lease && this.lease.until >= now.toISOString()) return false;
    this.lease = { runId, until: until.toISOString() };
    return true;
  }
  async position() {
    return this.stored;
  }
  async commit(runId: string, next: DetectorPosition) {
    if (this.loseLease || this.lease?.runId !== runId) return false;
    this.stored = JSON.parse(JSON.stringify(next)) as DetectorPosition;
    this.lease = undefined;
    return true;
  }
  async failedAppends() {
    return this.failed;
  }
  async window(rule: DetectionRule, sub: string) {
    return this.windows.get(`${rule}#${sub}`)?.window;
  }
  async saveWindow(rule: DetectionRule, sub: string, window: ActorWindow, expiresAt: number) {
    this.windows.set(`${rule}#${sub}`, { window: JSON.parse(JSON.stringify(window)), expiresAt });
  }
}
