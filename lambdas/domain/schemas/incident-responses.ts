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
const facts = (description: string) => {
  const s = z.record(z.string(), z.unknown());
  docs.add(s, { description });
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

const IncidentSummaryShape = {
  incidentId: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  discoveredAt: instant(),
  kinds: z.array(z.string()),
  signalCount: z.int(),
  pagedAt: z.optional(instant()),
  pagedKinds: z.optional(z.array(z.string())),
  closedAt: z.optional(instant()),
};

export const IncidentSummary = named('IncidentSummary', z.object(IncidentSummaryShape));

export const IncidentList = named(
  'IncidentList',
  z.object({ incidents: z.array(IncidentSummary), cursor: z.optional(z.string()) }),
);

export const NoticeView = named(
  'IncidentNotice',
  z.object({
    noticeId: z.string(),
    incidentId: z.string(),
    accountId: z.string(),
    status: z.enum(NOTICE_STATUSES),
    discoveredAt: instant(),
    dueAt: instant(),
    nature: z.string(),
    categories: z.array(z.string()),
    approximatePatients: z.int(),
    approximateRecords: z.int(),
    orderIds: z.array(z.string()),
    contactPoint: z.object({ role: z.string(), email: z.string(), phone: z.string() }),
    likelyConsequences: z.string(),
    measuresTaken: z.string(),
    measuresProposed: z.string(),
    whatTheLabShouldDo: z.string(),
    kinds: z.optional(z.array(z.string())),
    scopeChangedAt: z.optional(instant()),
    pendingScope: z.optional(
      facts(
        'A sent notice whose incident’s scope grew since: the facts (order ids, counts, categories, kinds) its supplement (send again) will carry.',
      ),
    ),
  }),
  'A notice with every GDPR Art 33(3) and HIPAA 164.410(c) field; patient references only in the lab’s own view. `scopeChangedAt`: the scope grew after the officer edited the draft (its words kept, its facts refreshed) or after it was sent.',
);

export const IncidentDetail = named(
  'Incident',
  z.object({
    ...IncidentSummaryShape,
    scope: z.optional(
      facts('Affected accounts (orders, file counts, categories, first and last event): ids only.'),
    ),
    triage: z.optional(facts('The decision, who and when; the four-factor assessment when not a breach.')),
    signals: z.array(
      facts('A signal: id, kind, time, actor or resource, ids and codes (a report: its screened note).'),
    ),
    timeline: z.array(z.object({ at: instant(), type: z.string(), by: z.string() })),
    notices: z.array(facts('Each account’s notice and the time left to its deadline (msLeft).')),
  }),
);

export const IncidentRegister = named(
  'IncidentRegister',
  z.object({
    incidents: z.array(
      facts(
        'Every incident (GDPR Art 33(5)): dates, scope counts, the decision and, when dismissed, the reasons.',
      ),
    ),
    cursor: z.optional(z.string()),
  }),
);

export const LabNotice = named(
  'LabNotice',
  z.object({
    noticeId: z.string(),
    status: z.enum(NOTICE_STATUSES),
    preliminary: z.boolean(),
    dueAt: instant(),
    sentAt: z.optional(instant()),
    acknowledgedAt: z.optional(instant()),
    nature: z.string(),
    orderIds: z.array(z.string()),
    patients: z.optional(
      z.array(z.object({ orderId: z.string(), patientReference: z.optional(z.string()) })),
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
