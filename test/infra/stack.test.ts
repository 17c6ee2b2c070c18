/**
 * The synthesized Caseline template keeps the promises of the BAA and the DPA: encryption with our
 * keys, no public data, backups, least privilege straight from the catalogue, 15-minute tokens,
 * an authorizer on every route that names roles.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKETS,
  type BucketId,
  EXPORTS,
  KMS_KEYS,
  STATE_MACHINES,
  type StateMachineId,
  TABLES,
  type TableDefinition,
  TOPICS,
} from '../../common/definitions';
import { PUBLIC_ROUTE_REASONS } from '../../lib/api';
import type { CaselineStack } from '../../lib/caseline-stack';
import {
  API_SCOPE,
  type BucketGrant,
  FUNCTIONS,
  type FunctionDefinition,
  ROLES,
  routesOf,
} from '../../lib/functions';
import { BACKUP_RETENTION_DAYS, NONCURRENT_VERSION_RETENTION_DAYS } from '../../lib/secure-defaults';
import { synthesize } from './synth';
import {
  actionsOf,
  allIdentityStatements,
  at,
  awsManagedPolicyArns,
  logicalIdOf,
  referencedIds,
  resource,
  resourcesOfStatement,
  resourcesOfType,
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

const keyArn = (id: keyof typeof KMS_KEYS) => ({ 'Fn::GetAtt': [logicalIdOf(stack.keys.keys[id]), 'Arn'] });
const functionId = (definition: FunctionDefinition) => {
  const target = stack.compute.functions[definition.id];
  if (!target) throw new Error(`No function for catalogue entry ${definition.id}`);
  return logicalIdOf(target.function);
};

describe('KMS keys', () => {
  it('creates the symmetric case-data key with automatic rotation and its alias', () => {
    const keyId = logicalIdOf(stack.keys.keys.caseData);
    expect(resource(json, keyId).Properties).toMatchObject({ EnableKeyRotation: true });
    expect(resource(json, keyId).Properties?.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: KMS_KEYS.caseData.alias,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('creates the ECC P-256 signing key, without rotation (AWS cannot rotate asymmetric keys)', () => {
    const props = resource(json, logicalIdOf(stack.keys.keys.certificateSigning)).Properties;
    expect(props).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(props?.EnableKeyRotation ?? false).toBe(false);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: KMS_KEYS.certificateSigning.alias });
  });

  it('creates the HMAC key of the case-reference guard, used by order creation only', () => {
    const keyId = logicalIdOf(stack.keys.keys.caseRefMac);
    const props = resource(json, keyId).Properties;
    expect(props).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: KMS_KEYS.caseRefMac.alias,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const macGrants = allIdentityStatements(json).filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('kms:GenerateMac'),
    );
    expect(macGrants).toHaveLength(1);
    expect(macGrants[0]?.owner).toBe(logicalIdOf(stack.compute.functions.createOrder?.role as never));
    expect(JSON.stringify(macGrants[0]?.statement.Resource)).toContain(keyId);
  });

  it('retains every key when the stack is deleted (encrypted backups would become unreadable)', () => {
    for (const [, key] of resourcesOfType(json, 'AWS::KMS::Key')) {
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('S3 buckets', () => {
  const bucketIds = Object.keys(BUCKETS) as BucketId[];

  it.each(bucketIds)(
    '%s: blocks all public access, SSE-KMS with the case-data key and a bucket key, versioned, access-logged',
    (id) => {
      const props = resource(json, logicalIdOf(stack.storage.buckets[id])).Properties;
      expect(props).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn('caseData') },
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack.storage.accessLogs) } },
      });
    },
  );

  it.each([...bucketIds, 'accessLogs'])(
    '%s: the bucket policy refuses plain HTTP and TLS below 1.2',
    (id) => {
      const bucket = id === 'accessLogs' ? stack.storage.accessLogs : stack.storage.buckets[id as BucketId];
      const bucketId = logicalIdOf(bucket);
      const [, policy] =
        resourcesOfType(json, 'AWS::S3::BucketPolicy').find(([, p]) =>
          referencedIds(p.Properties?.Bucket).has(bucketId),
        ) ?? [];
      const statements = at<Statement[]>(policy, 'PolicyDocument.Statement');
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      );
    },
  );

  it.each(bucketIds)('%s: the bucket policy denies writes under another key or algorithm', (id) => {
    const bucketId = logicalIdOf(stack.storage.buckets[id]);
    const [, policy] =
      resourcesOfType(json, 'AWS::S3::BucketPolicy').find(([, p]) =>
        referencedIds(p.Properties?.Bucket).has(bucketId),
      ) ?? [];
    const statements = at<Statement[]>(policy, 'PolicyDocument.Statement');
    const sse = 's3:x-amz-server-side-encryption';
    const keyId = 's3:x-amz-server-side-encryption-aws-kms-key-id';
    const deny = (Sid: string) =>
      statements.find((s) => (s as { Sid?: string }).Sid === Sid) as Statement & {
        Condition: Record<string, Record<string, unknown>>;
      };
    for (const sid of ['DenyOtherEncryption', 'DenyOtherKmsKey', 'DenyAwsManagedKey']) {
      expect(deny(sid), sid).toMatchObject({
        Effect: 'Deny',
        Action: 's3:PutObject',
        Principal: { AWS: '*' },
      });
    }
    expect(deny('DenyOtherEncryption').Condition).toEqual({
      StringNotEquals: { [sse]: 'aws:kms' },
      Null: { [sse]: 'false' },
    });
    // The keys admitted: the bucket's own encryption key, and a key ARN of this account and region
    // (the partner accounts' own keys, created at run time: the ARN the functions sign uploads with).
    const [bucketKey, accountKeys] = (deny('DenyOtherKmsKey').Condition.StringNotLike?.[keyId] ??
      []) as unknown[];
    expect(referencedIds(bucketKey)).toEqual(referencedIds(at(resource(json, bucketId), 'BucketEncryption')));
    expect(JSON.stringify(accountKeys)).toMatch(
      /^\{"Fn::Join":\["",\["arn:aws:kms:[a-z0-9-]+:",\{"Ref":"AWS::AccountId"\},":key\/\*"\]\]\}$/,
    );
    expect(deny('DenyOtherKmsKey').Condition.Null).toEqual({ [keyId]: 'false' });
    expect(deny('DenyAwsManagedKey').Condition).toEqual({
      StringEquals: { [sse]: 'aws:kms' },
      Null: { [keyId]: 'true' },
    });
  });

  it.each(bucketIds)('%s: no lifecycle rule ever expires a current object version', (id) => {
    const rules = at<Record<string, unknown>[]>(
      resource(json, logicalIdOf(stack.storage.buckets[id])),
      'LifecycleConfiguration.Rules',
    );
    // The one exception: account exports (copies handed to a lab) expire under exports/ only.
    const exportRules = rules.filter((rule) => rule.Id === 'expire-account-exports');
    expect(exportRules).toEqual(
      id === 'caseFiles'
        ? [
            expect.objectContaining({
              Prefix: EXPORTS.prefix,
              ExpirationInDays: EXPORTS.expireDays,
              NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            }),
          ]
        : [],
    );
    for (const rule of rules.filter((r) => r.Id !== 'expire-account-exports')) {
      expect(rule).not.toHaveProperty('ExpirationInDays');
      expect(rule).not.toHaveProperty('ExpirationDate');
      expect(rule).not.toHaveProperty('Transitions');
    }
    // What the lifecycle does do: old versions, orphaned delete markers and abandoned multipart uploads go.
    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_RETENTION_DAYS },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
    );
  });

  it('the access-log bucket is SSE-S3 (S3 log delivery cannot write to SSE-KMS), private and versioned', () => {
    expect(resource(json, logicalIdOf(stack.storage.accessLogs)).Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('the audit-digest bucket keeps every version 6 years under Object Lock in compliance mode; the case files have no lock', () => {
    expect(resource(json, logicalIdOf(stack.storage.buckets.auditDigests)).Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 6 * 365 } },
      },
    });
    expect(
      resource(json, logicalIdOf(stack.storage.buckets.caseFiles)).Properties?.ObjectLockEnabled,
    ).toBeUndefined();
  });

  it('only the sealer writes digests (PutObject, no delete) and only the auditor view and the audit export read them', () => {
    const digestsId = logicalIdOf(stack.storage.buckets.auditDigests);
    const touching = Object.fromEntries(
      FUNCTIONS.map((f): [string, string[]] => [
        f.id,
        statementsOfFunction(json, functionId(f))
          .filter(
            (st) =>
              st.Effect === 'Allow' && JSON.stringify(resourcesOfStatement(st)).includes(`"${digestsId}"`),
          )
          .flatMap(actionsOf)
          .sort(),
      ]).filter(([, actions]) => actions.length > 0),
    );
    expect(touching).toEqual({
      sealAudit: ['s3:PutObject'],
      auditTrail: ['s3:GetObject', 's3:ListBucket'],
      // An audit export copies the digests that cover its range into the archive.
      exportAuditTrail: ['s3:GetObject', 's3:ListBucket'],
    });
  });
});

describe('DynamoDB tables', () => {
  const keySchema = (definition: Pick<TableDefinition, 'partitionKey' | 'sortKey'>) => [
    { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
    ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
  ];

  it.each(Object.values(TABLES))(
    '$id: keys and GSIs exactly as defined, PITR, CMK encryption, protected',
    (definition) => {
      const table = resource(json, logicalIdOf(stack.data.tables[definition.id]));
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        KeySchema: keySchema(definition),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: {
          PointInTimeRecoveryEnabled: true,
          RecoveryPeriodInDays: BACKUP_RETENTION_DAYS,
        },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn('caseData') },
        DeletionProtectionEnabled: true,
      });
      expect(table.Properties).not.toHaveProperty('TableName');
      const indexes = (table.Properties?.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
      expect(indexes).toHaveLength(definition.globalIndexes.length);
      for (const index of definition.globalIndexes) {
        expect(indexes).toContainEqual({
          IndexName: index.indexName,
          KeySchema: keySchema(index),
          Projection: {
            ProjectionType: index.projection,
            ...(index.nonKeyAttributes ? { NonKeyAttributes: index.nonKeyAttributes } : {}),
          },
        });
      }
    },
  );

  it('backs every table up daily into a vault, kept as long as the seed says', () => {
    template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            ScheduleExpression: 'cron(0 3 * * ? *)',
            Lifecycle: { DeleteAfterDays: BACKUP_RETENTION_DAYS },
          }),
        ],
      },
    });
    const [[, selection] = []] = resourcesOfType(json, 'AWS::Backup::BackupSelection');
    const selected = referencedIds(selection?.Properties);
    for (const table of Object.values(stack.data.tables)) expect(selected).toContain(logicalIdOf(table));
  });
});

describe('Lambda functions', () => {
  const envVars = [
    ...Object.values(TABLES),
    ...Object.values(BUCKETS),
    ...Object.values(KMS_KEYS),
    ...Object.values(STATE_MACHINES),
    ...Object.values(TOPICS),
  ].map((d) => d.envVar);

  it('deploys exactly one function per catalogue entry, plus the pre-token trigger', () => {
    expect(resourcesOfType(json, 'AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length + 1);
  });

  it.each(FUNCTIONS)(
    '$id: nodejs24.x on arm64, JSON logs, active tracing, and every resource name in its environment',
    (definition) => {
      const props = resource(json, functionId(definition)).Properties;
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
        Timeout: definition.timeoutSeconds ?? 10,
        MemorySize: definition.memoryMb ?? 512,
      });
      const variables = at<Record<string, unknown>>(
        resource(json, functionId(definition)),
        'Environment.Variables',
      );
      expect(variables).toMatchObject({ CASELINE_STAGE: 'aws', POWERTOOLS_SERVICE_NAME: 'caseline' });
      for (const name of envVars) expect(variables, name).toHaveProperty(name);
    },
  );

  it('the pre-token trigger runs on the same runtime and architecture', () => {
    expect(resource(json, logicalIdOf(stack.api.preTokenGeneration.function)).Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
  });

  it('every log group is encrypted with a customer-managed key and has a retention period', () => {
    const groups = resourcesOfType(json, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(FUNCTIONS.length);
    for (const [, group] of groups) {
      expect(group.Properties).toMatchObject({
        KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.keys.operations), 'Arn'] },
        RetentionInDays: expect.any(Number),
      });
    }
  });
});

describe('least privilege, from the catalogue', () => {
  // The brief's contract, written out independently of lib/compute.ts.
  const TABLE_ACTIONS = {
    read: ['dynamodb:GetItem', 'dynamodb:Query'],
    readWrite: [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    append: ['dynamodb:PutItem'],
  } as const;

  const tableArnRefs = (statement: Statement, tableLogicalId: string) =>
    resourcesOfStatement(statement).some((r) => referencedIds(r).has(tableLogicalId));

  it.each(FUNCTIONS)(
    '$id: DynamoDB actions per table are exactly what its access level or grant allows',
    (definition) => {
      const statements = statementsOfFunction(json, functionId(definition));
      for (const table of Object.values(TABLES)) {
        const tableLogicalId = logicalIdOf(stack.data.tables[table.id]);
        const granted = new Set(
          statements
            .filter((s) => s.Effect === 'Allow' && tableArnRefs(s, tableLogicalId))
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('dynamodb:')),
        );
        const level = definition.access.tables?.[table.id];
        // An append to a sequenced table (the audit log) also takes the next number of its counter.
        const sequenced = Object.values(TABLES).some((t) => {
          const onT = definition.access.tables?.[t.id];
          const appends = onT === 'append' || (typeof onT === 'object' && onT.actions.includes('PutItem'));
          return t.sequencedBy === table.id && appends;
        });
        const expected = [
          ...new Set([
            ...(level === undefined
              ? []
              : typeof level === 'string'
                ? [...TABLE_ACTIONS[level]]
                : level.actions.map((a) => `dynamodb:${a}`)),
            ...(sequenced ? ['dynamodb:UpdateItem'] : []),
          ]),
        ].sort();
        expect([...granted].sort(), `${definition.id} on ${table.id}`).toEqual(expected);
      }
    },
  );

  it('nothing anywhere may update or delete audit events: PutItem is the only write on the audit table', () => {
    const auditId = logicalIdOf(stack.data.tables.audit);
    const onAudit = allIdentityStatements(json).filter(
      ({ statement }) => statement.Effect === 'Allow' && tableArnRefs(statement, auditId),
    );
    expect(onAudit.length).toBeGreaterThan(0);
    for (const { owner, statement } of onAudit) {
      const actions = actionsOf(statement);
      // Reads are queries (the auditor's view, the sealer): on the table and its indexes.
      if (actions.every((a) => a === 'dynamodb:Query')) continue;
      expect(actions, owner).toEqual(['dynamodb:PutItem']);
      // Table ARN only: no index, no stream.
      expect(resourcesOfStatement(statement), owner).toEqual([{ 'Fn::GetAtt': [auditId, 'Arn'] }]);
    }
    const appenders = FUNCTIONS.filter((f) => {
      const level = f.access.tables?.audit;
      return level !== undefined && (typeof level === 'string' || level.actions.length > 0);
    }).map(functionId);
    const owners = new Set(onAudit.map(({ owner }) => owner));
    for (const fnId of appenders) {
      const statements = statementsOfFunction(json, fnId);
      expect(
        statements.some((s) => tableArnRefs(s, auditId)),
        fnId,
      ).toBe(true);
    }
    expect(owners.size).toBe(appenders.length);
  });

  it.each(FUNCTIONS)(
    '$id: S3 access only when the catalogue grants it, on order keys (or narrower) but for listing',
    (definition) => {
      const caseFilesId = logicalIdOf(stack.storage.buckets.caseFiles);
      const statements = statementsOfFunction(json, functionId(definition)).filter(
        (s) =>
          actionsOf(s).some((a) => a.startsWith('s3:')) &&
          JSON.stringify(resourcesOfStatement(s)).includes(`"${caseFilesId}"`),
      );
      const level = definition.access.buckets?.caseFiles;
      if (!level) {
        expect(statements).toEqual([]);
        return;
      }
      const EXPECTED = {
        read: {
          objects: ['s3:GetObject'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.order,
        },
        readWrite: {
          objects: ['s3:GetObject', 's3:PutObject'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.order,
        },
        put: { objects: ['s3:PutObject'], list: [], keys: BUCKETS.caseFiles.objectKeys.order },
        delete: {
          objects: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          list: ['s3:ListBucket', 's3:ListBucketVersions'],
          keys: BUCKETS.caseFiles.objectKeys.order,
        },
      } as const;
      // A list of grants (the export job reads orders/, writes exports/) is one statement per grant.
      const grants =
        typeof level === 'string'
          ? [EXPECTED[level]]
          : ((Array.isArray(level) ? level : [level]) as readonly BucketGrant[]).map((grant) => ({
              objects: [...grant.objects].sort(),
              list: [...(grant.list ?? [])].sort(),
              keys: grant.keys ?? BUCKETS.caseFiles.objectKeys.order,
            }));
      const bucketId = logicalIdOf(stack.storage.buckets.caseFiles);
      const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
      const onBucket = statements.filter(
        (s) => JSON.stringify(resourcesOfStatement(s)) === JSON.stringify([bucketArn]),
      );
      let onObjectsCount = 0;
      for (const expected of grants) {
        const objectArn = { 'Fn::Join': ['', [bucketArn, `/${expected.keys}`]] };
        const onObjects = statements.filter(
          (s) => JSON.stringify(resourcesOfStatement(s)) === JSON.stringify([objectArn]),
        );
        onObjectsCount += onObjects.length;
        expect(onObjects.flatMap(actionsOf).sort()).toEqual([...expected.objects]);
      }
      // Nothing on any other resource (another bucket, "*", every object).
      expect(onObjectsCount + onBucket.length).toBe(statements.length);
      expect(onBucket.flatMap(actionsOf).sort()).toEqual([...new Set(grants.flatMap((g) => g.list))].sort());
    },
  );

  it.each(FUNCTIONS)(
    '$id: may start a state machine only when the catalogue says start, and only that one',
    (definition) => {
      const statements = statementsOfFunction(json, functionId(definition)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('states:')),
      );
      const uses = Object.entries(definition.access.stateMachines ?? {});
      if (uses.length === 0) {
        expect(statements).toEqual([]);
        return;
      }
      // One statement per machine named, on that machine only.
      expect(statements).toHaveLength(uses.length);
      for (const [machine, use] of uses) {
        const machineArn =
          json.Resources[logicalIdOf(stack.workflow.stateMachines[machine as StateMachineId])];
        expect(machineArn?.Properties?.StateMachineName).toBe(`${stack.stackName}-${machine}`);
        const mine = statements.filter((s) =>
          JSON.stringify(s.Resource).includes(`${stack.stackName}-${machine}`),
        );
        expect(mine).toHaveLength(1);
        for (const statement of mine) {
          // DescribeExecution is authorised on the machine's executions, everything else on the machine.
          expect(JSON.stringify(statement.Resource)).toContain(
            use === 'describe'
              ? `:execution:${stack.stackName}-${machine}:*`
              : `:stateMachine:${stack.stackName}-${machine}"`,
          );
          if (use === 'start') expect(actionsOf(statement)).toEqual(['states:StartExecution']);
          if (use === 'describe') expect(actionsOf(statement)).toEqual(['states:DescribeExecution']);
        }
      }
    },
  );

  it('no identity policy grants a service-wide or global action wildcard', () => {
    for (const { owner, statement } of allIdentityStatements(json)) {
      for (const action of actionsOf(statement)) {
        expect(action, owner).not.toBe('*');
        expect(action, owner).not.toMatch(/^[a-z0-9-]+:\*$/);
      }
    }
  });

  it('function roles carry one inline policy, their own, and no AWS-managed or attached policy', () => {
    for (const target of [...Object.values(stack.compute.functions), stack.api.preTokenGeneration]) {
      const role = resource(json, logicalIdOf(target.role));
      const policies = role.Properties?.Policies as { PolicyName: string }[] | undefined;
      expect(policies?.map((p) => p.PolicyName)).toEqual(['leastPrivilege']);
      expect(awsManagedPolicyArns(role)).toEqual([]);
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
    // Nothing attaches a policy to a role from outside it (CDK's grants would do so).
    expect(resourcesOfType(json, 'AWS::IAM::Policy')).toEqual([]);
  });

  it('stays within CloudFormation’s limits: 500 resources and a 1 MB template', () => {
    expect(Object.keys(json.Resources).length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(json).length).toBeLessThan(1_000_000);
  });
});

describe('order workflow', () => {
  it('logs every state at level ALL without execution data, to a KMS-encrypted log group, traced', () => {
    const machine = resource(json, logicalIdOf(stack.workflow.stateMachines.orderWorkflow));
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    });
    const destinations = at<unknown[]>(machine, 'LoggingConfiguration.Destinations');
    const [logGroupId] = [...referencedIds(destinations)];
    expect(resource(json, logGroupId ?? '').Properties).toHaveProperty('KmsKeyId');
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])(
    'alarms operators on %s',
    (metricName) => {
      const machineId = logicalIdOf(stack.workflow.stateMachines.orderWorkflow);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: logicalIdOf(stack.alerts.topics.operatorAlerts) }],
      });
    },
  );

  it('alert topics are KMS-encrypted and refuse publishing without TLS', () => {
    for (const topic of Object.values(stack.alerts.topics)) {
      const topicId = logicalIdOf(topic);
      expect(resource(json, topicId).Properties).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.keys.operations), 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('sign-in and API', () => {
  it('requires TOTP MFA, admin-created users only, strong passwords, threat protection', () => {
    const pool = resource(json, logicalIdOf(stack.api.userPool)).Properties;
    expect(pool).toMatchObject({
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: {
        PasswordPolicy: {
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    const minLength = at<number>(
      resource(json, logicalIdOf(stack.api.userPool)),
      'Policies.PasswordPolicy.MinimumLength',
    );
    expect(minLength).toBeGreaterThanOrEqual(12);
    expect(pool?.Schema).toContainEqual(expect.objectContaining({ Name: 'account_id', Mutable: false }));
  });

  it('puts account_id into access tokens through a V2 pre-token trigger', () => {
    const pool = resource(json, logicalIdOf(stack.api.userPool)).Properties;
    expect(pool?.LambdaConfig).toMatchObject({
      PreTokenGenerationConfig: {
        LambdaArn: { 'Fn::GetAtt': [logicalIdOf(stack.api.preTokenGeneration.function), 'Arn'] },
        LambdaVersion: 'V2_0',
      },
    });
  });

  it('lets the API invoke each routed function through one permission scoped to this API, and nothing else', () => {
    const apiId = logicalIdOf(stack.api.httpApi);
    const routed = new Set(routesOf().map((r) => functionId(r.fn)));
    const byApi = resourcesOfType(json, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'apigateway.amazonaws.com',
    );
    const targets = byApi.map(([, p]) => referencedIds(p.Properties?.FunctionName));
    expect(byApi).toHaveLength(routed.size);
    for (const [i, [, permission]] of byApi.entries()) {
      expect([...(targets[i] ?? [])].filter((id) => routed.has(id))).toHaveLength(1);
      const source = JSON.stringify(permission.Properties?.SourceArn);
      expect(source).toContain(`"Ref":"${apiId}"`);
      expect(source).toMatch(/\/\*\/\*\/\*"/);
    }
  });

  it('has one group per role', () => {
    for (const role of ROLES)
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    expect(resourcesOfType(json, 'AWS::Cognito::UserPoolGroup')).toHaveLength(ROLES.length);
  });

  it('issues access and id tokens valid for 15 minutes, and refresh tokens for an hour, to a secretless SRP client', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 60,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('every route from the catalogue exists; a JWT authorizer guards each one that names roles, none the public ones', () => {
    const authorizers = resourcesOfType(json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[authorizerId, authorizer] = []] = authorizers;
    expect(authorizer?.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      // The CLI's client and the web console's (hosted UI, code + PKCE).
      JwtConfiguration: {
        Audience: [{ Ref: logicalIdOf(stack.api.client) }, { Ref: logicalIdOf(stack.api.consoleClient) }],
      },
    });
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(routesOf().length);
    for (const route of routesOf()) {
      const [, found] =
        routes.find(([, r]) => r.Properties?.RouteKey === `${route.method} ${route.path}`) ?? [];
      expect(found, `${route.method} ${route.path}`).toBeDefined();
      if (route.roles.length > 0) {
        expect(found?.Properties).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: authorizerId },
          // The scope only access tokens carry: the authorizer refuses an id token.
          AuthorizationScopes: [API_SCOPE],
        });
      } else {
        expect(found?.Properties?.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(found?.Properties).not.toHaveProperty('AuthorizationScopes');
      }
      // The route reaches the function the catalogue names.
      const [integrationId] = [...referencedIds(found?.Properties?.Target)];
      const integration = resource(json, integrationId ?? '');
      expect(referencedIds(integration.Properties?.IntegrationUri)).toContain(functionId(route.fn));
    }
  });

  it('the reason acknowledging each public route (cdk-nag APIG4) names every call its function may make', () => {
    const publicRoutes = routesOf().filter((r) => r.roles.length === 0);
    expect(Object.keys(PUBLIC_ROUTE_REASONS).sort()).toEqual(
      publicRoutes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const route of publicRoutes) {
      const reason = PUBLIC_ROUTE_REASONS[`${route.method} ${route.path}`] ?? '';
      // Beyond its runtime (its own log group, X-Ray traces).
      const actions = statementsOfFunction(json, functionId(route.fn))
        .filter((s) => s.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));
      if (actions.length === 0) expect(reason, route.path).toMatch(/granted nothing/);
      // "touches no data" is only true of a function that may call nothing.
      else expect(reason, route.path).not.toMatch(/without touching|touches no data/);
      for (const action of actions) expect(reason, route.path).toContain(action.split(':')[1]);
    }
  });

  it('logs access to a KMS-encrypted group without paths, bodies or integration error text, and throttles', () => {
    const [[, stage] = []] = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage');
    const settings = stage?.Properties?.AccessLogSettings as { DestinationArn: unknown; Format: string };
    const [logGroupId] = [...referencedIds(settings.DestinationArn)];
    expect(resource(json, logGroupId ?? '').Properties).toHaveProperty('KmsKeyId');
    const fields = Object.values(JSON.parse(settings.Format) as Record<string, string>);
    expect(fields).toContain('$context.requestId');
    for (const forbidden of [
      '$context.path',
      '$context.integrationErrorMessage',
      '$context.integration.error',
    ]) {
      expect(fields).not.toContain(forbidden);
    }
    expect(settings.Format).not.toMatch(/body|querystring|\$input/i);
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: {
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      },
    });
  });
});

describe('scheduled functions', () => {
  // Prepare: the catalogue plus one sweep that runs every 15 minutes.
  const sweep: FunctionDefinition = {
    id: 'sweepProbe',
    entry: 'lambdas/handlers/health.ts',
    description: 'A scheduled job used only by this test.',
    schedule: { everyMinutes: 15 },
    access: { tables: { orders: 'read' } },
  };
  let scheduled: { stack: CaselineStack; json: TemplateJson };

  beforeAll(() => {
    const synthesized = synthesize({ catalogue: [...FUNCTIONS, sweep] });
    if (!synthesized.template) throw synthesized.synthError;
    scheduled = { stack: synthesized.stack, json: synthesized.template.toJSON() as TemplateJson };
  });

  it('invokes the function on its rate through a role only EventBridge Scheduler can assume', () => {
    const target = scheduled.stack.compute.functions.sweepProbe;
    if (!target) throw new Error('sweepProbe was not deployed');
    const targetArn = { 'Fn::GetAtt': [logicalIdOf(target.function), 'Arn'] };
    const schedules = resourcesOfType(scheduled.json, 'AWS::Scheduler::Schedule').filter(
      ([, s]) => JSON.stringify(at(s, 'Target.Arn')) === JSON.stringify(targetArn),
    );
    expect(schedules).toHaveLength(1);
    const [[, schedule] = []] = schedules;
    expect(schedule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [logicalIdOf(target.function), 'Arn'] } },
    });
    const [roleId] = [...referencedIds(at(schedule, 'Target.RoleArn'))];
    const role = resource(scheduled.json, roleId ?? '');
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(resourcesOfType(scheduled.json, 'AWS::IAM::Policy')).toEqual([]);
  });

  it('alarms operators when a scheduled run fails', () => {
    const target = scheduled.stack.compute.functions.sweepProbe;
    const alarm = resourcesOfType(scheduled.json, 'AWS::CloudWatch::Alarm').find(
      ([, a]) =>
        a.Properties?.MetricName === 'Errors' &&
        JSON.stringify(a.Properties?.Dimensions).includes(logicalIdOf(target?.function ?? scheduled.stack)),
    );
    expect(alarm?.[1].Properties).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [
        { Name: 'FunctionName', Value: { Ref: logicalIdOf(target?.function ?? scheduled.stack) } },
      ],
      AlarmActions: [{ Ref: logicalIdOf(scheduled.stack.alerts.topics.operatorAlerts) }],
    });
  });
});
