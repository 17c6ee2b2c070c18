import { parseCreateOrder } from '../domain/order-input';
import { createOrder } from '../domain/orders';
import type { Deps } from '../domain/ports';
import { httpHandler } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { hasher } from '../shared/wiring/hasher';
import { orders } from '../shared/wiring/orders';
import { phi } from '../shared/wiring/phi';
import { policies } from '../shared/wiring/policies';
import { clock, granted, randomIds } from '../shared/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: createOrder). */
export const deps = granted<Deps>({
  orders: orders(),
  audit: audit(),
  accounts: policies(),
  phi: phi(),
  hasher: hasher(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, body }) => ({
    statusCode: 201,
    body: await createOrder(deps, actor, parseCreateOrder(body)),
  }),
  { refusals: deps, roles: ROUTE_ROLES.createOrder },
);
