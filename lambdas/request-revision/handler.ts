import type { DesignDeps } from '../domain/design';
import { requestRevision } from '../domain/design';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { phi } from '../shared/wiring/phi';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: requestRevision). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  audit: audit(),
  phi: phi(),
  workflow: workflow(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 202,
    body: await requestRevision(deps, actor, pathParam(params, 'orderId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.requestRevision },
);
