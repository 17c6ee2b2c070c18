import { ROUTE_ROLES } from '../../common/roles';
import { createAccount } from '../domain/accounts';
import { httpHandler, type RefusalAudit } from '../runtime/http';
import { accountKeys } from '../runtime/wiring/account-keys';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: createAccount). */
export const deps = granted<DepsOf<typeof createAccount> & RefusalAudit>({
  accounts: accounts(),
  accountKeys: accountKeys(),
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
