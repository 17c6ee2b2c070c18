import { ROUTE_ROLES } from '../../common/roles';
import type { PurgeDeps } from '../domain/purge';
import { requestDeletion } from '../domain/purge';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: cancelOrder). */
export const deps = grantedSubset<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  policies: accounts(),
  accounts: accounts(),
  files: files(),
  workflow: workflow(),
  clock: clock(),
  ids: randomIds,
});

/** A draft is cancelled at once (200); a closed or archived order is hidden and scheduled for purge (202). */
export const handler = httpHandler(
  async ({ actor, params }) => {
    const result = await requestDeletion(deps, actor, pathParam(params, 'orderId'), 'order');
    return { statusCode: 'status' in result && result.status === 'CANCELLED' ? 200 : 202, body: result };
  },
  { refusals: deps, roles: ROUTE_ROLES.cancelOrder },
);
