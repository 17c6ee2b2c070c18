import { ROUTE_ROLES } from '../../common/roles';
import { getIncident, incidentRegister, listIncidents } from '../domain/incidents/read';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { incidents } from '../runtime/wiring/incidents';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: readIncidents): reads, and its audit. */
export const deps = granted<DepsOf<typeof getIncident>>({
  incidents: incidents(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** GET /incidents/register, GET /incidents, GET /incidents/{incidentId}. */
export const handler = httpHandler(
  async ({ actor, params, query, event }) => {
    if (event.routeKey === 'GET /incidents/register')
      return { statusCode: 200, body: await incidentRegister(deps, actor, query) };
    if (params.incidentId === undefined)
      return { statusCode: 200, body: await listIncidents(deps, actor, query) };
    return { statusCode: 200, body: await getIncident(deps, actor, pathParam(params, 'incidentId')) };
  },
  { refusals: deps, roles: ROUTE_ROLES.readIncidents },
);
