import { ROUTE_ROLES } from '../../common/roles';
import { acceptDelivery } from '../domain/design/decisions';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: acceptOrder). */
export const deps = granted<DepsOf<typeof acceptDelivery> & RefusalAudit>({
  policies: accounts(),
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
