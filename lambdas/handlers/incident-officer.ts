import { ROUTE_ROLES } from '../../common/roles';
import { closeIncident } from '../domain/incidents/close';
import { containIncident } from '../domain/incidents/containment';
import { editNotice, sendNotice } from '../domain/incidents/officer-notice';
import { triageIncident } from '../domain/incidents/triage';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { identity } from '../runtime/wiring/identity';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/**
 * Only the adapters this function is granted (lib/function-adapters.ts: incidentOfficer). One
 * function for the privacy officer's acts on an incident (the stack is near CloudFormation's
 * 500-resource ceiling, and a function per route costs five): no PHI is within its reach.
 */
export const deps = granted<
  DepsOf<typeof triageIncident> &
    DepsOf<typeof editNotice> &
    DepsOf<typeof sendNotice> &
    DepsOf<typeof containIncident> &
    DepsOf<typeof closeIncident>
>({
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  accounts: accounts(),
  designers: designers(),
  identity: identity(),
  orders: orders(),
  notifier: notifier(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** POST …/triage, PUT and POST …/notices/{accountId}, POST …/containment, POST …/close. */
export const handler = httpHandler(
  async ({ actor, params, body, event }) => {
    const incidentId = pathParam(params, 'incidentId');
    switch (event.routeKey) {
      case 'POST /incidents/{incidentId}/triage':
        return { statusCode: 200, body: await triageIncident(deps, actor, incidentId, body) };
      case 'PUT /incidents/{incidentId}/notices/{accountId}':
        return {
          statusCode: 200,
          body: await editNotice(deps, actor, incidentId, pathParam(params, 'accountId'), body),
        };
      case 'POST /incidents/{incidentId}/notices/{accountId}':
        return {
          statusCode: 200,
          body: await sendNotice(deps, actor, incidentId, pathParam(params, 'accountId')),
        };
      case 'POST /incidents/{incidentId}/containment':
        return { statusCode: 200, body: await containIncident(deps, actor, incidentId, body) };
      default:
        return { statusCode: 200, body: await closeIncident(deps, actor, incidentId, body) };
    }
  },
  { refusals: deps, roles: ROUTE_ROLES.incidentOfficer },
);
