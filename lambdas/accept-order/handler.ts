import type { DesignDeps } from '../domain/design';
import { acceptDelivery } from '../domain/design';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: acceptOrder). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  audit: audit(),
  workflow: workflow(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await acceptDelivery(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.acceptOrder },
);
