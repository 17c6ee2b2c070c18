import { completeUpload } from '../domain/orders';
import type { Deps } from '../domain/ports';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { files } from '../shared/wiring/files';
import { orders } from '../shared/wiring/orders';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: completeUpload). */
export const deps = granted<Deps>({
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
