import { ROUTE_ROLES } from '../../common/roles';
import type { AccountDeps } from '../domain/accounts';
import { getAccount } from '../domain/accounts';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: getAccount). */
export const deps = granted<AccountDeps>({
  accounts: accounts(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await getAccount(deps, actor, pathParam(params, 'accountId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.getAccount },
);
