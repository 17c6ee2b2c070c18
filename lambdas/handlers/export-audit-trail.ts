import { runAuditExport } from '../domain/audit-exports';
import { failExport } from '../domain/export';
import { config } from '../runtime/config';
import { taskHandler } from '../runtime/task';
import { accountKeys } from '../runtime/wiring/account-keys';
import { accounts } from '../runtime/wiring/accounts';
import { archive } from '../runtime/wiring/archive';
import { auditSigner } from '../runtime/wiring/audit-signer';
import { designers } from '../runtime/wiring/designers';
import { digests } from '../runtime/wiring/digests';
import { exportStore } from '../runtime/wiring/exports';
import { incidents } from '../runtime/wiring/incidents';
import { ledger } from '../runtime/wiring/ledger';
import { orders } from '../runtime/wiring/orders';
import { purgeStore } from '../runtime/wiring/purge-store';
import { clock, type DepsOf, granted } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: exportAuditTrail). */
export const deps = granted<DepsOf<typeof runAuditExport>>({
  exports: exportStore(),
  archive: archive(),
  accountKeys: accountKeys(),
  ledger: ledger(),
  digests: digests(),
  auditSigner: auditSigner(),
  designers: designers(),
  accounts: accounts(),
  orders: orders(),
  purgeStore: purgeStore(),
  incidents: incidents(),
  clock: clock(),
});

type ExportEvent = { exportId: string; accountId: string; failed?: boolean; errorName?: string };

/** Workflow task: ids in, a status out. With `failed`, the workflow's Catch records the failure. */
export const handler = taskHandler<ExportEvent, { status: string }>((event) =>
  event.failed === true ? failExport(deps, event) : runAuditExport(deps, event, { region: config().region }),
);
