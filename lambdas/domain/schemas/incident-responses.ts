/**
 * Success responses of the incident and notice routes, for the API document only (like
 * responses.ts, never bundled): registered in the same `docs` registry, listed in INCIDENT_SUCCESS.
 */
import * as z from 'zod/mini';
import { docs } from './responses';

const named = <T extends z.ZodMiniType>(id: string, schema: T, description?: string): T => {
  docs.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};
const instant = () => {
  const s = z.string();
  docs.add(s, { format: 'date-time' });
  return s;
};

const INCIDENT_STATUSES = [
  'DETECTED',
  'SCOPED',
  'CONFIRMED',
  'DISMISSED',
  'NOTIFIED',
  'ACKNOWLEDGED',
  'CLOSED',
] as const;
const NOTICE_STATUSES = ['DRAFT', 'SENT', 'ACKNOWLEDGED', 'WITHDRAWN'] as const;

export const IncidentReported = named(
  'IncidentReported',
  z.object({
    incidentId: z.string(),
    signalId: z.string(),
    opened: z.boolean(),
  }),
);

const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  docs.add(schema, { ...docs.get(schema), description });
  return schema;
};
/** Codes and counts of a signal or a timeline entry (a rule, a threshold, an account id): no PHI. */
const codes = (description: string) =>
  described(z.record(z.string(), z.union([z.string(), z.number()])), description);

const IncidentSummaryShape = {
  incidentId: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  discoveredAt: instant(),
  kinds: z.array(z.string()),
  signalCount: z.int(),
  pagedAt: z.optional(instant()),
  pagedKinds: z.optional(z.array(z.string())),
  closedAt: z.optional(instant()),
  affectedAccounts: z.optional(
    described(z.int(), 'Accounts the scope found affected (one notice each); present once scoped.'),
  ),
  unsentNotices: z.optional(
    described(
      z.int(),
      'Notices not sent yet, their deadlines still running; present while the incident is open.',
    ),
  ),
  nextDueAt: z.optional(
    described(
      instant(),
      'The earliest deadline of a notice not sent yet (discovery + that account’s window).',
    ),
  ),
  nextDueAccountId: z.optional(described(z.string(), 'The account whose notice is due at nextDueAt.')),
  msLeft: z.optional(
    described(z.int(), 'Milliseconds from now (the service’s clock) to nextDueAt; negative once passed.'),
  ),
};

export const IncidentSummary = named('IncidentSummary', z.object(IncidentSummaryShape));

export const IncidentList = named(
  'IncidentList',
  z.object({
    incidents: described(
      z.array(IncidentSummary),
      'Newest first; each with its deadlines from the incident itself (no notice is read per incident).',
    ),
    cursor: z.optional(z.string()),
  }),
);

const contactPoint = z.object({ role: z.string(), email: z.string(), phone: z.string() });

/** The facts of a notice both the officer and the lab see (GDPR Art 33(3), HIPAA 164.410(c)). */
const NoticeFacts = {
  discoveredAt: instant(),
  dueAt: described(instant(), 'discoveredAt + the account’s BAA notice window.'),
  categories: z.array(z.string()),
  approximatePatients: z.int(),
  approximateRecords: z.int(),
  orderIds: z.array(z.string()),
  firstEventAt: z.optional(instant()),
  lastEventAt: z.optional(instant()),
  contactPoint: described(contactPoint, 'The Caseline privacy office (Art 33(3)(b)).'),
  likelyConsequences: z.string(),
  measuresTaken: z.string(),
  measuresProposed: z.string(),
  whatTheLabShouldDo: z.string(),
};

