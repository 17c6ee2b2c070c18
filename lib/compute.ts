/**
 * The Lambda functions of the catalogue (lib/functions.ts): one function per entry, each with the
 * environment every handler's config reads and exactly the access its entry declares.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  BUCKETS,
  type BucketId,
  type KeyId,
  KMS_KEYS,
  STATE_MACHINES,
  type StateMachineId,
  TABLES,
  type TableId,
  TOPICS,
  type TopicId,
} from './definitions';
import { type AccessDefinition, FUNCTIONS, type FunctionDefinition } from './functions';
import { CaselineFunction } from './lambda-function';

/** Everything a catalogue entry may name, by its id in lib/definitions.ts. */
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

const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query'];
const TABLE_WRITE = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];
/** The audit log: a conditional PutItem that cannot overwrite, and nothing else. */
const TABLE_APPEND = ['dynamodb:PutItem'];

const OBJECT_READ = ['s3:GetObject'];
const OBJECT_PUT = ['s3:PutObject', 's3:AbortMultipartUpload'];
const OBJECT_DELETE = ['s3:DeleteObject', 's3:DeleteObjectVersion'];

const KEY_ACTIONS = {
  encrypt: ['kms:Encrypt', 'kms:GenerateDataKey'],
  decrypt: ['kms:Decrypt'],
  encryptDecrypt: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
  // GetPublicKey lets the signer embed the verifying key in what it signs.
  sign: ['kms:Sign', 'kms:GetPublicKey'],
} as const;

const STATE_MACHINE_ACTIONS = {
  start: ['states:StartExecution'],
  taskResponse: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
} as const;

const pascal = (id: string) => `${id.charAt(0).toUpperCase()}${id.slice(1)}`;

/** The key of a service-side encryption, usable only through that service (DynamoDB, S3 or SNS). */
const viaService = (scope: Construct, service: 'dynamodb' | 's3' | 'sns') => ({
  StringEquals: { 'kms:ViaService': `${service}.${Stack.of(scope).region}.amazonaws.com` },
});

/** The cdk-nag IAM5 finding for `<bucket ARN>/*`, which is how S3 object permissions are written. */
const objectWildcardFinding = (bucket: IBucket): string => {
  const stack = Stack.of(bucket);
  const logicalId = stack.resolve((bucket.node.defaultChild as CfnBucket).logicalId) as string;
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`;
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

  const allow = (statement: PolicyStatement) => target.policy.addStatements(statement);

  for (const [id, level] of Object.entries(access.tables ?? {}) as [
    TableId,
    'read' | 'readWrite' | 'append',
  ][]) {
    const table = resources.tables[id];
    const indexArns = TABLES[id].globalIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
    if (level === 'append') {
      // Not grantWriteData: that would add UpdateItem, DeleteItem and BatchWriteItem to the audit log.
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TableAppend`,
          actions: TABLE_APPEND,
          resources: [table.tableArn],
        }),
      );
    } else {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}TableRead`,
          actions: TABLE_READ,
          resources: [table.tableArn, ...indexArns],
        }),
      );
      if (level === 'readWrite') {
        allow(
          new PolicyStatement({
            sid: `${pascal(id)}TableWrite`,
            actions: TABLE_WRITE,
            resources: [table.tableArn],
          }),
        );
      }
    }
    if (table.encryptionKey) {
      const keyActions =
        level === 'read'
          ? ['kms:Decrypt']
          : level === 'append'
            ? ['kms:Encrypt', 'kms:GenerateDataKey']
            : ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];
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

  for (const [id, level] of Object.entries(access.buckets ?? {}) as [
    BucketId,
    'read' | 'readWrite' | 'put' | 'delete',
  ][]) {
    const bucket = resources.buckets[id];
    const objects = bucket.arnForObjects('*');
    const actions = {
      read: OBJECT_READ,
      readWrite: [...OBJECT_READ, ...OBJECT_PUT],
      put: OBJECT_PUT,
      delete: OBJECT_DELETE,
    }[level];
    allow(new PolicyStatement({ sid: `${pascal(id)}Objects`, actions, resources: [objects] }));
    // The only bucket-level actions. ListBucket turns HeadObject on a missing key into a 404
    // instead of a 403 (the file store's head() depends on it) and lets a delete enumerate an
    // order's prefix; ListBucketVersions lets a purge find every version. Keys hold ids only.
    const bucketActions = {
      read: ['s3:ListBucket'],
      readWrite: ['s3:ListBucket'],
      put: [],
      delete: ['s3:ListBucket', 's3:ListBucketVersions'],
    }[level];
    if (bucketActions.length > 0) {
      allow(
        new PolicyStatement({
          sid: `${pascal(id)}List`,
          actions: bucketActions,
          resources: [bucket.bucketArn],
        }),
      );
    }
    if (bucket.encryptionKey) {
      // Multipart uploads (scans are large) need Decrypt as well as GenerateDataKey.
      const keyActions =
        level === 'read' ? ['kms:Decrypt'] : level === 'delete' ? [] : ['kms:Decrypt', 'kms:GenerateDataKey'];
      if (keyActions.length > 0) {
        allow(
          new PolicyStatement({
            sid: `${pascal(id)}BucketKey`,
            actions: keyActions,
            resources: [bucket.encryptionKey.keyArn],
            conditions: viaService(fn, 's3'),
          }),
        );
      }
    }
    Validations.of(target.policy).acknowledge({
      id: objectWildcardFinding(bucket),
      reason:
        'S3 object permissions are granted on <bucket ARN>/*: object keys are per order and unknown at deploy ' +
        'time. The handler scopes every key to accounts/<accountId>/orders/<orderId>/ of the caller.',
    });
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

  for (const [id, use] of Object.entries(access.stateMachines ?? {}) as [
    StateMachineId,
    keyof typeof STATE_MACHINE_ACTIONS,
  ][]) {
    allow(
      new PolicyStatement({
        sid: `${pascal(id)}${pascal(use)}`,
        actions: [...STATE_MACHINE_ACTIONS[use]],
        resources: [resources.stateMachineArns[id]],
      }),
    );
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
    this.taskFunctions = Object.freeze(
      Object.fromEntries(
        catalogue.flatMap((definition) => {
          const target = this.functions[definition.id];
          return definition.task && target ? [[definition.id, target] as const] : [];
        }),
      ),
    );
  }
}
