/**
 * Least privilege that holds without the code: each function's role allows exactly the AWS calls
 * its adapters make (derived from lib/adapter-calls.ts and lib/function-adapters.ts, not from
 * lib/compute.ts), the audit log is append-only for every principal, the KMS keys separate
 * administration from use, and the case-files bucket keeps every object under its own key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUCKETS, type KeyId, STATE_MACHINES, TABLES, type TableId } from '../../common/definitions';
import { orderPrefix } from '../../lambdas/domain/order';
import { ADAPTERS, type AdapterId, callsOf, type SdkCall } from '../../lib/adapter-calls';
import type { CaselineStack } from '../../lib/caseline-stack';
import { FUNCTION_ADAPTERS } from '../../lib/function-adapters';
import { FUNCTIONS, type FunctionDefinition } from '../../lib/functions';
import { projectPath } from '../../lib/project-paths';
import { synthesize } from './synth';
import {
  actionsOf,
  at,
  logicalIdOf,
  referencedIds,
  resource,
  resourcesOfStatement,
  type Statement,
  statementsOfFunction,
  type TemplateJson,
} from './template-helpers';

let stack: CaselineStack;
let template: Template;
let json: TemplateJson;

beforeAll(() => {
  // Prepare: one synthesis for the whole file (bundling skipped, rule packs on).
  const synthesized = synthesize();
  if (!synthesized.template) throw synthesized.synthError;
  stack = synthesized.stack;
  template = synthesized.template;
  json = template.toJSON() as TemplateJson;
});

const functionId = (definition: FunctionDefinition) => {
  const target = stack.compute.functions[definition.id];
  if (!target) throw new Error(`No function for catalogue entry ${definition.id}`);
  return logicalIdOf(target.function);
};

/** The id of one of the stack's keys (KMS_KEYS ids, or `operations`). */
const keyNameOf = (key: IKey | undefined): string => {
  if (!key) throw new Error('no key');
  if (key === stack.keys.operations) return 'operations';
  const found = (Object.entries(stack.keys.keys) as [KeyId, IKey][]).find(([, k]) => k === key);
  if (!found) throw new Error('a key outside Keys');
  return found[0];
};

// ---------------------------------------------------------------- what the adapters call

/**
 * The actions a function needs, as `<resource> <action>`: each SDK call of each adapter method it
 * uses, plus what AWS asks of the caller on its behalf: the table and bucket keys through
 * DynamoDB and S3 (server-side encryption as the caller) and the topics' key through SNS.
 */
const needed = (definition: FunctionDefinition): string[] => {
  const uses = FUNCTION_ADAPTERS[definition.id];
  if (!uses) throw new Error(`${definition.id} declares no adapter uses in lib/function-adapters.ts`);
  const pairs = new Set<string>();
  for (const call of callsOf(uses)) for (const action of call.actions) pairs.add(`${call.on} ${action}`);
  const on = (prefix: string) =>
    [...pairs].filter((p) => p.startsWith(prefix)).map((p) => p.split(' ')[1] ?? '');
  for (const table of Object.keys(TABLES) as TableId[]) {
    const actions = on(`table:${table} `);
    if (actions.length === 0) continue;
    const key = keyNameOf(stack.data.tables[table].encryptionKey);
    if (actions.some((a) => a !== 'dynamodb:PutItem')) pairs.add(`key:${key}@dynamodb kms:Decrypt`);
    if (actions.some((a) => ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].includes(a))) {
      pairs.add(`key:${key}@dynamodb kms:Encrypt`);
      pairs.add(`key:${key}@dynamodb kms:GenerateDataKey`);
    }
  }
  for (const bucket of ['caseFiles', 'auditDigests'] as const) {
    const objectActions = on(`objects:${bucket} `);
    const bucketKey = keyNameOf(stack.storage.buckets[bucket].encryptionKey);
    // An account's case files are under its own key (the upload names it): S3 uses it as the caller too.
    const keys = bucket === 'caseFiles' ? [`key:${bucketKey}`, 'accountKeys:use'] : [`key:${bucketKey}`];
    for (const key of keys) {
      if (objectActions.some((a) => a === 's3:GetObject' || a === 's3:PutObject'))
        pairs.add(`${key}@s3 kms:Decrypt`);
      if (objectActions.includes('s3:PutObject')) pairs.add(`${key}@s3 kms:GenerateDataKey`);
    }
  }
  for (const topic of ['notifications', 'operatorAlerts'] as const) {
    if (on(`topic:${topic} `).length === 0) continue;
    const key = keyNameOf(stack.alerts.topics[topic].masterKey);
    pairs.add(`key:${key}@sns kms:GenerateDataKey`);
    pairs.add(`key:${key}@sns kms:Decrypt`);
  }
  return [...pairs].sort();
};

