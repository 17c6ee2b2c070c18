import { releaseAssignment } from '../domain/design';
import { designDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = designDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 200,
  body: await releaseAssignment(deps, actor, pathParam(params, 'orderId')),
}));
