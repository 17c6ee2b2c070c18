import { getAccountPolicy, setAccountPolicy } from '../domain/account-policy';
import { designDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = designDeps();

/** GET and PUT /accounts/{accountId}/policy: one small resource, one function. */
export const handler = httpHandler(async ({ actor, params, body, event }) => {
  const accountId = pathParam(params, 'accountId');
  return {
    statusCode: 200,
    body:
      event.requestContext.http.method === 'PUT'
        ? await setAccountPolicy(deps, actor, accountId, body)
        : await getAccountPolicy(deps, actor, accountId),
  };
});
