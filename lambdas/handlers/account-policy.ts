import { ROUTE_ROLES } from '../../common/roles';
import { getAccountPolicy, setAccountPolicy } from '../domain/account-policy';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { accounts } from '../runtime/wiring/accounts';
import { audit } from '../runtime/wiring/audit';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: accountPolicy). */
export const deps = granted<DepsOf<typeof getAccountPolicy> & DepsOf<typeof setAccountPolicy> & RefusalAudit>(
  {
    audit: audit(),
    policies: accounts(),
    accounts: accounts(),
    clock: clock(),
    ids: randomIds,
  },
);

/** GET and PUT /accounts/{accountId}/policy: one small resource, one function. */
export const handler = httpHandler(
  async ({ actor, params, body, event }) => {
    const accountId = pathParam(params, 'accountId');
    return {
      statusCode: 200,
      body:
        event.requestContext.http.method === 'PUT'
          ? await setAccountPolicy(deps, actor, accountId, body)
          : await getAccountPolicy(deps, accountId),
    };
  },
  { refusals: deps, roles: ROUTE_ROLES.accountPolicy },
);