export const NoticeView = named(
  'IncidentNotice',
  z.object({
    noticeId: z.string(),
    incidentId: z.string(),
    accountId: z.string(),
    status: z.enum(NOTICE_STATUSES),
    ...NoticeFacts,
    noticeHours: described(z.int(), 'The account’s BAA notice window, in hours.'),
    msLeft: described(z.int(), 'Milliseconds from now to dueAt; negative once passed.'),
    nature: z.string(),
    patientReferences: described(z.string(), 'Where the lab sees them: never in the officer’s view.'),
    preliminarySentAt: z.optional(instant()),
    sentAt: z.optional(instant()),
    sendCount: z.optional(described(z.int(), 'Times it went out (first send, supplements, re-sends).')),
    acknowledgedAt: z.optional(instant()),
    alert50At: z.optional(instant()),
    alert80At: z.optional(instant()),
    kinds: z.optional(described(z.array(z.string()), 'The kinds of signal its words were drafted for.')),
    scopeChangedAt: z.optional(instant()),
    pendingScope: z.optional(
      described(
        z.object({
          categories: z.array(z.string()),
          approximatePatients: z.int(),
          approximateRecords: z.int(),
          orderIds: z.array(z.string()),
          firstEventAt: z.optional(instant()),
          lastEventAt: z.optional(instant()),
          kinds: z.optional(z.array(z.string())),
        }),
        'A sent notice whose incident’s scope grew since: the facts its supplement (send again) will carry.',
      ),
    ),
  }),
  'A notice with every GDPR Art 33(3) and HIPAA 164.410(c) field; patient references only in the lab’s own view. `scopeChangedAt`: the scope grew after the officer edited the draft (its words kept, its facts refreshed) or after it was sent.',
);

const RiskAssessment = described(
  z.object({
    natureAndExtent: z.string(),
    unauthorizedPerson: z.string(),
    acquiredOrViewed: z.string(),
    mitigation: z.string(),
    safeHarbour: z.string(),
  }),
  'The four-factor risk assessment of HIPAA 164.402(2), with the safe-harbour reasoning.',
);

const AccountScope = z.object({
  accountId: z.string(),
  orderIds: z.array(z.string()),
  fileCount: z.int(),
  categories: z.array(z.string()),
  firstEventAt: z.optional(instant()),
  lastEventAt: z.optional(instant()),
});

const IncidentScope = described(
  z.object({
    scopedAt: instant(),
    accounts: z.array(AccountScope),
    orderCount: z.int(),
    fileCount: z.int(),
    categories: z.array(z.string()),
    firstEventAt: z.optional(instant()),
    lastEventAt: z.optional(instant()),
    eventsRead: described(z.int(), 'Audit events read to scope it, by index.'),
    truncated: described(z.boolean(), 'More events than one scoping reads: widen it by hand.'),
    signals: z.optional(
      described(z.int(), 'How many of the incident’s signals it covers; fewer means a re-scope is due.'),
    ),
  }),
  'Affected accounts (orders, file counts, categories, first and last event): ids only.',
);

const SignalView = described(
  z.object({
    signalId: z.string(),
    kind: z.string(),
    at: instant(),
    actor: z.optional(z.object({ sub: z.string(), role: z.string(), accountId: z.string() })),
    resource: z.optional(described(z.string(), 'An ARN or a name, when no person is involved.')),
    accountIds: z.array(z.string()),
    orderIds: z.array(z.string()),
    detail: z.optional(codes('Machine codes and counts of the rule or finding.')),
    note: z.optional(described(z.string(), 'A report’s description, screened for PHI.')),
  }),
  'A signal: id, kind, time, actor or resource, ids and codes (a report: its screened note).',
);

