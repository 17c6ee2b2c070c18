import { ROUTE_ROLES } from '../../common/roles';
import type { AccountDeps } from '../domain/accounts';
import { createAccount } from '../domain/accounts';
import { httpHandler } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: createAccount). */
export const deps = granted<AccountDeps>({
  accounts: accounts(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, body }) => ({
    statusCode: 201,
    body: await createAccount(deps, actor, body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.createAccount },
);
