import { ROUTE_ROLES } from '../../common/roles';
import { deliverablesOf } from '../domain/design/decisions';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: orderDeliverables). */
export const deps = granted<DepsOf<typeof deliverablesOf> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  files: files(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await deliverablesOf(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.orderDeliverables },
);
