import type { DesignDeps } from '../domain/design';
import { listAssignments } from '../domain/design';
import { httpHandler } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { orders } from '../shared/wiring/orders';
import { phi } from '../shared/wiring/phi';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: listAssignments). */
export const deps = granted<DesignDeps>({
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
