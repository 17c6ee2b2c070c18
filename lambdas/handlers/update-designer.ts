import { ROUTE_ROLES } from '../../common/roles';
import { updateDesigner } from '../domain/designers';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { clock, randomIds } from '../runtime/wiring/runtime';

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
