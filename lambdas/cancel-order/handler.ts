import type { PurgeDeps } from '../domain/purge';
import { requestDeletion } from '../domain/purge';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { files } from '../shared/wiring/files';
import { orders } from '../shared/wiring/orders';
import { policies } from '../shared/wiring/policies';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: cancelOrder). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  policies: policies(),
  accounts: policies(),
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
