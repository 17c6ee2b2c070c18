import { ROUTE_ROLES } from '../../common/roles';
import type { AccountDeps } from '../domain/accounts';
import { listAccounts } from '../domain/accounts';
import { httpHandler } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: listAccounts). */
export const deps = granted<AccountDeps>({
  accounts: accounts(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, query }) => ({
    statusCode: 200,
    body: await listAccounts(deps, actor, query),
  }),
  { refusals: deps, roles: ROUTE_ROLES.listAccounts },
);
