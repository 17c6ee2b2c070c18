import { declareUpload } from '../domain/orders';
import type { Deps } from '../domain/ports';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { files } from '../shared/wiring/files';
import { orders } from '../shared/wiring/orders';
import { phi } from '../shared/wiring/phi';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: declareUpload). */
export const deps = granted<Deps>({
  orders: orders(),
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
