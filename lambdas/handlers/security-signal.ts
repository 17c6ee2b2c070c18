import { type SecurityEvent, signalFromSecurityEvent } from '../domain/detection/security-signals';
import { type RaisedSignal, raiseSignal } from '../domain/incidents/raise-signal';
import { logger } from '../runtime/logger';
import { taskHandler } from '../runtime/task';
import { incidentWorkflow } from '../runtime/wiring/incident-workflow';
import { incidents } from '../runtime/wiring/incidents';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: securitySignal). */
export const deps = granted({
  incidents: incidents(),
  incidentWorkflow: incidentWorkflow(),
  clock: clock(),
  ids: randomIds,
});

/**
 * The target of the security rules (common/security-events.ts: EventBridge on AWS, the PutEvents
 * stand-in offline): the event becomes a signal, the intake opens or joins an incident. A redelivery
 * (EventBridge retries a failed invocation) is a retried signal.
 */
export const handler = taskHandler<SecurityEvent, RaisedSignal>(async (event) => {
  const signal = signalFromSecurityEvent(event, deps.clock.now());
  const raised = await raiseSignal(deps, signal);
  logger.info('security signal raised', {
    kind: signal.kind,
    incidentId: raised.incidentId,
    opened: raised.opened,
  });
  return raised;
});
