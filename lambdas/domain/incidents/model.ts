/**
 * Security incidents and breach notices (issue 13): what an incident is, the ports it is kept and
 * run through, and every number the process runs on, in one place.
 *
 * An incident is opened by a signal (a person's report today; detection rules from the audit
 * trail and AWS security signals call the same `raiseSignal`), joins later signals about the same
 * actor or resource, runs in the incident workflow (paged, scoped, triaged, notified, closed) and
 * stays in the breach register for 6 years. Nothing here holds PHI: ids, codes, counts and dates.
 * Patient references are decrypted only into a lab's own view of its notice.
 */
import type { Role } from '../../../common/roles';
import type { Clock } from '../../kernel/clock';
import type { AuditLog, IdGenerator, Notifier } from '../ports';

// ---------------------------------------------------------------- the numbers

/** A signal about an actor or a resource with an incident opened this recently joins it. */
export const JOIN_WINDOW_MS = 24 * 3_600_000;
/** Scoping reads the actor's audit events from this long before discovery to now. */
export const SCOPE_LOOKBACK_MS = 30 * 24 * 3_600_000;
/** Audit events one scoping reads at most (by index, never a scan): beyond it the scope says so. */
export const MAX_SCOPE_EVENTS = 20_000;
/** The BAA's notice window when the account's agreement names none (seed 002: 24 hours). */
export const DEFAULT_NOTICE_HOURS = 24;
/** Officers and operators are alerted when this share of an account's notice window has passed. */
export const ALERT_FRACTIONS = [0.5, 0.8] as const;
/**
 * With this share of the window gone and the incident neither dismissed nor notified, a preliminary
 * notice goes to the account by itself: 2.4 hours early on a 24-hour window, 6 minutes on 1 hour,
 * both more than the deadline sweep's 5-minute period.
 */
export const PRELIMINARY_FRACTION = 0.9;
/** A notice not acknowledged this long after it was (last) sent goes again, to the next contact. */
export const RESEND_AFTER_MS = 12 * 3_600_000;
/** HIPAA 164.316(b)(2), GDPR Art 33(5): the register keeps each incident this long after it closes. */
export const RETENTION_YEARS = 6;
/** Who a lab contacts about a notice (Art 33(3)(b)): the privacy office, never a person's name. */
export const CONTACT_POINT = {
  role: 'Caseline privacy office',
  email: 'privacy@caseline.example',
  phone: '+15550100000',
} as const;

// ---------------------------------------------------------------- signals

