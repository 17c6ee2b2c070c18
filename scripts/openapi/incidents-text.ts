/** The human text of the incident and notice routes (joined with OPERATIONS by build.ts). */
import type { OperationText } from './text';

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
};
