/** The human text of the incident and notice routes (joined with OPERATIONS by build.ts). */
import type { OperationText } from './text';

const accountId = {
  name: 'accountId',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The affected lab account.',
} as const;

const noticeId = {
  name: 'noticeId',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The notice id (ntc_…).',
} as const;

const OFFICER = {
  '401': 'Missing, invalid or expired token.',
  '403': 'Privacy officers only.',
  '404': 'No such incident (or no notice for that account).',
  '503': 'The audit record could not be written, or the workflow did not answer: nothing was changed. Retry.',
} as const;

const LAB = {
  '401': 'Missing, invalid or expired token.',
  '403': 'Labs and lab-admins only.',
  '503': 'The audit record could not be written, so nothing was read. Retry.',
} as const;

const incidentId = {
  name: 'incidentId',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The incident id (inc_…).',
} as const;

export const INCIDENT_OPERATIONS: Readonly<Record<string, OperationText>> = {
  'POST /incidents/reports': {
    summary: 'Report a suspected breach (anyone signed in)',
    description:
      "A designer who downloaded the wrong case, a lab whose laptop was stolen: the report becomes a signal that opens an incident (privacy officers paged at once) or joins the reporter's open one. The description is screened for PHI like order notes; the page carries ids only.",
    responses: {
      '202': 'The incident the report opened or joined.',
      '400':
        'A field is wrong: category not in the list, description empty, too long or naming a patient, more than 50 order ids.',
      '401': 'Missing, invalid or expired token.',
      '503': 'The audit record could not be written, so nothing was recorded. Retry.',
    },
    fields: {
      description:
        'What happened, up to 2,000 characters; no patient names, dates of birth or contact details.',
      orderIds: 'The orders involved, if known (at most 50).',
    },
  },
  'GET /incidents': {
    summary: 'List incidents, newest first (privacy officers, auditors)',
    description: 'Paged by discovery time; audited.',
    parameters: [
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'From the previous page.',
      },
    ],
    responses: {
      '200': 'A page of incidents.',
      '400': 'limit is not 1 to 100, or cursor is not one this route gave.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Privacy officers and auditors only.',
      '503': 'The audit record could not be written, so nothing was read. Retry.',
    },
  },
  'GET /incidents/register': {
    summary: 'The breach register (privacy officers, auditors)',
    description:
      'Every incident, notified or not (GDPR Art 33(5)): dates, kinds, affected accounts and counts, the decision, the four-factor reasons of a dismissal, containment, closing summary, and until when it is kept (6 years after it closes). Paged; audited.',
    parameters: [
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'From the previous page.',
      },
    ],
    responses: {
      '200': 'A page of the register.',
      '400': 'limit is not 1 to 100, or cursor is not one this route gave.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Privacy officers and auditors only.',
      '503': 'The audit record could not be written, so nothing was read. Retry.',
    },
  },
  'GET /incidents/{incidentId}': {
    summary: 'One incident: timeline, signals, scope, notices and time left per account',
    description:
      'Ids, codes, counts and dates: no patient reference. The read is audited against the staff account and each affected account before anything is returned.',
    parameters: [incidentId],
    responses: {
      '200': 'The incident.',
      '401': 'Missing, invalid or expired token.',
      '403': 'Privacy officers and auditors only.',
      '404': 'No such incident.',
      '503': 'The audit record could not be written, so nothing was read. Retry.',
    },
  },
  'POST /incidents/{incidentId}/triage': {
    summary: 'Triage an incident (privacy officers)',
    description:
      'confirmed: a breach, the notices go out. not-a-breach: only with the four-factor risk assessment of HIPAA 164.402(2) (natureAndExtent, unauthorizedPerson, acquiredOrViewed, mitigation) and safeHarbour; the incident is dismissed, its notices withdrawn, and it stays in the register with its reasons. Once, after the scope.',
    parameters: [incidentId],
    responses: {
      '200': 'The incident, CONFIRMED (NOTIFIED when no account is affected) or DISMISSED.',
      '400':
        'A field is wrong: each is named (an assessment factor missing for not-a-breach, a patient named in one).',
      ...OFFICER,
      '409': 'INCIDENT_NOT_READY: still being scoped. ALREADY_TRIAGED: decided before.',
    },
  },
  'PUT /incidents/{incidentId}/notices/{accountId}': {
    summary: "Edit an affected account's notice (privacy officers)",
    description:
      'Any of nature, likelyConsequences, measuresTaken, measuresProposed, whatTheLabShouldDo; each screened for PHI like order notes. After it was sent, an edit sent again is a supplement (GDPR Art 33(4)).',
    parameters: [incidentId, accountId],
    responses: {
      '200': 'The notice as it stands.',
      '400': 'A field is wrong, empty, too long or names a patient: each is named.',
      ...OFFICER,
      '409': 'CONCURRENT_UPDATE: the notice changed meanwhile, or was withdrawn.',
    },
  },
  'POST /incidents/{incidentId}/notices/{accountId}': {
    summary: "Send an affected account's notice to its security contacts (privacy officers)",
    description:
      "One message per breach contact of the account registry (all contacts when none is marked), carrying the notice id and a link, never PHI; the lab's users read it signed in. Not acknowledged within 12 hours: sent again to the next contact.",
    parameters: [incidentId, accountId],
    responses: {
      '200': 'The notice, SENT.',
      ...OFFICER,
      '409': 'INCIDENT_NOT_CONFIRMED: triage it first. NO_CONTACT: the account has no security contact.',
    },
  },
  'POST /incidents/{incidentId}/containment': {
    summary: "Suspend an incident's actor in one step (privacy officers)",
    description:
      'The actor (one of the incident’s actorSubs): a designer is deactivated (kept on file), every session of the user revoked (AdminUserGlobalSignOut), every order it holds returned to the queue with its slot. Audited, on the timeline; repeating it changes nothing more.',
    parameters: [incidentId],
    responses: {
      '200': 'What was done.',
      '400': 'actorSub is not an id, or not an actor of this incident.',
      ...OFFICER,
      '409': 'INCIDENT_CLOSED: the incident is closed.',
    },
  },
  'POST /incidents/{incidentId}/close': {
    summary: 'Close an incident with a summary (privacy officers)',
    description:
      'A dismissed incident, or a confirmed one whose notices all went out. The register keeps it 6 years after it closes.',
    parameters: [incidentId],
    responses: {
      '200': 'The incident, CLOSED.',
      '400': 'summary is missing, too long or names a patient.',
      ...OFFICER,
      '409': 'INCIDENT_NOT_CLOSABLE: not dismissed, or a notice has not gone out yet.',
    },
  },
  'GET /notices': {
    summary: "Your account's breach notices (labs)",
    description:
      'Every notice sent to the account, the automatic preliminary ones included (preliminary: true). Audited.',
    responses: { '200': 'The notices, newest first.', ...LAB },
  },
  'GET /notices/{noticeId}': {
    summary: 'One notice, with the patient references of your orders involved (labs)',
    description:
      'Every GDPR Art 33(3) and HIPAA 164.410(c) field, and for each order involved its patient reference, decrypted only here, for the lab that owns the order, after the read was audited (it fails closed).',
    parameters: [noticeId],
    responses: {
      '200': 'The notice and its patients.',
      '404': "No such notice for the caller's account.",
      ...LAB,
    },
  },
  'POST /notices/{noticeId}/acknowledge': {
    summary: 'Acknowledge receipt of a notice (labs)',
    description: 'Records the receipt time; acknowledging again answers the same.',
    parameters: [noticeId],
    responses: {
      '200': 'The notice, ACKNOWLEDGED.',
      '404': "No such notice for the caller's account.",
      '409': 'NOTICE_PRELIMINARY: only the preliminary notice went out; the full one follows.',
      ...LAB,
    },
  },
};
