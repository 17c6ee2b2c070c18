import type { DesignDeps } from '../domain/design';
import { resumeOrder } from '../domain/recovery';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { orders } from '../shared/wiring/orders';
import { policies } from '../shared/wiring/policies';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: resumeOrder). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  audit: audit(),
  policies: policies(),
  accounts: policies(),
  workflow: workflow(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => {
    const result = await resumeOrder(deps, actor, pathParam(params, 'orderId'));
    return { statusCode: result.duplicate ? 200 : 202, body: result };
  },
  { refusals: deps, roles: ROUTE_ROLES.resumeOrder },
);