export const SIGNAL_KINDS = [
  'report',
  'probing',
  'bulk-access',
  'removed-user-access',
  'audit-write-failures',
  'guardduty',
  'protection-weakened',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * What a detection rule or a person tells the intake. Codes only: `detail` holds short machine
 * codes and counts (a rule name, a threshold, a finding type), never free text and never PHI.
 */
export interface Signal {
  /** The idempotency key: a retried signal never opens a second incident or workflow. */
  readonly signalId: string;
  readonly kind: SignalKind;
  /** ISO instant the signal observed (a report: when it was made). */
  readonly at: string;
  /** Who the signal is about (a report: who reported it). */
  readonly actor?: { readonly sub: string; readonly role: Role | 'none'; readonly accountId: string };
  /** What it is about when no person is (a bucket, a key): an ARN or a name, no PHI. */
  readonly resource?: string;
  readonly accountIds: readonly string[];
  readonly orderIds: readonly string[];
  readonly detail?: Readonly<Record<string, string | number>>;
  /**
   * A person's report only: what they saw, in their words, screened for PHI like order notes
   * (POST /incidents/reports). Kept with the signal for the officer; never paged or logged.
   */
  readonly note?: string;
}

// ---------------------------------------------------------------- incidents

export type IncidentStatus =
  | 'DETECTED'
  | 'SCOPED'
  | 'CONFIRMED'
  | 'DISMISSED'
  | 'NOTIFIED'
  | 'ACKNOWLEDGED'
  | 'CLOSED';

/** The phase the workflow waits in (its task token is kept on the incident). */
export type IncidentPhase = 'TRIAGE' | 'CLOSE';

/** What the audit trail shows one affected account lost: ids and counts, no PHI. */
export interface AccountScope {
  readonly accountId: string;
  readonly orderIds: readonly string[];
  readonly fileCount: number;
  readonly categories: readonly string[];
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
}

export interface IncidentScope {
  readonly scopedAt: string;
  readonly accounts: readonly AccountScope[];
  readonly orderCount: number;
  readonly fileCount: number;
  readonly categories: readonly string[];
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
  /** Audit events read to scope it (by the actor's index and the orders named). */
  readonly eventsRead: number;
  /** More events than MAX_SCOPE_EVENTS: the officer widens it by hand. */
  readonly truncated: boolean;
  /**
   * How many of the incident's signals it was computed from. Signals are only ever added, so fewer
   * than the incident holds means a signal joined since: the scope is refreshed (rescope.ts).
   */
  readonly signals?: number;
}

/** The documented four-factor risk assessment of HIPAA 164.402(2), when the officer finds no breach. */
export interface RiskAssessment {
  readonly natureAndExtent: string;
  readonly unauthorizedPerson: string;
  readonly acquiredOrViewed: string;
  readonly mitigation: string;
  /** Why encryption or another safe harbour applies (e.g. only ciphertext left, the key did not). */
  readonly safeHarbour: string;
}

export interface Triage {
  readonly decision: 'confirmed' | 'not-a-breach';
  readonly at: string;
  readonly by: string;
  readonly assessment?: RiskAssessment;
}

/**
 * What the incident list shows of the notices' deadlines, kept on the incident itself so the list
 * reads no notice: set when it is scoped (where the deadlines are set) and refreshed by
 * settleIncident after every notice is sent or acknowledged. Ids, counts and dates only.
 */
export interface NoticeSummary {
  /** Notices not withdrawn: one per affected account. */
  readonly accounts: number;
  /** Of those, not sent yet (DRAFT): their deadlines still run. */
  readonly unsent: number;
  /** The earliest deadline of a notice not sent yet, and its account. */
  readonly nextDueAt?: string;
  readonly nextDueAccountId?: string;
}

export interface Incident {
  readonly incidentId: string;
  readonly status: IncidentStatus;
  /** Discovery: the first signal's time. Every account's notice is due from here. */
  readonly discoveredAt: string;
  readonly openedAt: string;
  readonly kinds: readonly SignalKind[];
  /** The actors (subs) and resources the signals were about: the join keys. */
  readonly actorSubs: readonly string[];
  readonly resources: readonly string[];
  readonly signalCount: number;
  readonly lastSignalAt: string;
  readonly workflowStartedAt?: string;
  readonly pagedAt?: string;
  /** The kinds the officers were paged about (the first page, then one page per kind that joined). */
  readonly pagedKinds?: readonly SignalKind[];
  readonly scope?: IncidentScope;
  readonly noticeSummary?: NoticeSummary;
  readonly triage?: Triage;
  readonly containedAt?: string;
  readonly closedAt?: string;
  readonly closedBy?: string;
  readonly summary?: string;
  /** The workflow's current wait: its phase and token (never shown to a caller). */
  readonly awaiting?: IncidentPhase;
  readonly taskToken?: string;
  /** Epoch seconds: DynamoDB expires the incident RETENTION_YEARS after it closed. */
  readonly expiresAt?: number;
  readonly updatedAt: string;
}

export interface TimelineEntry {
  readonly at: string;
  /** A code: detected, signal-joined, paged, scoped, triaged, notice-sent, alert-50… */
  readonly type: string;
  readonly by: string;
  readonly detail?: Readonly<Record<string, string | number>>;
}

// ---------------------------------------------------------------- notices

export type NoticeStatus = 'DRAFT' | 'SENT' | 'ACKNOWLEDGED' | 'WITHDRAWN';

/**
 * The editable text of a notice: the GDPR Art 33(3) and HIPAA 164.410(c) facts that are words.
 * Screened for PHI like order notes; the numbers, ids and dates beside it come from the scope.
 */
export interface NoticeText {
  readonly nature: string;
  readonly likelyConsequences: string;
  readonly measuresTaken: string;
  readonly measuresProposed: string;
  readonly whatTheLabShouldDo: string;
}

/** The facts of a notice that come from the scope (never edited by the officer). */
export interface NoticeFacts {
  readonly categories: readonly string[];
  readonly approximatePatients: number;
  readonly approximateRecords: number;
  readonly orderIds: readonly string[];
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
  /** The kinds of signal its words were drafted for. */
  readonly kinds?: readonly SignalKind[];
}

export interface Notice extends NoticeText {
  readonly noticeId: string;
  readonly incidentId: string;
  readonly accountId: string;
  readonly status: NoticeStatus;
  readonly discoveredAt: string;
  /** discoveredAt + the account's BAA notice window. */
  readonly dueAt: string;
  readonly noticeHours: number;
  readonly categories: readonly string[];
  readonly approximatePatients: number;
  readonly approximateRecords: number;
  /** The orders (ids); their patient references are rendered only for the lab, audited first. */
  readonly orderIds: readonly string[];
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly editedBy?: string;
  readonly sentAt?: string;
  readonly sentBy?: string;
  /** Every time it went out (first send, re-sends), for the 12-hour re-send. */
  readonly lastSentAt?: string;
  readonly sendCount?: number;
  readonly preliminarySentAt?: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  /** When the 50% and 80% alerts went (once each). */
  readonly alert50At?: string;
  readonly alert80At?: string;
  /** The next time the deadline sweep looks at it; absent when nothing is left to watch. */
  readonly nextCheckAt?: string;
  /** The kinds of signal its words were drafted for (an edited draft: last flagged for). */
  readonly kinds?: readonly SignalKind[];
  /**
   * The scope grew after the officer wrote its words (an edited draft: its facts were refreshed,
   * its words kept) or after it was sent (nothing changed: `pendingScope` holds the new facts).
   * Cleared by an edit of the draft, or by the next send (for a sent notice, the supplement).
   */
  readonly scopeChangedAt?: string;
  /** A sent notice only: the facts as the scope now stands, applied when the supplement is sent. */
  readonly pendingScope?: NoticeFacts;
}

// ---------------------------------------------------------------- ports

export interface IncidentStore {
  /**
   * Records a signal under its id (conditional). `seen`: it was recorded before; `incidentId` is
   * the incident it went to if that was recorded too.
   */
  recordSignal(signal: Signal): Promise<{ seen: false } | { seen: true; incidentId?: string }>;
  /** Notes which incident a signal went to. */
  assignSignal(signalId: string, incidentId: string): Promise<void>;
  /**
   * Takes the join key (an actor or a resource) for `incidentId` until `until`, unless another
   * incident holds it and its window has not passed `now`: then answers that incident.
   */
  takeJoinKey(
    key: string,
    incidentId: string,
    until: string,
    now: string,
  ): Promise<{ taken: true } | { taken: false; incidentId: string }>;
  /** Gives a join key back when the incident it names is closed or dismissed. */
  releaseJoinKey(key: string, incidentId: string): Promise<void>;
  /** Writes a new incident; false when the id is taken (a retried signal). */
  create(incident: Incident): Promise<boolean>;
  get(incidentId: string): Promise<Incident | undefined>;
  /**
   * Conditional update: applies `changes` only when the incident is in one of `fromStatuses`
   * (and each `expect` attribute equals its value, `null` meaning absent). Undefined when not.
   */
  update(
    incidentId: string,
    fromStatuses: readonly IncidentStatus[],
    changes: Partial<Omit<Incident, 'incidentId'>>,
    options?: {
      remove?: readonly (keyof Incident)[];
      expect?: Readonly<Record<string, string | null>>;
    },
  ): Promise<Incident | undefined>;
  /** Adds a signal to an incident's list (idempotent by signal id). */
  addSignal(incidentId: string, signal: Signal): Promise<void>;
  signals(incidentId: string): Promise<Signal[]>;
  addTimeline(incidentId: string, entry: TimelineEntry): Promise<void>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
  /** The register, newest first, a page at a time. */
  list(limit: number, cursor?: string): Promise<{ incidents: Incident[]; cursor?: string }>;
  /** Writes a notice unless the account already has one for this incident. */
  createNotice(notice: Notice): Promise<boolean>;
  notice(incidentId: string, accountId: string): Promise<Notice | undefined>;
  notices(incidentId: string): Promise<Notice[]>;
  /** Conditional, like `update`: on the notice's status and `expect` attributes (`null`: absent). */
  updateNotice(
    incidentId: string,
    accountId: string,
    fromStatuses: readonly NoticeStatus[],
    changes: Partial<Omit<Notice, 'incidentId' | 'accountId' | 'noticeId'>>,
    options?: {
      remove?: readonly (keyof Notice)[];
      expect?: Readonly<Record<string, string | null>>;
    },
  ): Promise<Notice | undefined>;
  /** Every notice of the account (drafts and withdrawn ones too), newest first. */
  noticesByAccount(accountId: string, limit: number): Promise<Notice[]>;
  /** One of the account's notices by id (any status); undefined for another account's. */
  noticeOfAccount(accountId: string, noticeId: string): Promise<Notice | undefined>;
  /** Notices whose next check fell due at or before `cutoff`: [incidentId, accountId]. */
  noticesDue(cutoff: string, limit: number): Promise<{ incidentId: string; accountId: string }[]>;
}

/** The incident workflow (statemachines/incident-workflow.asl.json). */
export interface IncidentWorkflow {
  /** Starts the incident's execution, named by its id: a second start is the same execution. */
  start(incidentId: string): Promise<void>;
  /**
   * Starts the short execution that refreshes the incident's scope after `signalId` joined it (ids
   * only in its input), named by both: a second start for the same signal is the same execution.
   */
  rescope(incidentId: string, signalId: string): Promise<void>;
  /** Completes the current wait. Throws TaskTokenRefusedError when nothing waits for the token. */
  completeTask(token: string, output: Readonly<Record<string, string>>): Promise<void>;
}

export interface IncidentBaseDeps {
  readonly incidents: IncidentStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type AuditedIncidentDeps = IncidentBaseDeps & { readonly audit: AuditLog };
export type PagingDeps = IncidentBaseDeps & { readonly notifier: Notifier };

// ---------------------------------------------------------------- helpers

export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

/** Epoch seconds RETENTION_YEARS after `iso` (the TTL DynamoDB expires the incident at). */
export const retentionExpiry = (iso: string): number => {
  const d = new Date(iso);
  d.setUTCFullYear(d.getUTCFullYear() + RETENTION_YEARS);
  return Math.floor(d.getTime() / 1000);
};

/** The list's view of an incident's notices (see NoticeSummary): withdrawn ones do not count. */
export const summariseNotices = (
  notices: readonly Pick<Notice, 'accountId' | 'status' | 'dueAt'>[],
): NoticeSummary => {
  const live = notices.filter((n) => n.status !== 'WITHDRAWN');
  const unsent = live
    .filter((n) => n.status === 'DRAFT')
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.accountId.localeCompare(b.accountId));
  const next = unsent[0];
  return {
    accounts: live.length,
    unsent: unsent.length,
    ...(next ? { nextDueAt: next.dueAt, nextDueAccountId: next.accountId } : {}),
  };
};

/** Best effort: a timeline entry that cannot be written is an operator alert, not a failure. */
export const noteIncident = async (
  deps: IncidentBaseDeps & { readonly notifier?: Notifier },
  incidentId: string,
  type: string,
  by: string,
  detail?: Record<string, string | number>,
) => {
  try {
    await deps.incidents.addTimeline(incidentId, {
      at: deps.clock.now().toISOString(),
      type,
      by,
      ...(detail ? { detail } : {}),
    });
  } catch {
    await deps.notifier
      ?.operatorAlert('Incident timeline entry not written', { incidentId, type })
      .catch(() => undefined);
  }
};

/** The incident's statuses in which signals still join it and its deadlines still run. */
export const OPEN_INCIDENT: readonly IncidentStatus[] = [
  'DETECTED',
  'SCOPED',
  'CONFIRMED',
  'NOTIFIED',
  'ACKNOWLEDGED',
];
