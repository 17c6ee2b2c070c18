import { ROUTE_ROLES } from '../../common/roles';
import { claimNext } from '../domain/design/claim';
import { httpHandler, type RefusalAudit } from '../runtime/http';
import { recordMetric } from '../runtime/metrics';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: claimOrder). */
export const deps = granted<DepsOf<typeof claimNext> & RefusalAudit>({
  notifier: notifier(),
  orders: orders(),
  audit: audit(),
  designers: designers(),
  phi: phi(),
  clock: clock(),
  ids: randomIds,
});

/** 200 with the leased order, or 204 when nothing fits this designer or it is at capacity. */
export const handler = httpHandler(
  async ({ actor }) => {
    const assignment = await claimNext(deps, actor);
    if (assignment) recordMetric('OrdersClaimed');
    return assignment ? { statusCode: 200, body: assignment } : { statusCode: 204 };
  },
  { refusals: deps, roles: ROUTE_ROLES.claimOrder },
);
