import type { PurgeDeps } from '../domain/purge';
import { certificateOf } from '../domain/purge';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { orders } from '../shared/wiring/orders';
import { purgeStore } from '../shared/wiring/purge-store';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: orderCertificate). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  purgeStore: purgeStore(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await certificateOf(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.orderCertificate },
);
