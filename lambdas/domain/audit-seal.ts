/**
 * The audit sealer (docs/audit.md): every run seals the audit events written since the last run,
 * by write order (each event's `seq`), not by the time it claims. Its reads grow with the events
 * since the last digest: one counter read, the write-order index from the last sealed number on,
 * and one lookup per open hole. Nothing scans.
 *
 * One run at a time: a lease on the sealer's item (conditional write). Digests are signed before
 * anything is written (KMS first), written to the digest bucket under keys fixed by the run's
 * number and window start, and the sealer's position moves only after, with a conditional write
 * on the run number: a run that dies midway is done again by the next, whose digests cover the
 * same events and more and take the same keys.
 */
import type { Clock } from '../kernel/clock';
import {
  type AccountDigest,
  type AccountDigestBody,
  type AuditRecord,
  accountDigestKey,
  accountTag,
  type ChainLink,
  digestSha256,
  eventSha256,
  type GlobalDigest,
  type GlobalDigestBody,
  globalDigestKey,
  linkTo,
  signDigest,
} from './audit-digest';
import type { CertificateSigner } from './certificate';
import type { IdGenerator } from './ports';

/** The sealer's position (the SEALER item of the sequence table). */
export interface SealerState {
  /** Runs committed so far; the next run is digestNo + 1. */
  readonly digestNo: number;
  /** The highest write-order number reached. */
  readonly sealedThrough: number;
  /** The last run's window end (the next window's start); absent before the first run. */
  readonly windowTo?: string;
  /** Numbers at or below sealedThrough whose event had not arrived: checked again every run. */
  readonly holes: readonly number[];
  readonly lastGlobal?: ChainLink;
  /** Per account, its last digest. */
  readonly chains: Readonly<Record<string, ChainLink>>;
}

export interface AuditLedger {
  /** The last write-order number handed out (consistent read of the counter). */
  counter(): Promise<number>;
  state(): Promise<SealerState>;
  /** Takes the sealing lease unless another unexpired one is held; false when held. */
  takeLease(runId: string, now: Date, until: Date): Promise<boolean>;
  /** Events with from ≤ seq ≤ through, in write order. */
  inSequence(from: number, through: number): Promise<AuditRecord[]>;
  /** The event with this number, if written. */
  atSequence(seq: number): Promise<AuditRecord | undefined>;
  /** Moves the position, only if this run still holds the lease and no other run committed. */
  commit(runId: string, previous: SealerState, next: SealerState): Promise<boolean>;
}

export interface DigestStore {
  put(key: string, document: AccountDigest | GlobalDigest): Promise<void>;
}

export interface SealDeps {
  readonly ledger: AuditLedger;
  readonly digests: DigestStore;
  readonly auditSigner: CertificateSigner;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/** Longer than the sealer's Lambda timeout: a lease never ends under a live run. */
export const SEAL_LEASE_MS = 15 * 60_000;
/** At most this many write-order numbers per run: the rest is the next run's (bounded work). */
export const SEAL_MAX_PER_RUN = 20_000;

export interface SealResult {
  readonly sealed: boolean;
  readonly digestNo?: number;
  readonly events: number;
  readonly accounts: number;
  readonly holesOpen: number;
  readonly reason?: 'SEALING_IN_PROGRESS' | 'CONFLICT';
}

export class SealConflictError extends Error {
  override readonly name = 'SealConflictError';
}

export const sealAudit = async (deps: SealDeps): Promise<SealResult> => {
  const now = deps.clock.now();
  const runId = deps.ids.next('seal');
  if (!(await deps.ledger.takeLease(runId, now, new Date(now.getTime() + SEAL_LEASE_MS)))) {
    return { sealed: false, events: 0, accounts: 0, holesOpen: 0, reason: 'SEALING_IN_PROGRESS' };
  }
  const state = await deps.ledger.state();
  const counter = await deps.ledger.counter();
  const from = state.sealedThrough + 1;
  const through = Math.min(counter, state.sealedThrough + SEAL_MAX_PER_RUN);

  const fresh = through >= from ? await deps.ledger.inSequence(from, through) : [];
  const present = new Set(fresh.map((e) => e.seq));
  const holesOpened: number[] = [];
  for (let seq = from; seq <= through; seq++) if (!present.has(seq)) holesOpened.push(seq);
  const filled: AuditRecord[] = [];
  for (const seq of state.holes) {
    const event = await deps.ledger.atSequence(seq);
    if (event) filled.push(event);
  }
  const filledSet = new Set(filled.map((e) => e.seq));
  const holes = [...state.holes.filter((s) => !filledSet.has(s)), ...holesOpened];
  const sealedNow = [...filled, ...fresh].sort((a, b) => a.seq - b.seq);

  const digestNo = state.digestNo + 1;
  const windowFrom = state.windowTo ?? null;
  const windowTo = new Date(Math.max(now.getTime(), windowFrom ? Date.parse(windowFrom) : 0)).toISOString();
  const window = { from: windowFrom, to: windowTo };

  const byAccount = new Map<string, AuditRecord[]>();
  for (const event of sealedNow) {
    const list = byAccount.get(event.accountId) ?? [];
    list.push(event);
    byAccount.set(event.accountId, list);
  }
  // Signed first (KMS is the fallible part), written after: nothing is half made.
  const accountDigests: AccountDigest[] = [];
  for (const [accountId, events] of [...byAccount].sort(([a], [b]) => a.localeCompare(b))) {
    const body: AccountDigestBody = {
      kind: 'account',
      version: 1,
      digestNo,
      accountId,
      accountTag: accountTag(accountId),
      window,
      count: events.length,
      events: events.map((e) => ({ seq: e.seq, eventId: e.eventId, at: e.at, sha256: eventSha256(e) })),
      previous: state.chains[accountId] ?? null,
    };
    accountDigests.push(await signDigest(deps.auditSigner, body));
  }
  const globalBody: GlobalDigestBody = {
    kind: 'global',
    version: 1,
    digestNo,
    window,
    sequence: { from, through: Math.max(through, state.sealedThrough) },
    holesOpened,
    holesFilled: [...filledSet].sort((a, b) => a - b),
    holesOpen: holes.length,
    accounts: accountDigests
      .map((d) => ({ accountTag: d.accountTag, sha256: digestSha256(d), count: d.count }))
      .sort((a, b) => a.accountTag.localeCompare(b.accountTag)),
    previous: state.lastGlobal ?? null,
  };
  const global = await signDigest(deps.auditSigner, globalBody);

  for (const digest of accountDigests) {
    await deps.digests.put(accountDigestKey(digest.accountId, windowFrom, digestNo), digest);
  }
  await deps.digests.put(globalDigestKey(windowFrom, digestNo), global);

  const chains = { ...state.chains };
  for (const digest of accountDigests) chains[digest.accountId] = linkTo(digest);
  const next: SealerState = {
    digestNo,
    sealedThrough: globalBody.sequence.through,
    windowTo,
    holes,
    lastGlobal: linkTo(global),
    chains,
  };
  if (!(await deps.ledger.commit(runId, state, next))) {
    throw new SealConflictError(`Audit digest run ${digestNo} lost its lease before committing`);
  }
  return {
    sealed: true,
    digestNo,
    events: sealedNow.length,
    accounts: accountDigests.length,
    holesOpen: holes.length,
  };
};
