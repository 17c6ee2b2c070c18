/**
 * The Lambda functions of the catalogue (lib/functions.ts): one function per entry, each with the
 * environment every handler's config reads and exactly the access its entry declares.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  ACCOUNT_KEYS,
  BUCKETS,
  type BucketDefinition,
  type BucketId,
  type KeyId,
  KMS_KEYS,
  SEQUENCE_KEY,
  STATE_MACHINES,
  type StateMachineId,
  TABLES,
  type TableId,
  TOPICS,
  type TopicId,
  USER_POOL,
} from '../common/definitions';
import {
  type AccessDefinition,
  type AccountKeyUse,
  type BucketGrant,
  FUNCTIONS,
  type FunctionDefinition,
  type TableAction,
} from './functions';
import { CaselineFunction } from './lambda-function';
import { APPEND_ONLY_DENIED } from './secure-defaults';

/** Everything a catalogue entry may name, by its id in common/definitions.ts. */
export interface CatalogueResources {
  readonly tables: Readonly<Record<TableId, ITable>>;
  readonly buckets: Readonly<Record<BucketId, IBucket>>;
  readonly keys: Readonly<Record<KeyId, IKey>>;
  /**
   * ARNs rather than constructs: task functions need the workflow's ARN while the workflow needs
   * theirs, so the ARN is derived from the state machine's name to keep the template acyclic.
   */
  readonly stateMachineArns: Readonly<Record<StateMachineId, string>>;
  readonly topics: Readonly<Record<TopicId, ITopic>>;
}

/** Emitted into every function's POWERTOOLS_SERVICE_NAME. */
export const SERVICE_NAME = 'caseline';

/** The table levels of the catalogue. No ConditionCheckItem: no adapter writes transactions. */
const TABLE_LEVELS: Readonly<Record<'read' | 'readWrite' | 'append', readonly TableAction[]>> = {
  read: ['GetItem', 'Query'],
  readWrite: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  // The audit log: a conditional PutItem that cannot overwrite, and nothing else.
  append: ['PutItem'],
};

const BUCKET_LEVELS: Readonly<Record<'read' | 'readWrite' | 'put' | 'delete', BucketGrant>> = {
  read: { objects: ['s3:GetObject'], list: ['s3:ListBucket'] },
  readWrite: { objects: ['s3:GetObject', 's3:PutObject'], list: ['s3:ListBucket'] },
  put: { objects: ['s3:PutObject'] },
  delete: {
    objects: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
    list: ['s3:ListBucket', 's3:ListBucketVersions'],
  },
};

const KEY_ACTIONS = {
  encrypt: ['kms:Encrypt'],
  decrypt: ['kms:Decrypt'],
  encryptDecrypt: ['kms:Encrypt', 'kms:Decrypt'],
  // GetPublicKey lets the signer embed the verifying key's fingerprint in what it signs.
  sign: ['kms:Sign', 'kms:GetPublicKey'],
  // The public-key route is unauthenticated: it may read the public key and nothing else.
  publicKey: ['kms:GetPublicKey'],
  // The keyed hash of a case reference (duplicate guard); VerifyMac is never needed.
  mac: ['kms:GenerateMac'],
} as const;

const STATE_MACHINE_ACTIONS = {
  start: ['states:StartExecution'],
  // The workflow adapter only ever reports success; a failure is a state of the order, not of the task.
  taskResponse: ['states:SendTaskSuccess'],
  // Authorised on the executions (arn:…:execution:<machine>:*), not on the state machine.
  describe: ['states:DescribeExecution'],
} as const;

const pascal = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;

/** The key of a service-side encryption, usable only through that service (DynamoDB, S3 or SNS). */
const viaService = (scope: Construct, service: 'dynamodb' | 's3' | 'sns') => ({
  StringEquals: { 'kms:ViaService': `${service}.${Stack.of(scope).region}.amazonaws.com` },
});

/** Keys whose alias is an account's (alias/caseline/account/*): the only keys account-key grants reach. */
const ACCOUNT_KEY_BY_ALIAS = {
  'ForAnyValue:StringLike': { 'kms:ResourceAliases': `${ACCOUNT_KEYS.aliasPrefix}*` },
} as const;
/** Keys tagged with an account at creation (before they have an alias): what onboarding and shredding manage. */
const ACCOUNT_KEY_BY_TAG = { Null: { [`aws:ResourceTag/${ACCOUNT_KEYS.tagKey}`]: 'false' } } as const;

