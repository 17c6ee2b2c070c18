import { type ExportJobDeps, failExport, runExport } from '../domain/export';
import { taskHandler } from '../runtime/task';
import { accountKeys } from '../runtime/wiring/account-keys';
import { archive } from '../runtime/wiring/archive';
import { audit } from '../runtime/wiring/audit';
import { exportStore } from '../runtime/wiring/exports';
import { files } from '../runtime/wiring/files';
import { orders } from '../runtime/wiring/orders';
import { phi } from '../runtime/wiring/phi';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';
import { signer } from '../runtime/wiring/signer';

/** Only the adapters this function is granted (lib/function-adapters.ts: exportAccount). */
export const deps = granted<ExportJobDeps>({
  exports: exportStore(),
  archive: archive(),
  accountKeys: accountKeys(),
  orders: orders(),
  files: files(),
  phi: phi(),
  signer: signer(),
  audit: audit(),
  clock: clock(),
  ids: randomIds,
});

type ExportEvent = { exportId: string; accountId: string; failed?: boolean; errorName?: string };

/** Workflow task: ids in, a status out. With `failed`, the workflow's Catch records the failure. */
export const handler = taskHandler<ExportEvent, { status: string }>((event) =>
  event.failed === true ? failExport(deps, event) : runExport(deps, event),
);
