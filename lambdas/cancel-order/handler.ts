import { requestDeletion } from '../domain/purge';
import { purgeDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = purgeDeps();

/** A draft is cancelled at once (200); a closed or archived order is hidden and scheduled for purge (202). */
export const handler = httpHandler(async ({ actor, params }) => {
  const result = await requestDeletion(deps, actor, pathParam(params, 'orderId'), 'order');
  return { statusCode: 'status' in result && result.status === 'CANCELLED' ? 200 : 202, body: result };
});
