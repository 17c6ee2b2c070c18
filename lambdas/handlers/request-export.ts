import { ROUTE_ROLES } from '../../common/roles';
import { type ExportRequestDeps, requestExport } from '../domain/export';
import { httpHandler, pathParam } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { exportWorkflow } from '../runtime/wiring/export-workflow';
import { exportStore } from '../runtime/wiring/exports';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: requestExport). */
export const deps = granted<ExportRequestDeps>({
  exports: exportStore(),
  exportWorkflow: exportWorkflow(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor, params }) => {
    const accountId = pathParam(params, 'accountId');
    const body = await requestExport(deps, actor, accountId);
    return {
      statusCode: 202,
      body,
      headers: { location: `/accounts/${accountId}/exports/${body.exportId}` },
    };
  },
  { refusals: deps, roles: ROUTE_ROLES.requestExport },
);
