import { claimNext } from '../domain/design';
import { designDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

const deps = designDeps();

/** 200 with the leased order, or 204 when nothing fits this designer or it is at capacity. */
export const handler = httpHandler(async ({ actor }) => {
  const assignment = await claimNext(deps, actor);
  return assignment ? { statusCode: 200, body: assignment } : { statusCode: 204 };
});
