import { ROUTE_ROLES } from '../../common/roles';
import { deactivateDesigner } from '../domain/designers';
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

// DELETE deactivates: the designer stays on file for the international-transfer record.
export const handler = httpHandler(
  async ({ actor, params }) => ({
    statusCode: 200,
    body: await deactivateDesigner(deps, actor, pathParam(params, 'designerId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.deactivateDesigner },
);
