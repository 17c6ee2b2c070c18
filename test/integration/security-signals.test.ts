/**
 * AWS security signals over the wire: the real @aws-sdk/client-eventbridge against the local
 * PutEvents stand-in (local/eventbridge.ts), which matches the CDK rules' patterns
 * (common/security-events.ts) and invokes the same handler: a GuardDuty-shaped finding about the
 * case-files bucket opens an incident, officers paged; a key disabled opens another; what the rules
 * do not match opens nothing; and the stand-in refuses what AWS refuses.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS, KMS_KEYS } from '../../common/definitions';
import { incidentIdFor } from '../../lambdas/domain/incidents/raise-signal';
import { S3_CREDENTIALS } from '../../local/s3';
import { Api, eventually, outboxMessages } from '../support/api';

const api = new Api(inject('apiUrl'));
const endpoint = inject('endpoints').eventbridge;
const events = new EventBridgeClient({ endpoint, region: 'us-east-1', credentials: { ...S3_CREDENTIALS } });
const stackEnv = inject('stackEnv');

afterAll(() => events.destroy());

const unique = () => `${Date.now().toString(16)}${Math.random().toString(16).slice(2, 10)}`;

const finding = (id: string, bucket: string): PutEventsRequestEntry => ({
  Source: 'aws.guardduty',
  DetailType: 'GuardDuty Finding',
  Detail: JSON.stringify({
    schemaVersion: '2.0',
    id,
    type: 'Exfiltration:S3/AnomalousBehavior',
    severity: 8,
    updatedAt: new Date().toISOString(),
    title: 'Anomalous GetObject calls',
    description: 'An IAM entity invoked an S3 API in a suspicious way.',
    resource: {
      resourceType: 'S3Bucket',
      s3BucketDetails: [{ name: bucket, arn: `arn:aws:s3:::${bucket}` }],
    },
  }),
});

const keyCall = (
  eventID: string,
  eventName: string,
  userIdentity: Record<string, unknown>,
): PutEventsRequestEntry => {
  const keyArn = stackEnv[KMS_KEYS.caseData.envVar] ?? '';
  return {
    Source: 'aws.kms',
    DetailType: 'AWS API Call via CloudTrail',
    Detail: JSON.stringify({
      eventVersion: '1.08',
      eventID,
      eventTime: new Date().toISOString(),
      eventSource: 'kms.amazonaws.com',
      eventName,
      userIdentity,
      requestParameters: { keyId: keyArn },
      resources: [{ accountId: '000000000000', type: 'AWS::KMS::Key', ARN: keyArn }],
    }),
  };
};

const incident = (incidentId: string) =>
  api.call<{
    kinds: string[];
    resources: string[];
    signals: { resource?: string; detail?: Record<string, unknown> }[];
  }>('GET', `/incidents/${incidentId}`, { as: 'officer.olivia' });

describe('the PutEvents stand-in and the security rules', () => {
  it('a GuardDuty finding about the case-files bucket opens an incident and pages the officers; one about another bucket opens none', async () => {
    // Prepare
    const ours = `gd-${unique()}`;
    const theirs = `gd-${unique()}`;
    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [finding(theirs, 'someone-elses-bucket'), finding(ours, BUCKETS.caseFiles.localName)],
      }),
    );
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    const incidentId = incidentIdFor(`guardduty:${ours}`);
    const opened = await eventually(async () => {
      const res = await incident(incidentId);
      return res.status === 200 ? res.body : undefined;
    });
    expect(opened.signals).toEqual([
      expect.objectContaining({
        resource: `arn:aws:s3:::${BUCKETS.caseFiles.localName}`,
        detail: { rule: 'guardDutyCaseFiles', findingType: 'Exfiltration:S3/AnomalousBehavior', severity: 8 },
      }),
    ]);
    expect(JSON.stringify(opened)).not.toContain('suspicious');
    const page = await eventually(async () =>
      (await outboxMessages(api, 'caseline-notifications'))
        .map((m) => JSON.parse(m) as Record<string, string>)
        .find((m) => m.kind === 'incident.page' && m.incidentId === incidentId),
    );
    expect(page.kinds).toBe('guardduty');
    // Matching is done when PutEvents answers: the other bucket's finding was handed to no target.
    expect((await incident(incidentIdFor(`guardduty:${theirs}`))).status).toBe(404);
  });

  it('the case-data key disabled opens an incident; its deletion scheduled by the termination’s role does not', async () => {
    // Prepare
    const disabled = `ct-${unique()}`;
    const shredded = `ct-${unique()}`;
    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          keyCall(shredded, 'ScheduleKeyDeletion', {
            type: 'AssumedRole',
            sessionContext: {
              sessionIssuer: { arn: 'arn:aws:iam::000000000000:role/caseline-terminateAccount' },
            },
          }),
          keyCall(disabled, 'DisableKey', { type: 'IAMUser', userName: 'mallory' }),
        ],
      }),
    );
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const opened = await eventually(async () => {
      const res = await incident(incidentIdFor(`cloudtrail:${disabled}`));
      return res.status === 200 ? res.body : undefined;
    });
    expect(opened.kinds).toEqual(['protection-weakened']);
    expect(opened.resources).toEqual([stackEnv[KMS_KEYS.caseData.envVar]]);
    expect(opened.signals[0]?.detail).toMatchObject({ rule: 'kmsKeyWeakened', eventName: 'DisableKey' });
    expect(JSON.stringify(opened)).not.toContain('mallory');
    expect((await incident(incidentIdFor(`cloudtrail:${shredded}`))).status).toBe(404);
  });

  it('refuses what AWS refuses: more than 10 entries, over 256 KB, an unsigned request; each bad entry named', async () => {
    // Prepare
    const eleven = Array.from({ length: 11 }, () => finding(`gd-${unique()}`, 'someone-elses-bucket'));
    const big = {
      Source: 'caseline.test',
      DetailType: 'big',
      Detail: JSON.stringify({ pad: 'x'.repeat(140 * 1024) }),
    };
    // Act
    const tooMany = await events.send(new PutEventsCommand({ Entries: eleven })).catch((e: Error) => e);
    const tooBig = await events.send(new PutEventsCommand({ Entries: [big, big] })).catch((e: Error) => e);
    const unsigned = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [finding('gd-x', 'b')] }),
    });
    const partial = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'caseline.test', DetailType: 'no detail' },
          { Source: 'caseline.test', DetailType: 'not an object', Detail: '[1]' },
          { Source: 'caseline.test', DetailType: 'fine', Detail: '{}' },
        ],
      }),
    );
    // Assess
    expect((tooMany as Error).name).toBe('ValidationException');
    expect((tooBig as Error).name).toBe('ValidationException');
    expect(unsigned.status).toBe(403);
    expect(partial.FailedEntryCount).toBe(2);
    expect(partial.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'InvalidArgument',
      'MalformedDetail',
      'ok',
    ]);
  });
});
