import { ROUTE_ROLES } from '../../common/roles';
import { parseCreateOrder } from '../domain/order-input';
import { createOrder } from '../domain/orders/create';
import { httpHandler, type RefusalAudit } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { hasher } from '../runtime/wiring/hasher';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: createOrder). */
export const deps = granted<DepsOf<typeof createOrder> & RefusalAudit>({
  notifier: notifier(),
  orders: orders(),
  audit: audit(),
  accounts: accounts(),
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
