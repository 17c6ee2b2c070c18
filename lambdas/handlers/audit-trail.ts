import { ROUTE_ROLES } from '../../common/roles';
import { listAuditDigests, listAuditEvents, type TrailDeps } from '../domain/audit-trail';
import { httpHandler } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { digests } from '../runtime/wiring/digests';
import { ledger } from '../runtime/wiring/ledger';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: auditTrail): reads, and its own audit. */
export const deps = granted<TrailDeps>({
  audit: audit(),
  ledger: ledger(),
  digests: digests(),
  clock: clock(),
  ids: randomIds,
});

/** GET /audit/events (paged) and GET /audit/digests: staff auditors, read-only, each read audited. */
export const handler = httpHandler(
  async ({ actor, query, event }) => ({
    statusCode: 200,
    body:
      event.routeKey === 'GET /audit/digests'
        ? await listAuditDigests(deps, actor, query)
        : await listAuditEvents(deps, actor, query),
  }),
  { refusals: deps, roles: ROUTE_ROLES.auditTrail },
);
