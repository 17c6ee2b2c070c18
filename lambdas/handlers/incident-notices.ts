import { ROUTE_ROLES } from '../../common/roles';
import { editNotice, sendNotice } from '../domain/incidents/officer-notice';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { incidents } from '../runtime/wiring/incidents';
import { notifier } from '../runtime/wiring/notifier';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: incidentNotices). */
export const deps = granted<DepsOf<typeof editNotice> & DepsOf<typeof sendNotice>>({
  incidents: incidents(),
  accounts: accounts(),
  notifier: notifier(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** PUT (edit) and POST (send) /incidents/{incidentId}/notices/{accountId}. */
export const handler = httpHandler(
  async ({ actor, params, body, event }) => {
    const incidentId = pathParam(params, 'incidentId');
    const accountId = pathParam(params, 'accountId');
    return event.requestContext.http.method === 'PUT'
      ? { statusCode: 200, body: await editNotice(deps, actor, incidentId, accountId, body) }
      : { statusCode: 200, body: await sendNotice(deps, actor, incidentId, accountId) };
  },
  { refusals: deps, roles: ROUTE_ROLES.incidentNotices },
);
