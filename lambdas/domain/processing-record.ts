/**
 * The record of processing Caseline keeps for a partner account (GDPR Art 30(2); seed 001, and
 * the DPA's sub-processor terms, seed 003): what we process on the account's behalf, why, with
 * whom (common/sub-processors.ts), where it went (the countries of the designers who handled the
 * account's orders in the range), how long it is kept, what was deleted (every deletion
 * certificate issued) and the incidents that touched it.
 *
 * `processingRecord` is pure over its ports (no authorization, no audit), so the audit export
 * includes the same record; `getProcessingRecord` is the route: the caller checked and the read
 * audited first. No PHI and no designer identity leaves here: countries and counts, ids and dates.
 *
 * Cost: the account's audit events in the range, read by the table's key (never a scan), at most
 * MAX_EVENTS of them; the account's orders by its index, at most MAX_ORDERS; one read per
 * designer and per deletion certificate.
 */
import { SUB_PROCESSORS } from '../../common/sub-processors';
import { NotFoundError, ValidationError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { STAFF_ACCOUNT_ID } from './accounts';
import { recordAudit } from './audit';
import type { AuditTrail } from './audit-trail';
import type { DeletionCertificate } from './certificate';
import { type DesignerRegistry, UNKNOWN_COUNTRY } from './designers';
import type { IncidentStore } from './incidents/model';
import type { Deps } from './ports';
import type { PurgeStore } from './purge';
import { CLOSED_ORDER_RETENTION_DAYS, DRAFT_IDLE_DAYS, STUCK_RETENTION_DAYS } from './retention';
import { ACCOUNT_ID_PATTERN } from './schemas/accounts';

export type ProcessingRecordDeps = Pick<Deps, 'clock'> & {
  readonly accounts: Pick<Deps['accounts'], 'get'>;
  readonly orders: Pick<Deps['orders'], 'listByAccount'>;
  readonly ledger: Pick<AuditTrail, 'page'>;
  readonly designers: Pick<DesignerRegistry, 'get'>;
  readonly purgeStore: Pick<PurgeStore, 'orderCertificate' | 'accountCertificate'>;
  /** The incidents that touched the account: its notices (drafts and withdrawn ones too), by index. */
  readonly incidents: Pick<IncidentStore, 'noticesByAccount' | 'get'>;
};

/** ISO instants, inclusive. */
export interface RecordRange {
  readonly from: string;
  readonly to: string;
}

/** Where the stack runs: the region the AWS sub-processors process the data in. */
export interface RecordContext {
  readonly region: string;
}

/** Audit events one record reads at most; a longer range is refused with a field to act on. */
export const MAX_EVENTS = 20_000;
/** Orders of the account one record reads at most (for their deletion certificates). */
export const MAX_ORDERS = 20_000;
/** The longest range one request covers (a year and a day); the default is the year to now. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;
const PAGE = 100;
/** Incidents (notices) of one account one record reads at most. */
export const MAX_INCIDENTS = 1_000;
/** Six years (HIPAA 164.316(b)(2)): the audit digests' Object Lock retention. */
const AUDIT_RETENTION_YEARS = 6;

const CATEGORIES_OF_DATA = [
  {
    category: 'Patient health information (PHI)',
    items: ['patient reference', 'prescription notes and item notes', 'revision comments', 'case reference'],
    protection: "Encrypted field by field under the account's own KMS key; never in logs, metrics or errors.",
  },
  {
    category: 'Intraoral scans and design files',
    items: ['scan files (STL, PLY, OBJ, DCM)', 'designed restorations'],
    protection: "Stored in S3 under the account's own KMS key; handed out through 15-minute links only.",
  },
  {
    category: "The partner's users (personal data, not PHI)",
    items: ['name and e-mail address of lab users', 'security contacts'],
    protection: 'Held by the sign-in service and the account registry; removed at termination.',
  },
  {
    category: 'Audit trail',
    items: ['who (role and id), what, when, source IP, outcome, order and file ids'],
    protection: 'Append-only, sealed into signed digests; no PHI.',
  },
] as const;

const DATA_SUBJECTS = ["the partner's patients", "the partner's users and security contacts"] as const;

const PURPOSES = [
  'Design of dental restorations ordered by the partner (crowns, bridges, inlays and the like) from its scans and prescriptions.',
  "Delivery of the designs to the partner, and revisions at the partner's request.",
  'Security, audit and the HIPAA / GDPR obligations of a processor: access control, audit trail, deletion certificates.',
] as const;

const bad = (field: string, message: string) => new ValidationError([{ field, message }]);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const instant = (value: string | undefined, field: 'from' | 'to'): string | undefined => {
  if (value === undefined || value === '') return undefined;
  if (value.length > 24 || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value)))
    throw bad(field, 'must be an ISO 8601 UTC instant such as 2026-01-05T09:00:00.000Z');
  if (new Date(value).toISOString() !== value)
    throw bad(field, 'must be an ISO 8601 UTC instant such as 2026-01-05T09:00:00.000Z');
  return value;
};

