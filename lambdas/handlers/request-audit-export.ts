import { ROUTE_ROLES } from '../../common/roles';
import { requestAuditExport } from '../domain/audit-exports';
import { httpHandler, pathParam, type RefusalAudit } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { auditExportWorkflow } from '../runtime/wiring/export-workflow';
import { exportStore } from '../runtime/wiring/exports';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: requestAuditExport). */
export const deps = granted<DepsOf<typeof requestAuditExport> & RefusalAudit>({
  exports: exportStore(),
  auditExportWorkflow: auditExportWorkflow(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params, body }) => {
    const accountId = pathParam(params, 'accountId');
    const result = await requestAuditExport(deps, actor, accountId, body);
    return {
      statusCode: 202,
      body: result,
      headers: { location: `/accounts/${accountId}/audit-exports/${result.exportId}` },
    };
  },
  { refusals: deps, roles: ROUTE_ROLES.requestAuditExport },
);
