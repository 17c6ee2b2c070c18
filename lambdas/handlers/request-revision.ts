import { ROUTE_ROLES } from '../../common/roles';
import { requestRevision } from '../domain/design/decisions';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';
import { workflow } from '../runtime/wiring/workflow';

/** Only the adapters this function is granted (lib/function-adapters.ts: requestRevision). */
export const deps = granted<DepsOf<typeof requestRevision> & RefusalAudit>({
  policies: accounts(),
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
