import { ROUTE_ROLES } from '../../common/roles';
import { acknowledgeLabNotice, listLabNotices, viewLabNotice } from '../domain/incidents/lab-notices';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { incidents } from '../runtime/wiring/incidents';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: labNotices). */
export const deps = granted<DepsOf<typeof viewLabNotice>>({
  incidents: incidents(),
  orders: orders(),
  phi: phi(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** GET /notices, GET /notices/{noticeId} (patient references, audited first), POST …/acknowledge. */
export const handler = httpHandler(
  async ({ actor, params, event }) => {
    if (params.noticeId === undefined) return { statusCode: 200, body: await listLabNotices(deps, actor) };
    const noticeId = pathParam(params, 'noticeId');
    return event.requestContext.http.method === 'POST'
      ? { statusCode: 200, body: await acknowledgeLabNotice(deps, actor, noticeId) }
      : { statusCode: 200, body: await viewLabNotice(deps, actor, noticeId) };
  },
  { refusals: deps, roles: ROUTE_ROLES.labNotices },
);
