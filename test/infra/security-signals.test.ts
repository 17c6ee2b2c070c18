/**
 * The AWS security signals in the template (lib/security-signals.ts): one EventBridge rule per
 * pattern of common/security-events.ts, each invoking the security-signal function, with the
 * buckets, the case-files bucket and the key shredders' roles filled in by reference.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaselineStack } from '../../lib/caseline-stack';
import { synthesize } from './synth';
import { logicalIdOf, resourcesOfType, type TemplateJson } from './template-helpers';

let stack: CaselineStack;
let json: TemplateJson;

beforeAll(() => {
  const synthesized = synthesize();
  if (!synthesized.template) throw synthesized.synthError;
  stack = synthesized.stack;
  json = (synthesized.template as Template).toJSON() as TemplateJson;
});

const ruleOf = (id: string) => {
  const rules = stack.securitySignals?.rules as Record<string, unknown> | undefined;
  const construct = rules?.[id];
  if (!construct) throw new Error(`no rule ${id}`);
  const logicalId = logicalIdOf(construct as never);
  const found = resourcesOfType(json, 'AWS::Events::Rule').find(([lid]) => lid === logicalId);
  if (!found) throw new Error(`rule ${id} not in the template`);
  return found[1].Properties as {
    EventPattern: Record<string, unknown>;
    Targets: { Arn: unknown }[];
    State?: string;
  };
};
const ref = (construct: unknown) => ({ Ref: logicalIdOf(construct as never) });
const arnOf = (construct: unknown) => ({ 'Fn::GetAtt': [logicalIdOf(construct as never), 'Arn'] });

describe('security signal rules', () => {
  it('three rules, each invoking the security-signal function, and nothing else invokes it', () => {
    const target = arnOf(stack.compute.functions.securitySignal?.function.node.defaultChild);
    const rules = resourcesOfType(json, 'AWS::Events::Rule');
    expect(rules).toHaveLength(3);
    for (const [, rule] of rules)
      expect((rule.Properties as { Targets: { Arn: unknown }[] }).Targets.map((t) => t.Arn)).toEqual([
        target,
      ]);
  });

  it('GuardDuty findings about the case-files bucket', () => {
    expect(ruleOf('guardDutyCaseFiles').EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: {
        resource: { s3BucketDetails: { name: [ref(stack.storage.buckets.caseFiles.node.defaultChild)] } },
      },
    });
  });

  it('bucket policy and public access block changes on every bucket of ours', () => {
    const buckets = [...Object.values(stack.storage.buckets), stack.storage.accessLogs].map((b) =>
      ref(b.node.defaultChild),
    );
    expect(ruleOf('s3ProtectionChanged').EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['s3.amazonaws.com'],
        eventName: [
          'PutBucketPolicy',
          'DeleteBucketPolicy',
          'PutBucketPublicAccessBlock',
          'DeleteBucketPublicAccessBlock',
        ],
        requestParameters: { bucketName: buckets },
      },
    });
  });

  it('a key disabled, its policy changed, or scheduled for deletion by anyone but the account-key shredders', () => {
    const shredders = ['terminateAccount', 'purgeSweep'].map((id) =>
      arnOf(stack.compute.functions[id]?.role.node.defaultChild),
    );
    expect(ruleOf('kmsKeyWeakened').EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        $or: [
          { eventName: ['DisableKey', 'PutKeyPolicy'] },
          {
            eventName: ['ScheduleKeyDeletion'],
            userIdentity: { type: [{ 'anything-but': ['AssumedRole'] }] },
          },
          {
            eventName: ['ScheduleKeyDeletion'],
            userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': shredders }] } } },
          },
        ],
      },
    });
  });
});
