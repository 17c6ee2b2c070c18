import { type SealResult, sealAudit } from '../domain/audit-seal';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { auditSigner } from '../runtime/wiring/audit-signer';
import { digests } from '../runtime/wiring/digests';
import { ledger } from '../runtime/wiring/ledger';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: sealAudit). */
export const deps = granted<DepsOf<typeof sealAudit>>({
  ledger: ledger(),
  digests: digests(),
  auditSigner: auditSigner(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled hourly (EventBridge Scheduler on AWS; the local scheduler, and every clock advance, offline). */
export const handler = taskHandler<unknown, SealResult>(async () => {
  const result = await sealAudit(deps);
  if (!result.sealed) logger.warn('audit sealing skipped', { reason: result.reason });
  return result;
});
