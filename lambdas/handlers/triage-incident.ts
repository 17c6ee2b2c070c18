import { ROUTE_ROLES } from '../../common/roles';
import { triageIncident } from '../domain/incidents/triage';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: triageIncident). */
export const deps = granted<DepsOf<typeof triageIncident>>({
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  notifier: notifier(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** POST /incidents/{incidentId}/triage: confirmed, or not-a-breach with its four-factor assessment. */
export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 200,
    body: await triageIncident(deps, actor, pathParam(params, 'incidentId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.triageIncident },
);
