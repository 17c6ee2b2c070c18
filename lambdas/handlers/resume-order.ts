import { ROUTE_ROLES } from '../../common/roles';
import type { DesignDeps } from '../domain/ports';
import { resumeOrder } from '../domain/recovery';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { orders } from '../runtime/wiring/orders';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: resumeOrder). */
export const deps = grantedSubset<DesignDeps>({
  orders: orders(),
  audit: audit(),
  policies: accounts(),
  accounts: accounts(),
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
