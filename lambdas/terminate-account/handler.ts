import type { PurgeDeps } from '../domain/purge';
import { terminateAccount } from '../domain/purge';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { designers } from '../shared/wiring/designers';
import { notifier } from '../shared/wiring/notifier';
import { orders } from '../shared/wiring/orders';
import { policies } from '../shared/wiring/policies';
import { purgeStore } from '../shared/wiring/purge-store';
import { purger } from '../shared/wiring/purger';
import { clock, granted, randomIds } from '../shared/wiring/runtime';
import { signer } from '../shared/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: terminateAccount). */
export const deps = granted<PurgeDeps>({
  orders: orders(),
  audit: audit(),
  designers: designers(),
  policies: policies(),
  accounts: policies(),
  purgeStore: purgeStore(),
  signer: signer(),
  purger: purger(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await terminateAccount(deps, actor, pathParam(params, 'accountId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.terminateAccount },
);
