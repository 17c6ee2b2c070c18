import { ROUTE_ROLES } from '../../common/roles';
import { type AccountUserDeps, inviteUser, listUsers, removeUser } from '../domain/account-users';
import { httpHandler, pathParam } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { identity } from '../runtime/wiring/identity';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: accountUsers). */
export const deps = granted<AccountUserDeps>({
  accounts: accounts(),
  audit: audit(),
  identity: identity(),
  clock: clock(),
  ids: randomIds,
});

/** POST and GET /accounts/{accountId}/users, DELETE /accounts/{accountId}/users/{userId}. */
export const handler = httpHandler(
  async ({ actor, params, body, event }) => {
    const accountId = pathParam(params, 'accountId');
    switch (event.requestContext.http.method) {
      case 'POST':
        return { statusCode: 201, body: await inviteUser(deps, actor, accountId, body) };
      case 'DELETE':
        return {
          statusCode: 200,
          body: await removeUser(deps, actor, accountId, pathParam(params, 'userId')),
        };
      default:
        return { statusCode: 200, body: await listUsers(deps, actor, accountId) };
    }
  },
  { refusals: deps, roles: ROUTE_ROLES.accountUsers },
);
