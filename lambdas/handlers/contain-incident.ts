import { ROUTE_ROLES } from '../../common/roles';
import { containIncident } from '../domain/incidents/containment';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { identity } from '../runtime/wiring/identity';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: containIncident). */
export const deps = granted<DepsOf<typeof containIncident>>({
  incidents: incidents(),
  designers: designers(),
  identity: identity(),
  accounts: accounts(),
  orders: orders(),
  notifier: notifier(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** POST /incidents/{incidentId}/containment {actorSub}: deactivate, sign out, release its leases. */
export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 200,
    body: await containIncident(deps, actor, pathParam(params, 'incidentId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.containIncident },
);
