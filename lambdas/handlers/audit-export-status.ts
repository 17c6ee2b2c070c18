import { ROUTE_ROLES } from '../../common/roles';
import { auditExportStatus, listAuditExports } from '../domain/audit-exports';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { exportStore } from '../runtime/wiring/exports';
import { files } from '../runtime/wiring/files';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: auditExportStatus). */
export const deps = granted<DepsOf<typeof auditExportStatus> & RefusalAudit>({
  exports: exportStore(),
  files: files(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

/** GET /accounts/{accountId}/audit-exports (the list), GET …/audit-exports/{exportId} (one, with its link). */
export const handler = httpHandler(
  async ({ actor, params, query }) => ({
    statusCode: 200,
    body:
      params.exportId === undefined
        ? await listAuditExports(deps, actor, pathParam(params, 'accountId'), query)
        : await auditExportStatus(deps, actor, pathParam(params, 'accountId'), pathParam(params, 'exportId')),
  }),
  { refusals: deps, roles: ROUTE_ROLES.auditExportStatus },
);