/** What a policy resource is, in the terms of lib/adapter-calls.ts. */
const resourceRefOf = (value: unknown, statement: Statement): string => {
  const ids = referencedIds(value);
  const text = JSON.stringify(value);
  for (const table of Object.keys(TABLES) as TableId[]) {
    if (ids.has(logicalIdOf(stack.data.tables[table]))) return `table:${table}`;
  }
  for (const bucket of ['caseFiles', 'auditDigests'] as const) {
    if (ids.has(logicalIdOf(stack.storage.buckets[bucket]))) {
      return text.includes('"/') ? `objects:${bucket}` : `bucket:${bucket}`;
    }
  }
  for (const key of [...Object.values(stack.keys.keys), stack.keys.operations]) {
    if (!ids.has(logicalIdOf(key))) continue;
    const via = JSON.stringify(statement.Condition ?? {}).match(/"kms:ViaService":"(\w+)\./)?.[1];
    return `key:${keyNameOf(key)}${via ? `@${via}` : ''}`;
  }
  for (const [topic, t] of Object.entries(stack.alerts.topics)) {
    if (ids.has(logicalIdOf(t))) return `topic:${topic}`;
  }
  // The partner accounts' keys: this account's keys, narrowed by alias or tag (lib/compute.ts).
  const condition = JSON.stringify(statement.Condition ?? {});
  if (text.includes(':key/*')) {
    const via = condition.match(/"kms:ViaService":"(\w+)\./)?.[1];
    if (condition.includes('"kms:ResourceAliases":"alias/caseline/account/*"'))
      return `accountKeys:use${via ? `@${via}` : ''}`;
    if (condition.includes('"aws:ResourceTag/caseline:account":"false"')) return 'accountKeys:tagged';
  }
  if (text.includes(':alias/caseline/account/*')) return 'accountKeys:alias';
  if (text === '"*"' && actionsOf(statement).includes('kms:CreateKey')) return 'accountKeys:new';
  if (ids.has(logicalIdOf(stack.api.userPool))) return 'userPool';
  // The function's runtime: its own log group, and X-Ray (which takes no resource).
  for (const id of ids) {
    if (json.Resources[id]?.Type === 'AWS::Logs::LogGroup') return 'logs:own';
  }
  if (text === '"*"' && actionsOf(statement).every((a) => a.startsWith('xray:'))) return 'xray:*';
  for (const machine of Object.keys(STATE_MACHINES)) {
    if (text.includes(':stateMachine:') && text.includes(`-${machine}`)) return `stateMachine:${machine}`;
    if (text.includes(':execution:') && text.includes(`-${machine}`)) return `execution:${machine}`;
  }
  return `unknown:${text}`;
};

/** What every function needs to run: write its own logs, send traces. */
const RUNTIME = [
  'logs:own logs:CreateLogStream',
  'logs:own logs:PutLogEvents',
  'xray:* xray:PutTelemetryRecords',
  'xray:* xray:PutTraceSegments',
];

/** What a function's role allows beyond its runtime, as `<resource> <action>`. */
const allowed = (definition: FunctionDefinition): string[] => {
  const pairs = new Set<string>();
  for (const statement of statementsOfFunction(json, functionId(definition))) {
    if (statement.Effect !== 'Allow') continue;
    for (const r of resourcesOfStatement(statement)) {
      for (const action of actionsOf(statement)) pairs.add(`${resourceRefOf(r, statement)} ${action}`);
    }
  }
  for (const runtime of RUNTIME) {
    if (!pairs.delete(runtime)) throw new Error(`${definition.id} cannot ${runtime}`);
  }
  return [...pairs].sort();
};

describe('every SDK call an adapter makes is declared in lib/adapter-calls.ts', () => {
  const commandsIn = (file: string) =>
    new Set([...readFileSync(projectPath(file), 'utf8').matchAll(/\bnew (\w+Command)\(/g)].map((m) => m[1]));

  it.each(Object.entries(ADAPTERS))('%s: the commands its source sends, method by method', (_, adapter) => {
    // Prepare
    const source = readFileSync(projectPath(adapter.file), 'utf8');
    const declared = (Object.values(adapter.methods) as readonly (readonly SdkCall[])[]).flatMap((calls) =>
      calls.map((c) => c.command),
    );
    // Assess: the same commands, none missing, none extra…
    expect([...new Set(declared)].sort()).toEqual([...commandsIn(adapter.file)].sort());
    // …and every method declared exists, and every method of the class that sends anything is declared.
    const methods = new Set(
      [...source.matchAll(/^ {2}(?:async \*?)?([a-z]\w*)\(/gm)]
        .map((m) => m[1] ?? '')
        .filter((m) => m !== 'constructor'),
    );
    for (const method of Object.keys(adapter.methods)) expect(methods, adapter.file).toContain(method);
    const undeclared = [...methods].filter((m) => !(m in adapter.methods) && m !== 'keyId');
    expect(undeclared, `${adapter.file}: methods with no declared calls`).toEqual([]);
  });

  it('covers every adapter that sends an SDK command', () => {
    const files = readdirSync(projectPath('lambdas/adapters'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `lambdas/adapters/${f}`)
      .filter((f) => commandsIn(f).size > 0);
    // One source may serve two adapters (the certificate signer's code with the audit key).
    expect(files.sort()).toEqual([...new Set(Object.values(ADAPTERS).map((a) => a.file))].sort());
  });
});

describe("each function's role allows exactly what its adapters call", () => {
  it.each(FUNCTIONS)('$id: the log group it may write to is its own', (definition) => {
    const fn = resource(json, functionId(definition));
    const own = referencedIds(fn.Properties?.LoggingConfig);
    const logGroups = statementsOfFunction(json, functionId(definition))
      .filter((s) => actionsOf(s).includes('logs:PutLogEvents'))
      .flatMap((s) => resourcesOfStatement(s).flatMap((r) => [...referencedIds(r)]));
    expect(logGroups.length).toBeGreaterThan(0);
    for (const id of logGroups) expect(own).toContain(id);
  });

  it('every catalogue entry declares the adapter methods it uses, and nothing else does', () => {
    expect(Object.keys(FUNCTION_ADAPTERS).sort()).toEqual(FUNCTIONS.map((f) => f.id).sort());
    for (const [id, uses] of Object.entries(FUNCTION_ADAPTERS)) {
      for (const [adapter, methods] of Object.entries(uses) as [AdapterId, readonly string[]][]) {
        for (const method of methods)
          expect(Object.keys(ADAPTERS[adapter].methods), `${id}: ${adapter}`).toContain(method);
      }
    }
  });

  it.each(FUNCTIONS)('$id: no action more, none fewer', (definition) => {
    // Act
    const granted = allowed(definition);
    const expected = needed(definition);
    // Assess: the difference first, so a failure says what is missing or too much.
    expect({
      missing: expected.filter((p) => !granted.includes(p)),
      extra: granted.filter((p) => !expected.includes(p)),
    }).toEqual({
      missing: [],
      extra: [],
    });
  });

  it('the public-key function (an unauthenticated route) may read the public key and do nothing else', () => {
    const definition = FUNCTIONS.find((f) => f.id === 'certificatePublicKey');
    if (!definition) throw new Error('no certificatePublicKey');
    expect(allowed(definition)).toEqual(['key:certificateSigning kms:GetPublicKey']);
  });

  it('ingest and QA read case files through S3 and never call KMS Decrypt themselves', () => {
    for (const id of ['ingest', 'qaDesign']) {
      const definition = FUNCTIONS.find((f) => f.id === id);
      if (!definition) throw new Error(`no ${id}`);
      const kms = allowed(definition).filter((p) => p.startsWith('key:'));
      expect(
        kms.filter((p) => !p.includes('@')),
        id,
      ).toEqual([]);
    }
  });

  it('the account registry functions reach the accounts table and the audit log only: no order item', () => {
    // Prepare: the synthesized policies of every function that only manages accounts.
    const ordersId = logicalIdOf(stack.data.tables.orders);
    const accountsId = logicalIdOf(stack.data.tables.accounts);
    for (const id of ['accountPolicy', 'createAccount', 'listAccounts', 'getAccount', 'updateAccount']) {
      const definition = FUNCTIONS.find((f) => f.id === id);
      if (!definition) throw new Error(`no ${id}`);
      // Act
      const statements = statementsOfFunction(json, functionId(definition)).filter(
        (s) => s.Effect === 'Allow',
      );
      const touched = statements.flatMap((s) =>
        resourcesOfStatement(s).flatMap((r) => [...referencedIds(r)]),
      );
      // Assess
      expect(touched, id).toContain(accountsId);
      expect(touched, id).not.toContain(ordersId);
    }
  });

  it('object grants are scoped by key prefix, and the keys the handlers build fall inside them', () => {
    const like = (value: string, pattern: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ).test(value);
    const { objectKeys } = BUCKETS.caseFiles;
    const prefix = orderPrefix('ord_1');
    expect(like(`${prefix}inputs/fil_1.stl`, objectKeys.inputs)).toBe(true);
    expect(like(`${prefix}outputs/v1/fil_2.stl`, objectKeys.outputs)).toBe(true);
    expect(like(`${prefix}outputs/v1/fil_2.stl`, objectKeys.inputs)).toBe(false);
    expect(like(`${prefix}inputs/fil_1.stl`, objectKeys.order)).toBe(true);
    // No function is granted every object of the bucket.
    const bucketId = logicalIdOf(stack.storage.buckets.caseFiles);
    for (const definition of FUNCTIONS) {
      for (const statement of statementsOfFunction(json, functionId(definition))) {
        for (const r of resourcesOfStatement(statement)) {
          if (!referencedIds(r).has(bucketId)) continue;
          expect(JSON.stringify(r), definition.id).not.toMatch(/"\/\*"/);
        }
      }
    }
    // Designers' uploads cannot land among a lab's inputs, nor a lab's among the outputs.
    const objectsOf = (id: string) => {
      const definition = FUNCTIONS.find((f) => f.id === id);
      if (!definition) throw new Error(`no ${id}`);
      return JSON.stringify(
        statementsOfFunction(json, functionId(definition)).filter((s) =>
          actionsOf(s).includes('s3:PutObject'),
        ),
      );
    };
    expect(objectsOf('declareOutput')).toContain(objectKeys.outputs);
    expect(objectsOf('declareOutput')).not.toContain('/inputs/');
    expect(objectsOf('declareUpload')).toContain(objectKeys.inputs);
    expect(objectsOf('declareUpload')).not.toContain('/outputs/');
  });
});

// ---------------------------------------------------------------- the audit log

describe('the audit log is append-only for every principal', () => {
  const DENIED = [
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
    'dynamodb:PartiQLDelete',
    'dynamodb:PartiQLInsert',
    'dynamodb:PartiQLUpdate',
    'dynamodb:UpdateItem',
  ];

  it.each(FUNCTIONS)(
    '$id: its role explicitly denies every write but PutItem on the audit table',
    (definition) => {
      const auditId = logicalIdOf(stack.data.tables.audit);
      const denies = statementsOfFunction(json, functionId(definition)).filter(
        (s) => s.Effect === 'Deny' && resourcesOfStatement(s).some((r) => referencedIds(r).has(auditId)),
      );
      expect(denies).toHaveLength(1);
      expect(actionsOf(denies[0] as Statement).sort()).toEqual(DENIED);
      expect(denies[0]?.Condition).toBeUndefined();
    },
  );

  it("the table's own policy denies the same to any principal, an administrator's role included", () => {
    const table = resource(json, logicalIdOf(stack.data.tables.audit));
    const policy = table.Properties?.ResourcePolicy as
      | { PolicyDocument: { Statement: Statement[] } }
      | undefined;
    const statements = policy?.PolicyDocument.Statement ?? [];
    expect(statements).toHaveLength(1);
    const [deny] = statements;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Resource: '*' });
    expect(deny?.Condition).toBeUndefined();
    expect(actionsOf(deny as Statement).sort()).toEqual(DENIED);
    // The other tables keep no such policy (their items are updated and purged).
    for (const other of ['orders', 'designers'] as const) {
      expect(resource(json, logicalIdOf(stack.data.tables[other])).Properties).not.toHaveProperty(
        'ResourcePolicy',
      );
    }
  });
});

// ---------------------------------------------------------------- keys

describe('KMS key policies separate administration from use', () => {
  const CRYPTO =
    /^kms:(Encrypt|Decrypt|ReEncrypt|GenerateDataKey|GenerateMac|VerifyMac|Sign|Verify|CreateGrant|DeriveSharedSecret|GenerateRandom)/;

  const keyPolicies = () =>
    [...Object.values(stack.keys.keys), stack.keys.operations].map((key) => ({
      name: keyNameOf(key),
      statements: at<Statement[]>(resource(json, logicalIdOf(key)), 'KeyPolicy.Statement'),
    }));

  it('no key gives kms:* (or any wildcard that covers use) to anyone', () => {
    for (const { name, statements } of keyPolicies()) {
      for (const statement of statements) {
        for (const action of actionsOf(statement)) {
          expect(action, name).not.toBe('kms:*');
          expect(action, name).not.toMatch(/^kms:(Create|Get)\*$/);
        }
      }
    }
  });

  it('the account administers each key without any cryptographic action', () => {
    for (const { name, statements } of keyPolicies()) {
      const admin = statements.find((s) => actionsOf(s).includes('kms:PutKeyPolicy'));
      expect(admin, name).toBeDefined();
      expect(admin?.Condition, name).toBeUndefined();
      expect(
        actionsOf(admin as Statement).filter((a) => CRYPTO.test(a)),
        name,
      ).toEqual([]);
      expect(actionsOf(admin as Statement), name).toEqual(
        expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:EnableKeyRotation', 'kms:DescribeKey']),
      );
    }
  });

  it("cryptographic use is open only to this stack's roles, or to AWS services encrypting at rest for this account", () => {
    for (const { name, statements } of keyPolicies()) {
      const uses = statements.filter((s) => actionsOf(s).some((a) => CRYPTO.test(a)));
      expect(uses.length, name).toBeGreaterThan(0);
      for (const statement of uses) {
        const principal = JSON.stringify((statement as Statement & { Principal?: unknown }).Principal);
        if (principal.includes('amazonaws.com')) {
          // CloudWatch Logs and alarms on the operations key: conditioned on this account.
          expect(name).toBe('operations');
          expect(statement.Condition, name).toBeDefined();
          continue;
        }
        const condition = JSON.stringify(statement.Condition ?? {});
        const stackRoles = condition.includes('"aws:PrincipalArn"') && condition.includes(':role/Caseline-*');
        const atRest = condition.includes('"kms:ViaService"') && condition.includes('"kms:CallerAccount"');
        expect(stackRoles || atRest, `${name}: ${JSON.stringify(statement)}`).toBe(true);
        if (actionsOf(statement).includes('kms:CreateGrant')) {
          expect(condition, name).toContain('"kms:GrantIsForAWSResource":"true"');
        }
      }
    }
  });

  it('the signing key can sign only for this stack, and nothing can encrypt with it', () => {
    const signing = keyPolicies().find((k) => k.name === 'certificateSigning');
    const actions = signing?.statements.flatMap(actionsOf) ?? [];
    expect(actions).toContain('kms:Sign');
    expect(actions.filter((a) => /Encrypt|Decrypt|GenerateDataKey|CreateGrant/.test(a))).toEqual([]);
  });
});

// ---------------------------------------------------------------- bucket policy

describe('the case-files bucket keeps every object under its own key', () => {
  const denies = () => {
    const bucketId = logicalIdOf(stack.storage.buckets.caseFiles);
    const [, policy] =
      Object.entries(json.Resources).find(
        ([, r]) => r.Type === 'AWS::S3::BucketPolicy' && referencedIds(r.Properties?.Bucket).has(bucketId),
      ) ?? [];
    const statements = at<Statement[]>(policy, 'PolicyDocument.Statement');
    return statements.filter((s) => s.Effect === 'Deny' && actionsOf(s).includes('s3:PutObject'));
  };

  it('denies a PUT that asks for another algorithm than SSE-KMS', () => {
    expect(denies()).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: '*' },
        Condition: {
          Null: { 's3:x-amz-server-side-encryption': 'false' },
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        },
      }),
    );
  });

  it("denies a PUT that names another KMS key than the case-data key or a key ARN of this account and region (the partner accounts' keys)", () => {
    expect(denies()).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: '*' },
        Condition: {
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
          StringNotLike: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': [
              { 'Fn::GetAtt': [logicalIdOf(stack.keys.keys.caseData), 'Arn'] },
              // The test stack's region is fixed (us-east-1); its account is the deploying one.
              { 'Fn::Join': ['', ['arn:aws:kms:us-east-1:', { Ref: 'AWS::AccountId' }, ':key/*']] },
            ],
          },
        },
      }),
    );
  });

  it('denies customer-provided keys (SSE-C), and a PUT without a header gets the default: SSE-KMS, this key', () => {
    expect(denies()).toContainEqual(
      expect.objectContaining({
        Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
      }),
    );
    const bucket = resource(json, logicalIdOf(stack.storage.buckets.caseFiles));
    expect(bucket.Properties?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(stack.keys.keys.caseData), 'Arn'] },
          },
        },
      ],
    });
  });
});
