/**
 * Breach detection from the audit trail (issue 13): every rule's name and every number it runs on,
 * in one place (README, "Security incidents", "Detection"). A rule fires on audit events by their
 * claimed time (`at`, the writer's injected clock), read in write order since the detector's last
 * position (docs/audit.md, bySequence).
 */

/** The detector runs every minute (EventBridge Scheduler; offline also on every clock advance). */
export const DETECT_EVERY_MINUTES = 1;
/** Longer than the detector's Lambda timeout (60 s): a lease never ends under a live run. */
export const DETECT_LEASE_MS = 2 * 60_000;
/** Write-order numbers one run reads at most; the rest is the next run's (bounded work). */
export const DETECT_MAX_PER_RUN = 5_000;
/**
 * A number taken but whose event is not visible yet (a put in flight, the eventually consistent
 * index) is looked up again on each run for this long, then given up (listed in the run's result).
 */
export const DETECT_HOLE_PATIENCE_MS = 15 * 60_000;
/**
 * Events that claim a time older than this when a run reads them are not judged: the first runs
 * on a stack with a trail read its history (from number 1, 5,000 a run) and must not open
 * incidents about patterns long past (their deadlines would already have run out). A detector
 * stopped for longer leaves the events of its outage unjudged (the run's result counts them).
 */
export const DETECT_MAX_EVENT_AGE_MS = 24 * 3_600_000;
/** Open holes kept at most (each costs one query a run). */
export const DETECT_MAX_HOLES = 200;

/**
 * probing: one actor refused (DENIED, reason NOT_OWNER or NOT_FOUND: another account's order or an
 * id that does not exist; NOT_ASSIGNEE: a designer asking for an order it does not hold, which is a
 * lab's order all the same) at least PROBING_THRESHOLD times within PROBING_WINDOW_MS.
 * A lab that mistypes an order id, or a designer whose lease just expired, is refused once or twice.
 */
export const PROBING_THRESHOLD = 5;
export const PROBING_WINDOW_MS = 10 * 60_000;
export const PROBING_REASONS: readonly string[] = ['NOT_OWNER', 'NOT_FOUND', 'NOT_ASSIGNEE'];

/**
 * bulk-access: a designer handed the inputs (assignment.inputs) of more distinct orders within
 * BULK_WINDOW_MS than BULK_CAPACITY_FACTOR times its capacity (concurrent jobs, designer registry),
 * counting only the orders it has not handed a design in for (BULK_DELIVERED_ACTIONS): fetching
 * inputs and delivering is the work, however fast; fetching and letting go (release, a lapsed
 * lease) again and again is harvesting. A designer the registry does not know counts with
 * BULK_UNKNOWN_CAPACITY.
 */
export const BULK_WINDOW_MS = 60 * 60_000;
export const BULK_CAPACITY_FACTOR = 2;
export const BULK_UNKNOWN_CAPACITY = 1;
export const BULK_ACTIONS: readonly string[] = ['assignment.inputs'];
export const BULK_DELIVERED_ACTIONS: readonly string[] = ['assignment.submit'];

/**
 * removed-user-access: an ALLOWED event by a designer the registry marks inactive (after it was
 * deactivated: the event's time is after the designer's last change) or no longer lists, or by a
 * lab user after its removal (account.user-remove, seen by the detector, kept REMOVED_MEMORY_MS).
 * One signal per user per REMOVED_WINDOW_MS.
 */
export const REMOVED_WINDOW_MS = 60 * 60_000;
export const REMOVED_MEMORY_MS = 30 * 24 * 3_600_000;

/**
 * audit-write-failures: at least AUDIT_FAILURE_THRESHOLD audit appends failed (each a fail-closed
 * 503, or a refusal that went unaudited) within AUDIT_FAILURE_WINDOW_MS. Counted by the failing
 * function itself, best-effort, in the `failed` attribute of the audit counter item (SEQUENCE of the
 * auditSequence table): such events are not in the audit table by definition. When DynamoDB itself
 * is down that count fails too; the AuditWriteFailures metric still counts it (CloudWatch).
 */
export const AUDIT_FAILURE_THRESHOLD = 5;
export const AUDIT_FAILURE_WINDOW_MS = 10 * 60_000;

/** Per-actor window items expire (DynamoDB TTL) this long after their last event. */
export const WINDOW_TTL_MS = 2 * 3_600_000;
/** Entries a window item keeps at most (the newest): a flood of refusals stays one small item. */
export const WINDOW_MAX_ENTRIES = 200;

export const DETECTION_RULES = [
  'probing',
  'bulk-access',
  'removed-user-access',
  'audit-write-failures',
] as const;
export type DetectionRule = (typeof DETECTION_RULES)[number];