/**
 * The range of a request: `to` defaults to now, `from` to a year before `to`; at most
 * MAX_RANGE_DAYS long, so one record's reads are bounded.
 */
export const parseRecordRange = (
  params: Readonly<Record<string, string | undefined>>,
  now: Date,
): RecordRange => {
  const to = instant(params.to, 'to') ?? now.toISOString();
  const from =
    instant(params.from, 'from') ?? new Date(Date.parse(to) - (MAX_RANGE_DAYS - 1) * DAY_MS).toISOString();
  if (to < from) throw bad('to', 'must not be before from');
  if (Date.parse(to) - Date.parse(from) > MAX_RANGE_DAYS * DAY_MS)
    throw bad('from', `the range may cover at most ${MAX_RANGE_DAYS} days: ask for one year at a time`);
  return { from, to };
};

const noAccount = (accountId: string) =>
  new NotFoundError(`No account ${accountId}: partners are onboarded with POST /accounts.`);

interface CountryTransfer {
  country: string;
  designers: number;
  firstAt: string;
  lastAt: string;
}

/** The countries the designers who acted on the account's orders in the range work from. */
const transfersIn = async (
  deps: ProcessingRecordDeps,
  accountId: string,
  range: RecordRange,
  maxEvents: number,
) => {
  const seen = new Map<string, { firstAt: string; lastAt: string }>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await deps.ledger.page({
      accountId,
      from: range.from,
      to: range.to,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    read += page.events.length;
    if (read > maxEvents)
      throw bad('from', `the range holds more than ${maxEvents} audit events: ask for a shorter range`);
    for (const event of page.events) {
      // A designer's allowed act on an order (claim, inputs, upload, hand-in) is a transfer to
      // where the designer works; a refusal handed nothing over.
      if (event.actorRole !== 'designer' || event.outcome !== 'ALLOWED' || typeof event.actorSub !== 'string')
        continue;
      const at = String(event.at);
      const known = seen.get(event.actorSub);
      seen.set(event.actorSub, {
        firstAt: known && known.firstAt < at ? known.firstAt : at,
        lastAt: known && known.lastAt > at ? known.lastAt : at,
      });
    }
    cursor = page.cursor;
  } while (cursor);
  const byCountry = new Map<string, CountryTransfer>();
  for (const [sub, when] of seen) {
    const country = (await deps.designers.get(sub))?.country ?? UNKNOWN_COUNTRY;
    const entry = byCountry.get(country);
    byCountry.set(
      country,
      entry
        ? {
            country,
            designers: entry.designers + 1,
            firstAt: entry.firstAt < when.firstAt ? entry.firstAt : when.firstAt,
            lastAt: entry.lastAt > when.lastAt ? entry.lastAt : when.lastAt,
          }
        : { country, designers: 1, ...when },
    );
  }
  return [...byCountry.values()].sort((a, b) => a.country.localeCompare(b.country));
};

interface CertificateEntry {
  certificateId: string;
  kind: DeletionCertificate['kind'];
  orderId?: string;
  reason: DeletionCertificate['reason'];
  deletedAt: string;
  backupsClearBy: string;
  /** Where the lab reads the signed order certificate (checked with GET /certificates/public-key). */
  href?: string;
}

const entryOf = (c: DeletionCertificate, href?: string): CertificateEntry => ({
  certificateId: c.certificateId,
  kind: c.kind,
  ...(c.orderId ? { orderId: c.orderId } : {}),
  reason: c.reason,
  deletedAt: c.deletedAt,
  backupsClearBy: c.backupsClearBy,
  ...(href ? { href } : {}),
});

/** Every deletion certificate issued for the account: its orders' and its termination summary. */
const certificatesOf = async (
  deps: ProcessingRecordDeps,
  accountId: string,
  summaryId: string | undefined,
): Promise<CertificateEntry[]> => {
  const out: CertificateEntry[] = [];
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await deps.orders.listByAccount(accountId, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    read += page.orders.length;
    if (read > MAX_ORDERS) throw new RecordTooLargeError(MAX_ORDERS);
    for (const order of page.orders) {
      if (order.purgedAt === undefined && order.filesPurgedAt === undefined) continue;
      const signed = await deps.purgeStore.orderCertificate(order.orderId);
      if (signed) out.push(entryOf(signed.certificate, `/orders/${order.orderId}/certificate`));
    }
    cursor = page.cursor;
  } while (cursor);
  if (summaryId) {
    const summary = await deps.purgeStore.accountCertificate(accountId, summaryId);
    if (summary) out.push(entryOf(summary.certificate));
  }
  return out.sort(
    (a, b) => a.deletedAt.localeCompare(b.deletedAt) || a.certificateId.localeCompare(b.certificateId),
  );
};

/** The incidents that touched the account in the range: one entry per notice (one per incident). */
const incidentsOf = async (deps: ProcessingRecordDeps, accountId: string, range: RecordRange) => {
  const notices = (await deps.incidents.noticesByAccount(accountId, MAX_INCIDENTS)).filter(
    (n) => n.discoveredAt >= range.from && n.discoveredAt <= range.to,
  );
  const out = [];
  for (const notice of notices) {
    const incident = await deps.incidents.get(notice.incidentId);
    out.push({
      incidentId: notice.incidentId,
      discoveredAt: notice.discoveredAt,
      status: incident?.status ?? 'UNKNOWN',
      ...(incident?.triage ? { decision: incident.triage.decision } : {}),
      orders: notice.orderIds.length,
      notice: {
        noticeId: notice.noticeId,
        status: notice.status,
        dueAt: notice.dueAt,
        ...(notice.preliminarySentAt ? { preliminarySentAt: notice.preliminarySentAt } : {}),
        ...(notice.sentAt ? { sentAt: notice.sentAt } : {}),
        ...(notice.acknowledgedAt ? { acknowledgedAt: notice.acknowledgedAt } : {}),
      },
    });
  }
  return out.sort((a, b) => a.discoveredAt.localeCompare(b.discoveredAt));
};

/** An account with more orders than one record reads: a fault an operator must look at, not the caller's. */
export class RecordTooLargeError extends Error {
  override readonly name = 'RecordTooLargeError';
  constructor(limit: number) {
    super(`The account holds more than ${limit} orders: the record of processing reads at most that many.`);
  }
}

/**
 * The record of processing of one account for a range. Pure over its ports: the caller has
 * authorized and audited the read (the route below; the audit export job).
 */
export const processingRecord = async (
  deps: ProcessingRecordDeps,
  accountId: string,
  range: RecordRange,
  context: RecordContext,
  /** Audit events read at most: the route's bound; the audit export job reads its whole range. */
  maxEvents = MAX_EVENTS,
) => {
  const account = await deps.accounts.get(accountId);
  if (!account) throw noAccount(accountId);
  const [countries, deletionCertificates, incidents] = await Promise.all([
    transfersIn(deps, accountId, range, maxEvents),
    certificatesOf(deps, accountId, account.certificateId),
    incidentsOf(deps, accountId, range),
  ]);
  const countryList = countries.map((c) => c.country);
  return {
    record: 'GDPR Art 30(2): record of the processing carried out on behalf of a controller',
    generatedAt: deps.clock.now().toISOString(),
    range,
    processor: { name: 'Caseline', role: 'processor; HIPAA business associate' },
    controller: {
      accountId: account.accountId,
      legalName: account.legalName,
      country: account.country,
      ...(account.state ? { state: account.state } : {}),
      status: account.status,
      ...(account.baa ? { baa: account.baa } : {}),
    },
    dataSubjects: DATA_SUBJECTS,
    categoriesOfData: CATEGORIES_OF_DATA,
    purposes: PURPOSES,
    subProcessors: SUB_PROCESSORS.map((s) => ({
      id: s.id,
      name: s.name,
      services: s.services,
      purpose: s.purpose,
      data: s.data,
      ...(s.region === 'STACK'
        ? { region: context.region }
        : { region: 'the designers’ countries (see transfers)', countries: countryList }),
    })),
    transfers: {
      description:
        "Countries the designers who handled the account's orders in the range work from (GDPR Chapter V): a designer opens case data from there through 15-minute links.",
      countries,
      ...(countryList.includes(UNKNOWN_COUNTRY)
        ? {
            unknownCountry:
              'ZZ: a designer registered before countries were recorded; an operator sets it with PATCH /designers/{designerId}.',
          }
        : {}),
    },
    retention: {
      archivedOrderDays: account.retentionDays,
      autoAcceptDays: account.autoAcceptDays,
      deletionGraceDays: account.deletionGraceDays,
      rejectedOrCancelledOrderDays: CLOSED_ORDER_RETENTION_DAYS,
      stuckOrderDays: STUCK_RETENTION_DAYS,
      idleDraftDays: DRAFT_IDLE_DAYS,
      auditTrailYears: AUDIT_RETENTION_YEARS,
      atTermination:
        "Every order purged, the account's own key scheduled for deletion, a signed summary certificate issued.",
    },
    deletionCertificates,
    incidents: {
      recorded: incidents,
      note: 'Every security incident whose scope included the account and was discovered in the range, notified or not (GDPR Art 33(5)): ids, dates and the decision; the notice itself is read at GET /notices/{noticeId}.',
    },
  };
};

export type ProcessingRecord = Awaited<ReturnType<typeof processingRecord>>;

/**
 * GET /accounts/{accountId}/processing-record: the account's own lab-admin (another account is a
 * 404, as a missing one, and the attempt is audited against it) or a staff auditor, for any
 * account. The read is audited before anything is read, and fails closed.
 */
export const getProcessingRecord = async (
  deps: ProcessingRecordDeps & Pick<Deps, 'audit' | 'ids'>,
  actor: Actor,
  accountId: string,
  params: Readonly<Record<string, string | undefined>>,
  context: RecordContext,
): Promise<ProcessingRecord> => {
  if (!ACCOUNT_ID_PATTERN.test(accountId) || accountId === STAFF_ACCOUNT_ID) throw noAccount(accountId);
  const auditor = actor.roles.includes('auditor');
  if (!auditor && actor.accountId !== accountId) {
    await recordAudit(deps, actor, {
      accountId,
      action: 'account.processing-record',
      outcome: 'DENIED',
      reason: 'NOT_OWNER',
    });
    throw noAccount(accountId);
  }
  const range = parseRecordRange(params, deps.clock.now());
  await recordAudit(deps, actor, { accountId, action: 'account.processing-record', outcome: 'ALLOWED' });
  return processingRecord(deps, accountId, range, context);
};
