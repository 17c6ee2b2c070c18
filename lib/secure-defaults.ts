/**
 * Secure defaults for every bucket, table, log group, topic and function in the app, in one place
 * (after AWS Solutions Constructs' `*-defaults.ts`): a construct asks for these props and adds
 * only what is specific to it, so a guarantee cannot be forgotten on the next bucket or table.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, TableEncryption, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type LogGroupProps, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  BucketEncryption,
  type BucketProps,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { TopicProps } from 'aws-cdk-lib/aws-sns';
import { BACKUP_WINDOWS, type KeyAttribute } from '../common/definitions';
import { ALIAS_ARGS, BUNDLE_OPTIONS, BUNDLE_TARGET } from './bundling';
import { PROJECT_ROOT, projectPath } from './project-paths';

/**
 * Days a replaced or deleted object version survives before S3 expires it. The deletion
 * certificate states that no copy outlives purge time plus this many days; the number lives in
 * definitions.ts so the purge Lambda reads it without importing the CDK.
 */
export const NONCURRENT_VERSION_RETENTION_DAYS = BACKUP_WINDOWS.noncurrentVersionDays;

/** Scans are tens to hundreds of MB and uploaded in parts; abandoned parts are billed until aborted. */
export const INCOMPLETE_UPLOAD_ABORT_DAYS = 1;

/** Seed 000: daily backups kept 14 days. Also the PITR window, so no backup of a record outlives it. */
export const BACKUP_RETENTION_DAYS = BACKUP_WINDOWS.pointInTimeRecoveryDays;

/**
 * Operational logs carry ids and error names only (never PHI), so a year covers incident
 * investigation without turning them into a second record of processing.
 */
export const LOG_RETENTION = RetentionDays.ONE_YEAR;

/** S3 server access logs: who fetched which object key, kept as long as operational logs. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/** The runtime cdk-nag AwsSolutions-L1 expects (the newest Node.js that aws-cdk-lib knows). */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/**
 * What no role may do to an append-only table (TableDefinition.appendOnly). An explicit Deny wins
 * over any Allow, so a grant added by mistake later cannot open it. PutItem itself stays allowed:
 * IAM cannot require the attribute_not_exists condition the audit adapter sets (docs/infrastructure.md).
 */
export const APPEND_ONLY_DENIED = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;

/**
 * Bucket-policy statements that keep every object of a PHI bucket under its own key: a PUT (or a
 * multipart upload's start) that asks for another algorithm (SSE-S3), another KMS key, or a
 * customer-provided key (SSE-C) is denied to every principal. A PUT that names no encryption gets
 * the bucket's default, SSE-KMS with this same key, so no object is ever stored otherwise; the
 * policy does not deny a missing header, because S3 authorizes each part of a multipart upload
 * as a PutObject that carries no encryption header (the upload's encryption is set at its start).
 * `aws:kms` without a key id (S3 reads it as the AWS managed aws/s3 key) is denied too. The local
 * S3 stand-in enforces the same rule (local/s3/server.ts, encryptionRequest).
 *
 * Partner accounts' objects are written under their own keys (common/definitions.ts ACCOUNT_KEYS),
 * created at run time: the upload names the key's ARN (a bare id, so a designer's URL does not
 * name the account). A bucket policy cannot see a key's alias, so it admits a key ARN of this
 * account and region besides the bucket key, and refuses any other (another account's key,
 * aws/s3, an alias). Which of this account's keys S3 may then use is KMS's decision: S3 calls it
 * as the uploader, whose role may use through S3 only the bucket key and keys aliased
 * alias/caseline/account/* (lib/compute.ts), and each account key's policy admits only this
 * stack's roles for this bucket's encryption context (common/key-policy.ts).
 */
export const requireKeyOnPut = (bucket: IBucket, encryptionKey: IKey): PolicyStatement[] => {
  const objects = bucket.arnForObjects('*');
  const statements = [
    new PolicyStatement({
      sid: 'DenyOtherEncryption',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      },
    }),
    new PolicyStatement({
      sid: 'DenyOtherKmsKey',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: {
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        StringNotLike: {
          's3:x-amz-server-side-encryption-aws-kms-key-id': [
            encryptionKey.keyArn,
            `arn:${Stack.of(bucket).partition}:kms:${Stack.of(bucket).region}:${Stack.of(bucket).account}:key/*`,
          ],
        },
      },
    }),
    new PolicyStatement({
      // `aws:kms` without a key id would encrypt under the AWS managed aws/s3 key.
      sid: 'DenyAwsManagedKey',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      },
    }),
    new PolicyStatement({
      sid: 'DenyCustomerProvidedKeys',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [objects],
      conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    }),
  ];
  for (const statement of statements) bucket.addToResourcePolicy(statement);
  return statements;
};