/** Every key of this account and region, and the account-key aliases: narrowed by the conditions above. */
const accountKeyArns = (scope: Construct) => {
  const { partition, region, account } = Stack.of(scope);
  return {
    keys: `arn:${partition}:kms:${region}:${account}:key/*`,
    aliases: `arn:${partition}:kms:${region}:${account}:${ACCOUNT_KEYS.aliasPrefix}*`,
  };
};

const acknowledged = new WeakSet<CaselineFunction>();
/** The wildcard on this account's keys, once per function (S3's use and the function's own). */
const acknowledgeAccountKeys = (target: CaselineFunction) => {
  if (acknowledged.has(target)) return;
  acknowledged.add(target);
  Validations.of(target.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagName(target.function, accountKeyArns(target.function).keys)}]`,
    reason:
      "Partner accounts' keys are created at onboarding, so their ARNs are unknown at deploy time: the grant names " +
      "this account's keys and is narrowed by the account alias (kms:ResourceAliases) or the account tag, and each " +
      "key's own policy admits only this stack's roles and that account's encryption context.",
  });
};

/**
 * The partner accounts' keys are created at run time, so no ARN is known at deploy time: grants
 * name every key of the account and region and narrow it by condition. Cryptography by the
 * account alias, and for PHI fields only with an account in the encryption context (each key's
 * own policy then requires that it be the key's account, common/key-policy.ts); management by the
 * tag set at creation; shredding only with the pending window the certificate states.
 */
const grantAccountKeys = (target: CaselineFunction, uses: readonly AccountKeyUse[]) => {
  if (uses.length === 0) return;
  const fn = target.function;
  const arns = accountKeyArns(fn);
  const allow = (sid: string, actions: string[], resources: string[], conditions: Record<string, unknown>) =>
    target.policy.addStatements(new PolicyStatement({ sid, actions, resources, conditions }));
  const crypto = uses.filter((u) => u === 'encrypt' || u === 'decrypt').map((u) => `kms:${pascal(u)}`);
  if (crypto.length > 0) {
    allow('AccountKeysPhiFields', crypto, [arns.keys], {
      ...ACCOUNT_KEY_BY_ALIAS,
      Null: { [`kms:EncryptionContext:${ACCOUNT_KEYS.contextKey}`]: 'false' },
    });
  }
  const manage = [
    ...(uses.includes('describe') || uses.includes('create') || uses.includes('shred')
      ? ['kms:DescribeKey']
      : []),
    ...(uses.includes('create')
      ? ['kms:CreateAlias', 'kms:EnableKeyRotation', 'kms:ScheduleKeyDeletion']
      : []),
  ];
  if (manage.length > 0) allow('AccountKeysManage', manage, [arns.keys], ACCOUNT_KEY_BY_TAG);
  if (uses.includes('shred') && !uses.includes('create')) {
    allow('AccountKeysShred', ['kms:ScheduleKeyDeletion'], [arns.keys], {
      ...ACCOUNT_KEY_BY_TAG,
      NumericEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': ACCOUNT_KEYS.pendingWindowDays },
    });
  }
  if (uses.includes('create')) {
    allow('AccountKeysCreate', ['kms:CreateKey', 'kms:TagResource'], ['*'], {
      'ForAllValues:StringEquals': { 'aws:TagKeys': [ACCOUNT_KEYS.tagKey] },
      Null: { [`aws:RequestTag/${ACCOUNT_KEYS.tagKey}`]: 'false' },
    });
    allow('AccountKeysAlias', ['kms:CreateAlias'], [arns.aliases], {});
    Validations.of(target.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagName(fn, arns.aliases)}]`,
      reason:
        "Onboarding names each new account's alias, unknown at deploy time: alias/caseline/account/* only.",
    });
  }
  acknowledgeAccountKeys(target);
};

/** A resource as cdk-nag names it in a finding: references become <LogicalId> or <AWS::AccountId>. */
const nagName = (scope: Construct, value: string): string => {
  const resolved = Stack.of(scope).resolve(value) as unknown;
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const ref = (part as { Ref?: string }).Ref;
    if (ref) return `<${ref}>`;
    const join = (part as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(render).join(join[0]);
    return JSON.stringify(part);
  };
  return render(resolved);
};

