import { ROUTE_ROLES } from '../../common/roles';
import { reportIncident } from '../domain/incidents/report';
import { httpHandler } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: reportIncident). */
export const deps = granted<DepsOf<typeof reportIncident>>({
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** POST /incidents/reports: anyone signed in reports a suspected breach (202: the incident runs). */
export const handler = httpHandler(
  async ({ actor, body }) => ({ statusCode: 202, body: await reportIncident(deps, actor, body) }),
  { refusals: deps, roles: ROUTE_ROLES.reportIncident },
);
