import { listAssignments } from '../domain/design';
import { designDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

const deps = designDeps();

export const handler = httpHandler(async ({ actor }) => ({
  statusCode: 200,
  body: await listAssignments(deps, actor),
}));
