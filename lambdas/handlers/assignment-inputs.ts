import { ROUTE_ROLES } from '../../common/roles';
import { inputsOf } from '../domain/design/assignments';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: assignmentInputs). */
export const deps = granted<DepsOf<typeof inputsOf> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  files: files(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await inputsOf(deps, actor, pathParam(params, 'orderId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.assignmentInputs },
);
