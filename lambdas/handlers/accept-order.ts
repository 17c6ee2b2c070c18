import { ROUTE_ROLES } from '../../common/roles';
import { acceptDelivery } from '../domain/design/decisions';
import type { DesignDeps } from '../domain/ports';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

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
