import { ROUTE_ROLES } from '../../common/roles';
import { closeIncident } from '../domain/incidents/close';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: closeIncident). */
export const deps = granted<DepsOf<typeof closeIncident>>({
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  notifier: notifier(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** POST /incidents/{incidentId}/close with a summary: the register keeps it 6 years. */
export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 200,
    body: await closeIncident(deps, actor, pathParam(params, 'incidentId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.closeIncident },
);
