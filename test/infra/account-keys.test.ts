/**
 * The partner accounts' own keys on AWS: created at run time, so what keeps them scoped is the
 * policy each is created with (common/key-policy.ts) and the conditions on the functions' grants
 * (lib/compute.ts). Both are asserted here; the local stack does not evaluate IAM.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_KEYS, BACKUP_WINDOWS } from '../../common/definitions';
import { accountKeyPolicy, KEY_USE_ACTIONS } from '../../common/key-policy';
import type { CaselineStack } from '../../lib/caseline-stack';
import { FUNCTIONS } from '../../lib/functions';
import { synthesize } from './synth';
import {
  actionsOf,
  logicalIdOf,
  resource,
  resourcesOfStatement,
  type Statement,
  statementsOfFunction,
  type TemplateJson,
} from './template-helpers';

const USERS = 'arn:aws:iam::123456789012:role/Caseline-*';
const policy = accountKeyPolicy({
  accountId: 'lab-acme',
  users: USERS,
  region: 'eu-west-1',
  bucket: 'case-files',
});
const statement = (sid: string) => {
  const found = policy.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found as { Action: string[]; Condition?: Record<string, Record<string, unknown>> };
};

describe("an account key's policy", () => {
  it('administers apart from use: the account may manage the key, never encrypt or decrypt with it', () => {
    const admin = statement('AdministerNotUse');
    expect(admin.Action).toEqual(
      expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion']),
    );
    for (const action of admin.Action) {
      expect(KEY_USE_ACTIONS.ENCRYPT_DECRYPT as readonly string[]).not.toContain(action);
      expect(action).not.toMatch(/^kms:(\*|Create\*|CreateGrant)$/);
    }
  });

  it("lets this stack's roles use it for PHI fields only under the account's own encryption context", () => {
    const phi = statement('PhiFieldsOfThisAccountOnly');
    expect(phi.Action).toEqual(['kms:Encrypt', 'kms:Decrypt']);
    expect(phi.Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': USERS },
      StringEquals: { 'kms:EncryptionContext:accountId': 'lab-acme' },
    });
  });

  it('lets S3 use it for the case-files bucket only, on behalf of those roles', () => {
    const s3 = statement('CaseFilesThroughS3');
    expect(s3.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(s3.Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': USERS },
      StringEquals: {
        'kms:CallerAccount': '123456789012',
        'kms:ViaService': 's3.eu-west-1.amazonaws.com',
        'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::case-files',
      },
    });
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      'AdministerNotUse',
      'PhiFieldsOfThisAccountOnly',
      'CaseFilesThroughS3',
    ]);
  });

  it('refuses a principal pattern that is not a role ARN pattern', () => {
    expect(() =>
      accountKeyPolicy({ accountId: 'lab-acme', users: '*', region: 'eu-west-1', bucket: 'b' }),
    ).toThrow(RangeError);
  });

  it('is shredded at the end of the longest backup window, within what KMS allows', () => {
    const longest = Math.max(...Object.values(BACKUP_WINDOWS));
    expect(ACCOUNT_KEYS.pendingWindowDays).toBe(Math.min(30, longest));
    expect(ACCOUNT_KEYS.pendingWindowDays).toBeGreaterThanOrEqual(7);
  });
});

describe("the functions' grants on account keys", () => {
  let stack: CaselineStack;
  let json: TemplateJson;
  beforeAll(() => {
    const synthesized = synthesize();
    if (!synthesized.template) throw synthesized.synthError;
    stack = synthesized.stack;
    json = synthesized.template.toJSON() as TemplateJson;
  });
  const statementsOf = (id: string): Statement[] => {
    const target = stack.compute.functions[id];
    if (!target) throw new Error(`no function ${id}`);
    return statementsOfFunction(json, logicalIdOf(target.function));
  };
  const onAccountKeys = (s: Statement) =>
    resourcesOfStatement(s).some((r) => JSON.stringify(r).includes(':key/*'));

  it.each(FUNCTIONS.map((f) => f.id))(
    '%s: every grant on this account’s keys is narrowed by alias or tag',
    (id) => {
      for (const s of statementsOf(id).filter(onAccountKeys)) {
        const condition = JSON.stringify(s.Condition ?? {});
        const byAlias = condition.includes('"kms:ResourceAliases":"alias/caseline/account/*"');
        const byTag = condition.includes('"aws:ResourceTag/caseline:account":"false"');
        expect(byAlias || byTag, `${id}: ${JSON.stringify(s)}`).toBe(true);
        // Cryptography by alias only, and for PHI fields (not through S3) only with an account context.
        if (actionsOf(s).some((a) => /^kms:(Encrypt|Decrypt|GenerateDataKey)/.test(a))) {
          expect(byAlias, id).toBe(true);
          if (!condition.includes('"kms:ViaService"'))
            expect(condition, id).toContain('"kms:EncryptionContext:accountId":"false"');
        }
      }
    },
  );

  it('termination may shred a key only with the pending window the certificate states', () => {
    for (const id of ['terminateAccount', 'purgeSweep']) {
      const shred = statementsOf(id).filter((s) => actionsOf(s).includes('kms:ScheduleKeyDeletion'));
      expect(shred.length, id).toBe(1);
      expect(shred[0]?.Condition, id).toMatchObject({
        NumericEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': ACCOUNT_KEYS.pendingWindowDays },
      });
    }
  });

  it('only termination and onboarding may schedule a key deletion, and only onboarding may create keys', () => {
    for (const f of FUNCTIONS) {
      const actions = statementsOf(f.id).flatMap(actionsOf);
      // Onboarding schedules only the key it made and lost the alias race with (ensureKey).
      if (!['terminateAccount', 'purgeSweep', 'createAccount'].includes(f.id))
        expect(actions, f.id).not.toContain('kms:ScheduleKeyDeletion');
      if (f.id === 'createAccount') expect(actions, f.id).toContain('kms:CreateKey');
      else expect(actions, f.id).not.toContain('kms:CreateKey');
    }
  });

  it("every function is told this stack's role pattern, which a new key's policy names", () => {
    for (const f of FUNCTIONS) {
      const target = stack.compute.functions[f.id];
      if (!target) throw new Error(`no function ${f.id}`);
      const env = resource(json, logicalIdOf(target.function)).Properties?.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(JSON.stringify(env.Variables[ACCOUNT_KEYS.usersEnvVar]), f.id).toMatch(
        /^\{"Fn::Join":\["",\["arn:aws:iam::",\{"Ref":"AWS::AccountId"\},":role\/.+-\*"\]\]\}$/,
      );
    }
  });
});