/** The cdk-nag IAM5 finding for `<bucket ARN>/*`, which is how S3 object permissions are written. */
const objectWildcardFinding = (bucket: IBucket, keys: string): string => {
  const stack = Stack.of(bucket);
  const logicalId = stack.resolve((bucket.node.defaultChild as CfnBucket).logicalId) as string;
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${keys}]`;
};

/**
 * THE helper: gives a function the environment its config reads (every resource name, whatever it
 * may touch) and the access its catalogue entry declares, nothing more. Grants and variables are
 * set together so one cannot drift from the other.
 */
export const bindToResources = (
  target: CaselineFunction,
  access: AccessDefinition,
  resources: CatalogueResources,
): void => {
  const fn = target.function;
  fn.addEnvironment('CASELINE_STAGE', 'aws');
  fn.addEnvironment('POWERTOOLS_SERVICE_NAME', SERVICE_NAME);
  for (const definition of Object.values(TABLES)) {
    fn.addEnvironment(definition.envVar, resources.tables[definition.id].tableName);
  }
  for (const definition of Object.values(BUCKETS)) {
    fn.addEnvironment(definition.envVar, resources.buckets[definition.id].bucketName);
  }
  for (const definition of Object.values(KMS_KEYS)) {
    // The ARN, not the bare id: Encrypt, Sign and GetPublicKey all accept it, and it is unambiguous.
    fn.addEnvironment(definition.envVar, resources.keys[definition.id].keyArn);
  }
  for (const definition of Object.values(STATE_MACHINES)) {
    fn.addEnvironment(definition.envVar, resources.stateMachineArns[definition.id]);
  }
  for (const definition of Object.values(TOPICS)) {
    fn.addEnvironment(definition.envVar, resources.topics[definition.id].topicArn);
  }
  // The principals a partner account's new key admits: this stack's roles (common/key-policy.ts).
  const { partition, account, stackName } = Stack.of(fn);
  fn.addEnvironment(ACCOUNT_KEYS.usersEnvVar, `arn:${partition}:iam::${account}:role/${stackName}-*`);

  const allow = (statement: PolicyStatement) => target.policy.addStatements(statement);

  for (const [id, level] of Object.entries(access.tables ?? {}) as [
    TableId,
    NonNullable<AccessDefinition['tables']>[TableId],
  ][]) {
    if (!level) continue;
    const table = resources.tables[id];
    const grant = typeof level === 'string' ? { actions: TABLE_LEVELS[level] } : level;
    const reads = grant.actions.filter((a) => a === 'GetItem' || a === 'Query');
    const writes = grant.actions.filter((a) => a !== 'GetItem' && a !== 'Query');
    const indexArns = TABLES[id].globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
    // A partition-key condition: the function can only name items of its own key family.
    const conditions = grant.leadingKeys
      ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.leadingKeys] } }
      : undefined;
    const readConditions = grant.readsAnyKey ? undefined : conditions;
    if (reads.length > 0) {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TableRead`,
          actions: reads.map((a) => `dynamodb:${a}`),
          // Indexes only for Query, and only without a key condition (index keys are not the table's).
          resources:
            reads.includes('Query') && !readConditions ? [table.tableArn, ...indexArns] : [table.tableArn],
          ...(readConditions ? { conditions: readConditions } : {}),
        }),
      );
    }
    if (writes.length > 0) {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}Table${level === 'append' ? 'Append' : 'Write'}`,
          actions: writes.map((a) => `dynamodb:${a}`),
          resources: [table.tableArn],
          ...(conditions ? { conditions } : {}),
        }),
      );
    }
    if (table.encryptionKey) {
      // DynamoDB uses the table key as the caller: reading (and the read half of an update or a
      // delete) decrypts, writing encrypts under a data key.
      const keyActions = [
        ...(grant.actions.some((a) => a !== 'PutItem') ? ['kms:Decrypt'] : []),
        ...(writes.length > 0 ? ['kms:Encrypt', 'kms:GenerateDataKey'] : []),
      ];
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TableKey`,
          actions: keyActions,
          resources: [table.encryptionKey.keyArn],
          conditions: viaService(fn, 'dynamodb'),
        }),
      );
    }
  }

  // An append to a sequenced table first takes the next number of its counter: UpdateItem on the
  // counter item alone (dynamodb:LeadingKeys), nothing else of that table (docs/audit.md).
  for (const [id, level] of Object.entries(access.tables ?? {}) as [
    TableId,
    NonNullable<AccessDefinition['tables']>[TableId],
  ][]) {
    const sequence = TABLES[id].sequencedBy;
    const appends = level === 'append' || (typeof level === 'object' && level.actions.includes('PutItem'));
    if (!appends || !sequence) continue;
    const table = resources.tables[sequence];
    allow(
      new PolicyStatement({
        sid: `${pascal(id)}TableSequence`,
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [SEQUENCE_KEY] } },
      }),
    );
    if (table.encryptionKey) {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TableSequenceKey`,
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [table.encryptionKey.keyArn],
          conditions: viaService(fn, 'dynamodb'),
        }),
      );
    }
  }

  // Append-only tables: denied to every function, whatever it is allowed elsewhere.
  const appendOnly = Object.values(TABLES).filter((definition) => definition.appendOnly);
  if (appendOnly.length > 0) {
    target.policy.addStatements(
      new PolicyStatement({
        sid: 'AppendOnlyTables',
        effect: Effect.DENY,
        actions: [...APPEND_ONLY_DENIED],
        resources: appendOnly.map((definition) => resources.tables[definition.id].tableArn),
      }),
    );
  }

  for (const [id, level] of Object.entries(access.buckets ?? {}) as [
    BucketId,
    NonNullable<AccessDefinition['buckets']>[BucketId],
  ][]) {
    if (!level) continue;
    const bucket = resources.buckets[id];
    // Several grants (read one prefix, write another) are one statement each: sids Objects, Objects2…
    const grants: readonly BucketGrant[] =
      typeof level === 'string'
        ? [BUCKET_LEVELS[level]]
        : Array.isArray(level)
          ? level
          : [level as BucketGrant];
    grants.forEach((grant, index) => {
      const definition: BucketDefinition = BUCKETS[id];
      const keys = grant.keys ?? definition.objectKeys?.order ?? '*';
      const suffix = index === 0 ? '' : String(index + 1);
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}Objects${suffix}`,
          actions: [...grant.objects],
          resources: [bucket.arnForObjects(keys)],
        }),
      );
      Validations.of(target.role).acknowledge({
        id: objectWildcardFinding(bucket, keys),
        reason:
          `S3 object permissions are granted on <bucket ARN>/${keys}: object keys hold per-order ids unknown at ` +
          'deploy time. The handler scopes every key to orders/<orderId>/ of an order the caller owns or holds.',
      });
    });
    const objects = grants.flatMap((grant) => grant.objects);
    const list = [...new Set(grants.flatMap((grant) => grant.list ?? []))];
    // The only bucket-level actions. ListBucket turns HeadObject on a missing key into a 404
    // instead of a 403 (the file store's head() depends on it) and lets a delete enumerate an
    // order's prefix; ListBucketVersions lets a purge find every version. Keys hold ids only.
    if (list.length > 0) {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}List`,
          actions: list,
          resources: [bucket.bucketArn],
        }),
      );
    }
    if (bucket.encryptionKey) {
      // SSE-KMS as the caller: a PUT encrypts under a new data key, and a multipart upload (scans
      // are large) also decrypts it for each part; a GET (or HEAD) decrypts.
      const keyActions = [
        ...(objects.some((a) => ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'].includes(a))
          ? ['kms:Decrypt']
          : []),
        ...(objects.includes('s3:PutObject') ? ['kms:GenerateDataKey'] : []),
      ];
      if (keyActions.length > 0) {
        allow(
          new PolicyStatement({
            sid: `${pascal(id)}BucketKey`,
            actions: keyActions,
            resources: [bucket.encryptionKey.keyArn],
            conditions: viaService(fn, 's3'),
          }),
        );
        // A partner account's case files are written under its own key (the upload names it), so
        // S3 uses that key as the caller too: any key aliased as an account's, through S3 only.
        // Other buckets (the audit digests) hold staff data under their own key alone.
        if (id === 'caseFiles') {
          allow(
            new PolicyStatement({
              sid: `${pascal(id)}AccountKeys`,
              actions: keyActions,
              resources: [accountKeyArns(fn).keys],
              conditions: { ...viaService(fn, 's3'), ...ACCOUNT_KEY_BY_ALIAS },
            }),
          );
          acknowledgeAccountKeys(target);
        }
      }
    }
  }

  for (const [id, use] of Object.entries(access.keys ?? {}) as [KeyId, keyof typeof KEY_ACTIONS][]) {
    allow(
      new PolicyStatement({
        sid: `${pascal(id)}Key${pascal(use)}`,
        actions: [...KEY_ACTIONS[use]],
        resources: [resources.keys[id].keyArn],
      }),
    );
  }

  grantAccountKeys(target, access.accountKeys ?? []);

  for (const [id, use] of Object.entries(access.stateMachines ?? {}) as [
    StateMachineId,
    keyof typeof STATE_MACHINE_ACTIONS,
  ][]) {
    const arn =
      use === 'describe'
        ? `${resources.stateMachineArns[id].replace(':stateMachine:', ':execution:')}:*`
        : resources.stateMachineArns[id];
    allow(
      new PolicyStatement({
        sid: `${pascal(id)}${pascal(use)}`,
        actions: [...STATE_MACHINE_ACTIONS[use]],
        resources: [arn],
      }),
    );
    if (use === 'describe') {
      Validations.of(target.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagName(fn, arn)}]`,
        reason:
          'DescribeExecution is authorised on execution ARNs, whose names (one per order) are unknown at deploy ' +
          "time: the wildcard covers this state machine's executions only, and the action only reads their status.",
      });
    }
  }

  for (const [id, use] of Object.entries(access.topics ?? {}) as [TopicId, 'publish'][]) {
    const topic = resources.topics[id];
    allow(
      new PolicyStatement({
        sid: `${pascal(id)}${pascal(use)}`,
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
      }),
    );
    if (topic.masterKey) {
      // SNS encrypts each message with a data key of the topic's key, as the publisher.
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TopicKey`,
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [topic.masterKey.keyArn],
          conditions: viaService(fn, 'sns'),
        }),
      );
    }
  }
};

export interface ComputeProps {
  readonly resources: CatalogueResources;
  /** Encrypts the functions' log groups. */
  readonly logKey: IKey;
  /** @default FUNCTIONS */
  readonly catalogue?: readonly FunctionDefinition[];
}

export class Compute extends Construct {
  /** By catalogue id (createOrder, ingest…). */
  public readonly functions: Readonly<Record<string, CaselineFunction>>;
  private readonly catalogue: readonly FunctionDefinition[];
  /** The subset that workflow Task states invoke (`task: true`), by catalogue id. */
  public readonly taskFunctions: Readonly<Record<string, CaselineFunction>>;

  constructor(scope: Construct, id: string, props: ComputeProps) {
    super(scope, id);
    const catalogue = props.catalogue ?? FUNCTIONS;
    this.functions = Object.freeze(
      Object.fromEntries(
        catalogue.map((definition) => {
          const target = new CaselineFunction(this, definition.id, {
            entry: definition.entry,
            description: definition.description,
            logKey: props.logKey,
            timeout: Duration.seconds(definition.timeoutSeconds ?? 10),
            memorySize: definition.memoryMb ?? 512,
          });
          bindToResources(target, definition.access, props.resources);
          return [definition.id, target];
        }),
      ),
    );
    this.catalogue = catalogue;
    this.taskFunctions = Object.freeze(
      Object.fromEntries(
        catalogue.flatMap((definition) => {
          const target = this.functions[definition.id];
          return definition.task && target ? [[definition.id, target] as const] : [];
        }),
      ),
    );
  }

  /**
   * The user pool is made by the API construct, after the functions (its routes need them): every
   * function learns its id (config reads it at cold start), and those whose entry names
   * `userPool` actions get exactly those, on that pool only.
   */
  bindUserPool(userPool: IUserPool): void {
    for (const definition of this.catalogue) {
      const target = this.functions[definition.id];
      if (!target) continue;
      target.function.addEnvironment(USER_POOL.envVar, userPool.userPoolId);
      if (definition.access.userPool?.length)
        target.policy.addStatements(
          new PolicyStatement({
            actions: [...definition.access.userPool],
            resources: [userPool.userPoolArn],
          }),
        );
    }
  }
}