export const IncidentDetail = named(
  'Incident',
  z.object({
    ...IncidentSummaryShape,
    openedAt: instant(),
    actorSubs: z.array(z.string()),
    resources: z.array(z.string()),
    scope: z.optional(IncidentScope),
    triage: z.optional(
      described(
        z.object({
          decision: z.enum(['confirmed', 'not-a-breach']),
          at: instant(),
          by: z.string(),
          assessment: z.optional(RiskAssessment),
        }),
        'The decision, who and when; the four-factor assessment when not a breach.',
      ),
    ),
    containedAt: z.optional(instant()),
    summary: z.optional(z.string()),
    closedBy: z.optional(z.string()),
    awaiting: z.optional(
      described(z.enum(['TRIAGE', 'CLOSE']), 'The decision the incident workflow waits for.'),
    ),
    signals: z.array(SignalView),
    timeline: z.array(
      z.object({
        at: instant(),
        type: z.string(),
        by: z.string(),
        detail: z.optional(codes('Ids and counts of the step.')),
      }),
    ),
    notices: described(
      z.array(NoticeView),
      'Each account’s notice and the time left to its deadline (msLeft).',
    ),
  }),
);

export const IncidentRegister = named(
  'IncidentRegister',
  z.object({
    retention: z.string(),
    incidents: described(
      z.array(
        z.object({
          incidentId: z.string(),
          status: z.enum(INCIDENT_STATUSES),
          kinds: z.array(z.string()),
          discoveredAt: instant(),
          accounts: z.optional(z.array(z.string())),
          orderCount: z.optional(z.int()),
          fileCount: z.optional(z.int()),
          categories: z.optional(z.array(z.string())),
          decision: z.optional(z.enum(['confirmed', 'not-a-breach'])),
          decidedAt: z.optional(instant()),
          decidedBy: z.optional(z.string()),
          reasons: z.optional(RiskAssessment),
          containedAt: z.optional(instant()),
          closedAt: z.optional(instant()),
          summary: z.optional(z.string()),
          keptUntil: z.optional(instant()),
        }),
      ),
      'Every incident (GDPR Art 33(5)): dates, scope counts, the decision and, when dismissed, the reasons.',
    ),
    cursor: z.optional(z.string()),
  }),
);

export const LabNotice = named(
  'LabNotice',
  z.object({
    noticeId: z.string(),
    status: z.enum(NOTICE_STATUSES),
    preliminary: described(z.boolean(), 'Only the automatic preliminary notice went out so far.'),
    ...NoticeFacts,
    preliminarySentAt: z.optional(instant()),
    sentAt: z.optional(instant()),
    acknowledgedAt: z.optional(instant()),
    nature: z.string(),
    patients: z.optional(
      described(
        z.array(z.object({ orderId: z.string(), patientReference: z.optional(z.string()) })),
        'GET /notices/{noticeId} only: the patient reference of each of the lab’s own orders (audited first).',
      ),
    ),
  }),
);

export const LabNoticeList = named('LabNoticeList', z.object({ notices: z.array(LabNotice) }));

export const ContainmentResult = named(
  'ContainmentResult',
  z.object({
    incidentId: z.string(),
    actorSub: z.string(),
    designerDeactivated: z.boolean(),
    sessionsRevoked: z.boolean(),
    leasesReleased: z.array(z.string()),
  }),
);

/** The success responses of each incident route, by status code (joined with SUCCESS by build.ts). */
export const INCIDENT_SUCCESS: Readonly<Record<string, Readonly<Record<string, z.ZodMiniType | null>>>> = {
  'POST /incidents/reports': { 202: IncidentReported },
  'GET /incidents': { 200: IncidentList },
  'GET /incidents/register': { 200: IncidentRegister },
  'GET /incidents/{incidentId}': { 200: IncidentDetail },
  'POST /incidents/{incidentId}/triage': { 200: IncidentSummary },
  'PUT /incidents/{incidentId}/notices/{accountId}': { 200: NoticeView },
  'POST /incidents/{incidentId}/notices/{accountId}': { 200: NoticeView },
  'POST /incidents/{incidentId}/close': { 200: IncidentSummary },
  'POST /incidents/{incidentId}/containment': { 200: ContainmentResult },
  'GET /notices': { 200: LabNoticeList },
  'GET /notices/{noticeId}': { 200: LabNotice },
  'POST /notices/{noticeId}/acknowledge': { 200: LabNotice },
};
