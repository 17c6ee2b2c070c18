import { ROUTE_ROLES } from '../../common/roles';
import { listAssignments } from '../domain/design/assignments';
import { httpHandler, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: listAssignments). */
export const deps = granted<DepsOf<typeof listAssignments> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  phi: phi(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor }) => ({
    statusCode: 200,
    body: await listAssignments(deps, actor),
  }),
  { refusals: deps, roles: ROUTE_ROLES.listAssignments },
);
