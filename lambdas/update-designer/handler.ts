import { updateDesigner } from '../domain/designers';
import { httpHandler, pathParam } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { designers } from '../shared/wiring/designers';
import { clock, randomIds } from '../shared/wiring/runtime';

export const deps = Object.freeze({
  audit: audit(),
  designers: designers(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params, body }) => ({
    statusCode: 200,
    body: await updateDesigner(deps, actor, pathParam(params, 'designerId'), body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.updateDesigner },
);
