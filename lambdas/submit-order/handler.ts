import { submitOrder } from '../domain/orders';
import type { Deps } from '../domain/ports';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { files } from '../shared/wiring/files';
import { orders } from '../shared/wiring/orders';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: submitOrder). */
export const deps = granted<Deps>({
  orders: orders(),
  audit: audit(),
  files: files(),
  workflow: workflow(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 202,
    body: await submitOrder(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.submitOrder },
);
