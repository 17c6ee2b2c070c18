/**
 * Business metrics as CloudWatch embedded metric format (EMF) lines, with Powertools Metrics: a
 * count per business event, written to the function's log, which CloudWatch turns into metrics
 * (no PutMetricData call, no IAM grant, nothing sent on the local stack).
 *
 * No PHI, by construction: a metric has a fixed name from BUSINESS_METRICS, a count, and the one
 * dimension Powertools adds (`service`); never an id, a name or any text a caller sent.
 *
 * Each event is published at once (one EMF line) rather than by a middleware at the end of every
 * invocation: a function that counts nothing and writes no audit (health, most workflow tasks)
 * then does not bundle the metrics library, and none logs the "no metrics" warning a
 * per-invocation flush prints.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from './logger';

/** What is counted, and where. */
export const BUSINESS_METRICS = {
  /** An order's intake workflow started (POST /orders/{id}/submit; a repeated submit is not counted). */
  OrdersSubmitted: 'submit-order',
  /** Ingest rejected an order's files (workflow task). */
  OrdersRejected: 'ingest',
  /** A design delivered to the lab (workflow task). */
  OrdersDelivered: 'deliver-and-await-decision',
  /** A designer claimed an order (POST /queue/claim with an order to give). */
  OrdersClaimed: 'claim-order',
  /** Orders the purge sweep purged. */
  OrdersPurged: 'purge-sweep',
  /** An audit event could not be written (the read it guarded was refused, or a refusal went unaudited). */
  AuditWriteFailures: 'every function with the audit log (runtime/wiring/audit.ts)',
} as const;
export type BusinessMetric = keyof typeof BUSINESS_METRICS;

export const METRICS_NAMESPACE = 'Caseline';

let made: Metrics | undefined;

/**
 * Built with the first event, not at import: most invocations count nothing (an audit write
 * failure is rare), so they do not pay for it at cold start.
 */
const metrics = (): Metrics => {
  made ??= new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caseline',
    logger,
  });
  return made;
};

/** Counts `count` occurrences of `name` (nothing for 0) and publishes them as one EMF line. */
export const recordMetric = (name: BusinessMetric, count = 1): void => {
  if (!(count > 0)) return;
  const m = metrics();
  m.addMetric(name, MetricUnit.Count, count);
  m.publishStoredMetrics();
};
