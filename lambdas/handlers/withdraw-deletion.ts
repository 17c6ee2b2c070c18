import { ROUTE_ROLES } from '../../common/roles';
import type { PurgeDeps } from '../domain/purge';
import { withdrawDeletion } from '../domain/purge';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: withdrawDeletion). */
export const deps = grantedSubset<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await withdrawDeletion(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.withdrawDeletion },
);
