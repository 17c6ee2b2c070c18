import { ROUTE_ROLES } from '../../common/roles';
import { submitDesign } from '../domain/design/hand-in';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { files } from '../runtime/wiring/files';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: submitDesign). */
export const deps = granted<DepsOf<typeof submitDesign> & RefusalAudit>({
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
