import { ROUTE_ROLES } from '../../common/roles';
import { listOrders } from '../domain/orders/read';
import { httpHandler, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: listOrders). */
export const deps = granted<DepsOf<typeof listOrders> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  phi: phi(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, query }) => ({
    statusCode: 200,
    body: await listOrders(deps, actor, query),
  }),
  { refusals: deps, roles: ROUTE_ROLES.listOrders },
);
