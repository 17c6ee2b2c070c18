import { listOrders } from '../domain/orders';
import type { Deps } from '../domain/ports';
import { httpHandler } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { orders } from '../shared/wiring/orders';
import { phi } from '../shared/wiring/phi';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: listOrders). */
export const deps = granted<Deps>({
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
