import { ROUTE_ROLES } from '../../common/roles';
import { heartbeat } from '../domain/design/assignments';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: heartbeatAssignment). */
export const deps = granted<DepsOf<typeof heartbeat> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await heartbeat(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.heartbeatAssignment },
);
