/**
 * AWS security signals: the rules' patterns (common/security-events.ts) as the local stand-in
 * matches them (local/eventbridge.ts), and the mapping of a matched event to a signal
 * (domain/detection/security-signals.ts): ids and codes only, its id the finding's or the record's.
 */
import { describe, expect, it } from 'vitest';
import { securityRules } from '../../common/security-events';
import { signalFromSecurityEvent } from '../../lambdas/domain/detection/security-signals';
import { checkSignal } from '../../lambdas/domain/incidents/raise-signal';
import { matchesPattern } from '../../local/eventbridge';

const SHREDDER = 'arn:aws:iam::111122223333:role/caseline-terminateAccount';
const rules = securityRules({
  caseFilesBucket: 'caseline-case-files',
  buckets: ['caseline-case-files', 'caseline-audit-digests'],
  keyShredderRoles: [SHREDDER],
});
const rule = (id: string) => {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(id);
  return found.pattern;
};
const NOW = new Date('2026-01-05T09:00:00.000Z');

const guardDuty = (bucket: string) => ({
  version: '0',
  id: 'evt-1',
  source: 'aws.guardduty',
  'detail-type': 'GuardDuty Finding',
  time: '2026-01-05T08:59:00Z',
  detail: {
    id: 'f0c1a2b3',
    type: 'Exfiltration:S3/AnomalousBehavior',
    severity: 8,
    description: 'Patient Jane Roe files read from 203.0.113.9',
    resource: { s3BucketDetails: [{ name: 'other' }, { name: bucket }] },
  },
});

const kms = (eventName: string, userIdentity: Record<string, unknown>) => ({
  source: 'aws.kms',
  'detail-type': 'AWS API Call via CloudTrail',
  detail: {
    eventID: 'e-1',
    eventTime: '2026-01-05T08:58:00Z',
    eventSource: 'kms.amazonaws.com',
    eventName,
    userIdentity,
    requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' },
    resources: [{ ARN: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
  },
});
const assumed = (arn: string) => ({ type: 'AssumedRole', sessionContext: { sessionIssuer: { arn } } });

describe('the security rules’ patterns', () => {
  it('GuardDuty: findings naming the case-files bucket (any of its buckets), no other', () => {
    expect(matchesPattern(rule('guardDutyCaseFiles'), guardDuty('caseline-case-files'))).toBe(true);
    expect(matchesPattern(rule('guardDutyCaseFiles'), guardDuty('caseline-audit-digests'))).toBe(false);
    expect(
      matchesPattern(rule('guardDutyCaseFiles'), { ...guardDuty('caseline-case-files'), source: 'aws.s3' }),
    ).toBe(false);
  });

  it('S3: policy and public access block calls on our buckets only', () => {
    const call = (eventName: string, bucketName: string) => ({
      source: 'aws.s3',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventSource: 's3.amazonaws.com', eventName, requestParameters: { bucketName } },
    });
    expect(
      matchesPattern(rule('s3ProtectionChanged'), call('DeleteBucketPolicy', 'caseline-audit-digests')),
    ).toBe(true);
    expect(
      matchesPattern(rule('s3ProtectionChanged'), call('PutBucketPublicAccessBlock', 'caseline-case-files')),
    ).toBe(true);
    expect(matchesPattern(rule('s3ProtectionChanged'), call('GetBucketPolicy', 'caseline-case-files'))).toBe(
      false,
    );
    expect(matchesPattern(rule('s3ProtectionChanged'), call('DeleteBucketPolicy', 'someone-else'))).toBe(
      false,
    );
  });

  it('KMS: disabled or policy changed by anyone; deletion scheduled by anyone but the shredders', () => {
    const p = rule('kmsKeyWeakened');
    expect(matchesPattern(p, kms('DisableKey', assumed(SHREDDER)))).toBe(true);
    expect(matchesPattern(p, kms('PutKeyPolicy', { type: 'Root' }))).toBe(true);
    expect(matchesPattern(p, kms('ScheduleKeyDeletion', assumed(SHREDDER)))).toBe(false);
    expect(
      matchesPattern(p, kms('ScheduleKeyDeletion', assumed('arn:aws:iam::111122223333:role/admin'))),
    ).toBe(true);
    expect(matchesPattern(p, kms('ScheduleKeyDeletion', { type: 'Root' }))).toBe(true);
    expect(matchesPattern(p, kms('EnableKey', { type: 'Root' }))).toBe(false);
  });
});

describe('signalFromSecurityEvent', () => {
  it('a GuardDuty finding: its id, the first bucket it names (and how many), type and severity; none of its words', () => {
    const signal = checkSignal(signalFromSecurityEvent(guardDuty('caseline-case-files'), NOW));
    expect(signal).toEqual({
      signalId: 'guardduty:f0c1a2b3',
      kind: 'guardduty',
      at: '2026-01-05T08:59:00.000Z',
      resource: 'arn:aws:s3:::other',
      accountIds: [],
      orderIds: [],
      detail: {
        rule: 'guardDutyCaseFiles',
        buckets: 2,
        findingType: 'Exfiltration:S3/AnomalousBehavior',
        severity: 8,
      },
    });
    expect(JSON.stringify(signal)).not.toContain('Jane');
  });

  it('a CloudTrail record: its event id, the key, the call; the same record twice is the same signal', () => {
    const event = kms('ScheduleKeyDeletion', { type: 'IAMUser', userName: 'mallory' });
    const signal = checkSignal(signalFromSecurityEvent(event, NOW));
    expect(signal).toMatchObject({
      signalId: 'cloudtrail:e-1',
      kind: 'protection-weakened',
      at: '2026-01-05T08:58:00.000Z',
      resource: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      detail: { rule: 'kmsKeyWeakened', eventName: 'ScheduleKeyDeletion', identityType: 'IAMUser' },
    });
    expect(signalFromSecurityEvent(event, new Date()).signalId).toBe(signal.signalId);
    expect(JSON.stringify(signal)).not.toContain('mallory');
  });

  it('anything else is refused by name', () => {
    expect(() => signalFromSecurityEvent({ source: 'aws.ec2', 'detail-type': 'x' }, NOW)).toThrow(
      expect.objectContaining({ name: 'UnrecognisedSecurityEventError' }),
    );
    expect(() =>
      signalFromSecurityEvent({ ...guardDuty('caseline-case-files'), detail: { id: 'x' } }, NOW),
    ).toThrow('names no bucket');
  });
});
