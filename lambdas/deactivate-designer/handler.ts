import { deactivateDesigner } from '../domain/designers';
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

// DELETE deactivates: the designer stays on file for the international-transfer record.
export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await deactivateDesigner(deps, actor, pathParam(params, 'designerId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.deactivateDesigner },
);
