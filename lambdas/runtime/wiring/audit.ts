import { DynamoAuditLog } from '../../adapters/dynamo-audit-log';
import type { AuditLog } from '../../domain/ports';
import { config } from '../config';
import { recordMetric } from '../metrics';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/**
 * Counts each append that fails (AuditWriteFailures) and rethrows it unchanged: callers still fail
 * closed. An alarm on the metric sees an audit table that refuses writes before a lab reports 503s.
 * The failure is also counted, best-effort, on the audit counter item, where the breach detector's
 * audit-write-failures rule reads it (a count that fails too is dropped: the metric still has it).
 */
export const countingFailures = (log: AuditLog & { countFailure?(): Promise<void> }): AuditLog => ({
  append: async (event) => {
    try {
      await log.append(event);
    } catch (error) {
      recordMetric('AuditWriteFailures');
      await log.countFailure?.().catch(() => undefined);
      throw error;
    }
  },
});

/** The append-only audit log (audit table), numbered in write order by the sequence table's counter. */
export const audit = once(() =>
  countingFailures(
    new DynamoAuditLog(documentClient(), config().tables.audit, config().tables.auditSequence),
  ),
);
