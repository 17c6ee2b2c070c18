import type { PurgeDeps } from '../domain/purge';
import { requestDeletion } from '../domain/purge';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { orders } from '../shared/wiring/orders';
import { policies } from '../shared/wiring/policies';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: deleteOrderFiles). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  policies: policies(),
  accounts: policies(),
  workflow: workflow(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 202,
    body: await requestDeletion(deps, actor, pathParam(params, 'orderId'), 'files'),
  }),
  { refusals: deps, roles: ROUTE_ROLES.deleteOrderFiles },
);
