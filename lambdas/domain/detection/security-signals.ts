/**
 * AWS security signals (issue 13 item 1): an EventBridge event that one of the rules of
 * common/security-events.ts matched (a GuardDuty finding on the case-files bucket, a CloudTrail
 * record of a call that weakens a bucket's or a key's protection) becomes a Signal: ids, codes and
 * numbers only (never a finding's description or a request's body), its id derived from the
 * finding's or the CloudTrail record's own id, so a redelivered event is a retried signal.
 */
import type { Signal } from '../incidents/model';

/** The envelope EventBridge hands a target (the fields read here). */
export interface SecurityEvent {
  readonly id?: unknown;
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly time?: unknown;
  readonly detail?: unknown;
}

/** Why an event did not become a signal (logged as a code: nothing of the event is). */
export class UnrecognisedSecurityEventError extends Error {
  override readonly name = 'UnrecognisedSecurityEventError';
}

const ID_CHARS = /[^A-Za-z0-9_:-]/g;
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]{1,30}:\d{12}:key\/[A-Za-z0-9-]{1,64}$/;
const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 2048 ? v : undefined);

/** An instant as the intake wants it (ms precision, UTC), or the fallback. */
const instant = (v: unknown, fallback: Date): string => {
  const t = typeof v === 'string' && v.length <= 64 ? Date.parse(v) : Number.NaN;
  return (Number.isFinite(t) ? new Date(t) : fallback).toISOString();
};

/** An id the intake accepts (1-128 of [A-Za-z0-9_:-]), kept apart from every other rule's. */
const signalId = (prefix: string, raw: string | undefined): string => {
  const clean = (raw ?? '').replace(ID_CHARS, '-').slice(0, 100);
  if (!clean) throw new UnrecognisedSecurityEventError(`The ${prefix} event carries no id`);
  return `${prefix}:${clean}`;
};

const code = (v: unknown): string | undefined => {
  const s = str(v);
  return s !== undefined && CODE.test(s) ? s : undefined;
};

const guardDuty = (event: SecurityEvent, now: Date): Signal => {
  const detail = obj(event.detail);
  const buckets = obj(detail.resource).s3BucketDetails;
  // GuardDuty's S3 findings name one bucket; should one name more, the first is the join key and
  // the count is kept (the rule matched because one of them is the case-files bucket).
  const named = (Array.isArray(buckets) ? buckets : []).map((b) => str(obj(b).name));
  const bucket = named.find((n) => n !== undefined && BUCKET.test(n));
  if (!bucket) throw new UnrecognisedSecurityEventError('The GuardDuty finding names no bucket');
  const severity =
    typeof detail.severity === 'number' && Number.isFinite(detail.severity) ? detail.severity : undefined;
  const findingType = code(detail.type);
  return {
    signalId: signalId('guardduty', str(detail.id) ?? str(event.id)),
    kind: 'guardduty',
    at: instant(detail.updatedAt ?? event.time, now),
    resource: `arn:aws:s3:::${bucket}`,
    accountIds: [],
    orderIds: [],
    detail: {
      rule: 'guardDutyCaseFiles',
      ...(named.length > 1 ? { buckets: named.length } : {}),
      ...(findingType ? { findingType } : {}),
      ...(severity !== undefined ? { severity } : {}),
    },
  };
};

const keyResource = (detail: Record<string, unknown>): string | undefined => {
  const listed = (Array.isArray(detail.resources) ? detail.resources : [])
    .map((r) => str(obj(r).ARN))
    .find((a) => a !== undefined && KEY_ARN.test(a));
  if (listed) return listed;
  const keyId = str(obj(detail.requestParameters).keyId);
  return keyId !== undefined && (KEY_ARN.test(keyId) || KEY_ID.test(keyId)) ? keyId : undefined;
};

const cloudTrail = (event: SecurityEvent, now: Date): Signal => {
  const detail = obj(event.detail);
  const eventName = code(detail.eventName);
  const eventSource = code(detail.eventSource);
  if (!eventName || !eventSource)
    throw new UnrecognisedSecurityEventError('The CloudTrail record names no call');
  let resource: string | undefined;
  if (eventSource === 's3.amazonaws.com') {
    const bucket = str(obj(detail.requestParameters).bucketName);
    if (bucket && BUCKET.test(bucket)) resource = `arn:aws:s3:::${bucket}`;
  } else if (eventSource === 'kms.amazonaws.com') {
    resource = keyResource(detail);
  }
  if (!resource)
    throw new UnrecognisedSecurityEventError('The CloudTrail record names no bucket or key of ours');
  const identityType = code(obj(detail.userIdentity).type);
  return {
    signalId: signalId('cloudtrail', str(detail.eventID) ?? str(event.id)),
    kind: 'protection-weakened',
    at: instant(detail.eventTime ?? event.time, now),
    resource,
    accountIds: [],
    orderIds: [],
    detail: {
      rule: eventSource === 'kms.amazonaws.com' ? 'kmsKeyWeakened' : 's3ProtectionChanged',
      eventName,
      eventSource,
      ...(identityType ? { identityType } : {}),
    },
  };
};

/** The signal an event matched by a security rule stands for; throws on anything else. */
export const signalFromSecurityEvent = (event: SecurityEvent, now: Date): Signal => {
  const source = str(event.source);
  const detailType = str(event['detail-type']);
  if (source === 'aws.guardduty' && detailType === 'GuardDuty Finding') return guardDuty(event, now);
  if ((source === 'aws.s3' || source === 'aws.kms') && detailType === 'AWS API Call via CloudTrail')
    return cloudTrail(event, now);
  throw new UnrecognisedSecurityEventError('Not an event of a security rule');
};
