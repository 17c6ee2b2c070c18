import { type DetectResult, detectBreaches } from '../domain/detection/detect';
import { raiseSignal } from '../domain/incidents/raise-signal';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { designers } from '../runtime/wiring/designers';
import { detector } from '../runtime/wiring/detector';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { ledger } from '../runtime/wiring/ledger';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: detectBreaches). */
export const deps = granted({
  ledger: ledger(),
  detector: detector(),
  designers: designers(),
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  clock: clock(),
  ids: randomIds,
});

/** Scheduled every minute (EventBridge Scheduler on AWS; the local scheduler, and every clock advance, offline). */
export const handler = taskHandler<unknown, DetectResult>(async () => {
  const result = await detectBreaches({ ...deps, raise: (signal) => raiseSignal(deps, signal) });
  if (!result.ran) logger.warn('breach detection skipped', { reason: result.reason });
  else if (Object.keys(result.signals).length)
    logger.info('breach detection raised signals', { signals: result.signals });
  return result;
});
