import { ROUTE_ROLES } from '../../common/roles';
import { getProcessingRecord } from '../domain/processing-record';
import { config } from '../runtime/config';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { incidents } from '../runtime/wiring/incidents';
import { ledger } from '../runtime/wiring/ledger';
import { orders } from '../runtime/wiring/orders';
import { purgeStore } from '../runtime/wiring/purge-store';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: processingRecord): reads, and its own audit. */
export const deps = granted<DepsOf<typeof getProcessingRecord> & RefusalAudit>({
  audit: audit(),
  accounts: accounts(),
  orders: orders(),
  ledger: ledger(),
  designers: designers(),
  purgeStore: purgeStore(),
  incidents: incidents(),
  clock: clock(),
  ids: randomIds,
});

/** GET /accounts/{accountId}/processing-record: the account's record of processing (GDPR Art 30(2)). */
export const handler = httpHandler(
  async ({ actor, params, query }) => ({
    statusCode: 200,
    body: await getProcessingRecord(deps, actor, pathParam(params, 'accountId'), query, {
      region: config().region,
    }),
  }),
  { refusals: deps, roles: ROUTE_ROLES.processingRecord },
);
