import { ROUTE_ROLES } from '../../common/roles';
import { deliverablesOf } from '../domain/design/decisions';
import { labInputsOf } from '../domain/orders/read';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: orderDeliverables). */
export const deps = granted<DepsOf<typeof deliverablesOf> & DepsOf<typeof labInputsOf> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  files: files(),
  clock: clock(),
  ids: randomIds,
});

/** A lab's download links: GET /orders/{orderId}/deliverables (the design), GET /orders/{orderId}/inputs (its scans). */
export const handler = httpHandler(
  async ({ actor, params, event }) => {
    const orderId = pathParam(params, 'orderId');
    return {
      statusCode: 200,
      body:
        event.routeKey === 'GET /orders/{orderId}/inputs'
          ? await labInputsOf(deps, actor, orderId)
          : await deliverablesOf(deps, actor, orderId),
    };
  },
  { refusals: deps, roles: ROUTE_ROLES.orderDeliverables },
);
