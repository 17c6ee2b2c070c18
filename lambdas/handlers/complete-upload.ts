import { ROUTE_ROLES } from '../../common/roles';
import { completeUpload } from '../domain/orders/uploads';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: completeUpload). */
export const deps = granted<DepsOf<typeof completeUpload> & RefusalAudit>({
  orders: orders(),
  audit: audit(),
  files: files(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 200,
    body: await completeUpload(deps, actor, pathParam(params, 'orderId'), pathParam(params, 'fileId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.completeUpload },
);
