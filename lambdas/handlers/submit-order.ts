import { ROUTE_ROLES } from '../../common/roles';
import { submitOrder } from '../domain/orders/submit';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { recordMetric } from '../runtime/metrics';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: submitOrder). */
export const deps = granted<DepsOf<typeof submitOrder> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  files: files(),
  workflow: workflow(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => {
    const submitted = await submitOrder(deps, actor, pathParam(params, 'orderId'));
    if (!submitted.duplicate) recordMetric('OrdersSubmitted');
    return { statusCode: 202, body: submitted };
  },
  { refusals: deps, roles: ROUTE_ROLES.submitOrder },
);
