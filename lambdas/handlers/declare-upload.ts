import { ROUTE_ROLES } from '../../common/roles';
import { declareUpload } from '../domain/orders/uploads';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { accountKeys } from '../runtime/wiring/account-keys';
import { audit } from '../runtime/wiring/audit';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: declareUpload). */
export const deps = granted<DepsOf<typeof declareUpload> & RefusalAudit>({
  orders: orders(),
  accountKeys: accountKeys(),
  audit: audit(),
  phi: phi(),
  files: files(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 201,
    body: await declareUpload(deps, actor, pathParam(params, 'orderId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.declareUpload },
);
