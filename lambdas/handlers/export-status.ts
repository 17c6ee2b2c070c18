import { ROUTE_ROLES } from '../../common/roles';
import { type ExportStatusDeps, exportStatus, listExports } from '../domain/export';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { exportStore } from '../runtime/wiring/exports';
import { files } from '../runtime/wiring/files';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: exportStatus). */
export const deps = granted<ExportStatusDeps>({
  exports: exportStore(),
  files: files(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** GET /accounts/{accountId}/exports (the list), GET …/exports/{exportId} (one, with its link). */
export const handler = httpHandler(
  async ({ actor, params, query }) => ({
    statusCode: 200,
    body:
      params.exportId === undefined
        ? await listExports(deps, actor, pathParam(params, 'accountId'), query)
        : await exportStatus(deps, actor, pathParam(params, 'accountId'), pathParam(params, 'exportId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.exportStatus },
);
