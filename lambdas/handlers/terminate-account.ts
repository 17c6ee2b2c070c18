import { ROUTE_ROLES } from '../../common/roles';
import type { PurgeDeps } from '../domain/purge';
import { terminateAccount } from '../domain/purge';
import { httpHandler, pathParam } from '../runtime/http';
import { accountKeys } from '../runtime/wiring/account-keys';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { identity } from '../runtime/wiring/identity';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { purgeStore } from '../runtime/wiring/purge-store';
import { purger } from '../runtime/wiring/purger';
import { clock, grantedSubset, randomIds } from '../runtime/wiring/runtime';
import { signer } from '../runtime/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: terminateAccount). */
export const deps = grantedSubset<PurgeDeps>({
  orders: orders(),
  accountKeys: accountKeys(),
  audit: audit(),
  designers: designers(),
  policies: accounts(),
  accounts: accounts(),
  identity: identity(),
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
