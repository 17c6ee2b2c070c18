import type { DesignDeps } from '../domain/design';
import { submitDesign } from '../domain/design';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { designers } from '../shared/wiring/designers';
import { files } from '../shared/wiring/files';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { workflow } from '../shared/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: submitDesign). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  audit: audit(),
  files: files(),
  workflow: workflow(),
  designers: designers(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 202,
    body: await submitDesign(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.submitDesign },
);
