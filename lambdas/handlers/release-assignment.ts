import { ROUTE_ROLES } from '../../common/roles';
import { releaseAssignment } from '../domain/design/assignments';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: releaseAssignment). */
export const deps = granted<DepsOf<typeof releaseAssignment> & RefusalAudit>({
  notifier: notifier(),
  orders: orders(),
  audit: audit(),
  designers: designers(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await releaseAssignment(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.releaseAssignment },
);