export interface SecureBucketOptions {
  /** Customer-managed key for SSE-KMS. */
  readonly encryptionKey: IKey;
  /** Where S3 writes server access logs for this bucket. */
  readonly serverAccessLogsBucket: IBucket;
  readonly serverAccessLogsPrefix: string;
}

const lifecycleBaseline = {
  abortIncompleteMultipartUploadAfter: Duration.days(INCOMPLETE_UPLOAD_ABORT_DAYS),
  noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_RETENTION_DAYS),
};

const bucketBaseline = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  // Refuses TLS 1.0/1.1 in the bucket policy, beyond the HTTPS-only rule.
  minimumTLSVersion: 1.2,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
  removalPolicy: RemovalPolicy.RETAIN,
} satisfies BucketProps;

/**
 * A bucket for PHI: SSE-KMS with a bucket key (one KMS call per bucket-key period instead of per
 * object), versioned, access-logged. The lifecycle never expires current objects: deleting a
 * case is an explicit, audited purge, not a timer.
 */
export const secureBucketProps = (options: SecureBucketOptions): BucketProps => ({
  ...bucketBaseline,
  encryption: BucketEncryption.KMS,
  encryptionKey: options.encryptionKey,
  bucketKeyEnabled: true,
  serverAccessLogsBucket: options.serverAccessLogsBucket,
  serverAccessLogsPrefix: options.serverAccessLogsPrefix,
  lifecycleRules: [
    { id: 'noncurrent-and-abandoned-uploads', ...lifecycleBaseline },
    // A delete marker left with no versions behind it goes too: the safety net behind a purge.
    { id: 'orphaned-delete-markers', expiredObjectDeleteMarker: true },
  ],
});

/**
 * The target of S3 server access logs. S3 log delivery cannot write to a bucket whose default
 * encryption is SSE-KMS, so this one is SSE-S3 (AES-256); its logs expire, unlike case files.
 */
export const accessLogBucketProps = (): BucketProps => ({
  ...bucketBaseline,
  encryption: BucketEncryption.S3_MANAGED,
  lifecycleRules: [
    { id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS), ...lifecycleBaseline },
  ],
});

const attributeType = (key: KeyAttribute): AttributeType =>
  key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER;

export const tableKey = (key: KeyAttribute) => ({ name: key.name, type: attributeType(key) });

/**
 * On-demand, CMK-encrypted, PITR over the backup window, protected from deletion and retained
 * when the stack goes: tables hold the audit trail a BAA partner may ask for years later.
 */
export const secureTableProps = (encryptionKey: IKey): Omit<TableProps, 'partitionKey'> => ({
  billingMode: BillingMode.PAY_PER_REQUEST,
  encryption: TableEncryption.CUSTOMER_MANAGED,
  encryptionKey,
  pointInTimeRecoverySpecification: {
    pointInTimeRecoveryEnabled: true,
    recoveryPeriodInDays: BACKUP_RETENTION_DAYS,
  },
  deletionProtection: true,
  removalPolicy: RemovalPolicy.RETAIN,
});

export const secureLogGroupProps = (encryptionKey: IKey): LogGroupProps => ({
  encryptionKey,
  retention: LOG_RETENTION,
  removalPolicy: RemovalPolicy.RETAIN,
});

export const secureTopicProps = (masterKey: IKey): TopicProps => ({
  masterKey,
  enforceSSL: true,
});

/**
 * Lambda defaults. The AWS SDK v3 is bundled rather than taken from the runtime: package.json pins
 * exact SDK versions, so what we test is what runs (the runtime's copy changes under us), and
 * esbuild tree-shakes the modular clients down to the commands we call, which loads faster than
 * the runtime's full copy.
 */
export const secureFunctionProps = (): NodejsFunctionProps => ({
  runtime: FUNCTION_RUNTIME,
  architecture: Architecture.ARM_64,
  memorySize: 512,
  timeout: Duration.seconds(10),
  tracing: Tracing.ACTIVE,
  loggingFormat: LoggingFormat.JSON,
  applicationLogLevelV2: ApplicationLogLevel.INFO,
  systemLogLevelV2: SystemLogLevel.WARN,
  projectRoot: PROJECT_ROOT,
  depsLockFilePath: projectPath('package-lock.json'),
  // The same options `npm run check:bundles` and the bench build with (lib/bundling.ts).
  bundling: {
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    mainFields: [...BUNDLE_OPTIONS.mainFields],
    banner: BUNDLE_OPTIONS.banner,
    minify: BUNDLE_OPTIONS.minify,
    keepNames: BUNDLE_OPTIONS.keepNames,
    // No source map in the asset (lib/bundling.ts says why).
    sourceMap: BUNDLE_OPTIONS.sourceMap,
    bundleAwsSDK: true,
    // The SDK's default credential chain is replaced (lib/bundling.ts says why).
    esbuildArgs: { ...ALIAS_ARGS },
    tsconfig: projectPath('tsconfig.json'),
  },
});
