import { ROUTE_ROLES } from '../../common/roles';
import type { PurgeDeps } from '../domain/purge';
import { requestDeletion } from '../domain/purge';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: deleteOrderFiles). */
export const deps = grantedSubset<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  policies: accounts(),
  accounts: accounts(),
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
