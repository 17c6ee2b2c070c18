/**
 * What each adapter (lambdas/adapters/) asks AWS to do: per method, the SDK commands it sends, on
 * which resource, and the IAM actions each needs. Plain data, no CDK imports.
 *
 * The catalogue (lib/functions.ts) says which adapter methods each function uses (`uses`);
 * test/infra/least-privilege.test.ts derives from that the actions the function needs and
 * compares them with the policy its role really has, and checks that every SDK command an
 * adapter's source sends is declared here. Each handler wires only the adapters its entry
 * names (test/unit/wiring.test.ts), so a function cannot call what it was not granted.
 */
import type { BucketId, KeyId, StateMachineId, TableId, TopicId } from '../common/definitions';

/**
 * A resource as the policy sees it. `objects:` is the objects of a bucket (<bucket ARN>/<key>),
 * `bucket:` the bucket itself (listing).
 */
export type ResourceRef =
  | `table:${TableId}`
  | `objects:${BucketId}`
  | `bucket:${BucketId}`
  | `key:${KeyId}`
  | `stateMachine:${StateMachineId}`
  | `execution:${StateMachineId}`
  | `topic:${TopicId}`
  // The partner accounts' keys, created at run time: `accountKeys:use` for cryptography (keys whose
  // alias is alias/caseline/account/*, the kms:ResourceAliases condition), `accountKeys:tagged` for
  // managing them (keys tagged caseline:account, set at creation, before any alias exists),
  // `accountKeys:alias` the aliases themselves, `accountKeys:new` CreateKey (no resource yet).
  | 'accountKeys:use'
  | 'accountKeys:tagged'
  | 'accountKeys:alias'
  | 'accountKeys:new'
  /** The Cognito user pool (lib/api.ts). */
  | 'userPool';

export interface SdkCall {
  /** The SDK command class, as the adapter's source names it (`new GetCommand(`). */
  readonly command: string;
  readonly on: ResourceRef;
  readonly actions: readonly string[];
}

export interface AdapterDefinition {
  /** Source file, relative to the project root. */
  readonly file: string;
  /** The port it implements (lambdas/domain/ports.ts, designers.ts, certificate.ts, purge.ts) and the deps key it fills. */
  readonly port: string;
  readonly methods: Readonly<Record<string, readonly SdkCall[]>>;
}

const ddb = (command: 'Get' | 'Put' | 'Update' | 'Delete' | 'Query', table: TableId): SdkCall => ({
  command: `${command}Command`,
  on: `table:${table}`,
  actions: [`dynamodb:${command === 'Query' ? 'Query' : `${command}Item`}`],
});

const s3 = (command: string, on: ResourceRef, ...actions: string[]): SdkCall => ({
  command: `${command}Command`,
  on,
  actions,
});

// S3 checks multipart commands (Create, UploadPart, Complete) against s3:PutObject.
const PUT = s3('PutObject', 'objects:caseFiles', 's3:PutObject');
// HeadObject needs GetObject; ListBucket makes a missing key a 404 rather than a 403, which
// FileStore.head() relies on to tell "not uploaded yet" from "forbidden".
const HEAD = [
  s3('HeadObject', 'objects:caseFiles', 's3:GetObject'),
  s3('HeadObject', 'bucket:caseFiles', 's3:ListBucket'),
];

const cognito = (operation: string): SdkCall => ({
  command: `${operation}Command`,
  on: 'userPool',
  actions: [`cognito-idp:${operation}`],
});

export const ADAPTERS = {
  orders: {
    file: 'lambdas/adapters/dynamo-order-repository.ts',
    port: 'orders',
    methods: {
      create: [ddb('Put', 'orders')],
      get: [ddb('Get', 'orders')],
      transition: [ddb('Update', 'orders')],
      queuePage: [ddb('Query', 'orders')],
      assignedTo: [ddb('Query', 'orders')],
      pendingBefore: [ddb('Query', 'orders')],
      dueBefore: [ddb('Query', 'orders')],
      watchedBefore: [ddb('Query', 'orders')],
      listByAccount: [ddb('Query', 'orders')],
      reserveCaseRef: [ddb('Put', 'orders'), ddb('Get', 'orders')],
      releaseCaseRef: [ddb('Delete', 'orders')],
      addFile: [ddb('Put', 'orders')],
      updateFile: [ddb('Update', 'orders')],
      files: [ddb('Query', 'orders')],
      deleteFile: [ddb('Delete', 'orders')],
      findOpenFileBySha: [ddb('Query', 'orders')],
      forgetFileShas: [ddb('Query', 'orders'), ddb('Update', 'orders')],
      addTimeline: [ddb('Put', 'orders')],
      timeline: [ddb('Query', 'orders')],
    },
  },
  audit: {
    file: 'lambdas/adapters/dynamo-audit-log.ts',
    port: 'audit',
    // The next write-order number (the counter item only), then a PutItem conditioned on
    // attribute_not_exists(pk): see AUDIT_WRITE_DENY in lib/compute.ts.
    // countFailure: `ADD failed 1` on the same counter item, best-effort, when an append failed.
    methods: {
      append: [ddb('Update', 'auditSequence'), ddb('Put', 'audit')],
      countFailure: [ddb('Update', 'auditSequence')],
    },
  },
  detector: {
    file: 'lambdas/adapters/dynamo-detector-store.ts',
    // The breach detector's position, lease and per-actor windows (audit sequence table), and the
    // counter item's count of failed appends.
    port: 'detector',
    methods: {
      takeLease: [ddb('Update', 'auditSequence')],
      position: [ddb('Get', 'auditSequence')],
      commit: [ddb('Update', 'auditSequence')],
      failedAppends: [ddb('Get', 'auditSequence')],
      window: [ddb('Get', 'auditSequence')],
      saveWindow: [ddb('Put', 'auditSequence')],
    },
  },
  ledger: {
    file: 'lambdas/adapters/dynamo-audit-ledger.ts',
    // Fills the sealer's ledger and the auditor's trail: reads of the audit table, the sealer's item.
    port: 'ledger',
    methods: {
      counter: [ddb('Get', 'auditSequence')],
      state: [ddb('Get', 'auditSequence')],
      takeLease: [ddb('Update', 'auditSequence')],
      inSequence: [ddb('Query', 'audit')],
      atSequence: [ddb('Query', 'audit')],
      commit: [ddb('Update', 'auditSequence')],
      page: [ddb('Query', 'audit')],
    },
  },
  digests: {
    file: 'lambdas/adapters/s3-digest-store.ts',
    port: 'digests',
    methods: {
      put: [s3('PutObject', 'objects:auditDigests', 's3:PutObject')],
      list: [s3('ListObjectsV2', 'bucket:auditDigests', 's3:ListBucket')],
      get: [s3('GetObject', 'objects:auditDigests', 's3:GetObject')],
    },
  },
  auditSigner: {
    // The certificate signer's code with the audit-signing key (lambdas/runtime/wiring/audit-signer.ts).
    file: 'lambdas/adapters/kms-certificate-signer.ts',
    port: 'auditSigner',
    methods: {
      sign: [{ command: 'SignCommand', on: 'key:auditSigning', actions: ['kms:Sign'] }],
      publicKeyDer: [
        { command: 'GetPublicKeyCommand', on: 'key:auditSigning', actions: ['kms:GetPublicKey'] },
      ],
    },
  },
  designers: {
    file: 'lambdas/adapters/dynamo-designer-registry.ts',
    port: 'designers',
    methods: {
      get: [ddb('Get', 'designers')],
      list: [ddb('Get', 'designers')],
      create: [ddb('Update', 'designers'), ddb('Put', 'designers')],
      update: [ddb('Update', 'designers')],
      acquireSlot: [ddb('Update', 'designers')],
      releaseSlot: [ddb('Update', 'designers')],
    },
  },
  accounts: {
    file: 'lambdas/adapters/dynamo-account-registry.ts',
    // Fills two ports: the account policies the workflow reads and the account registry.
    port: 'policies, accounts',
    // Its own table: the account record (sk = ACCOUNT) and the account's users (sk = USER#<name>).
    methods: {
      get: [ddb('Get', 'accounts')],
      policyFor: [ddb('Get', 'accounts')],
      stateOf: [ddb('Get', 'accounts')],
      create: [ddb('Put', 'accounts')],
      replace: [ddb('Put', 'accounts')],
      list: [ddb('Query', 'accounts')],
      // On a refused condition it reads the state back.
      startTermination: [ddb('Update', 'accounts'), ddb('Get', 'accounts')],
      finishTermination: [ddb('Update', 'accounts')],
      terminating: [ddb('Query', 'accounts')],
      addUser: [ddb('Put', 'accounts')],
      users: [ddb('Query', 'accounts')],
      removeUser: [ddb('Delete', 'accounts')],
    },
  },
  identity: {
    file: 'lambdas/adapters/cognito-identity-provider.ts',
    port: 'identity',
    methods: {
      invite: [cognito('AdminCreateUser'), cognito('AdminAddUserToGroup')],
      signOut: [cognito('AdminUserGlobalSignOut')],
      remove: [cognito('AdminDeleteUser')],
    },
  },
  purgeStore: {
    file: 'lambdas/adapters/dynamo-purge-store.ts',
    port: 'purgeStore',
    methods: {
      saveManifest: [ddb('Put', 'orders'), ddb('Get', 'orders')],
      anonymise: [
        ddb('Query', 'orders'),
        ddb('Update', 'orders'),
        ddb('Get', 'orders'),
        ddb('Delete', 'orders'),
      ],
      saveCertificate: [ddb('Put', 'orders')],
      orderCertificate: [ddb('Get', 'orders')],
      accountCertificate: [ddb('Get', 'orders')],
    },
  },
  phi: {
    file: 'lambdas/adapters/kms-phi-cipher.ts',
    port: 'phi',
    methods: {
      // Under the account's key (by its alias), never the shared key any more.
      encrypt: [{ command: 'EncryptCommand', on: 'accountKeys:use', actions: ['kms:Encrypt'] }],
      // The key the ciphertext names: the account's, or the shared case-data key for fields
      // written before accounts had keys.
      decrypt: [
        { command: 'DecryptCommand', on: 'accountKeys:use', actions: ['kms:Decrypt'] },
        { command: 'DecryptCommand', on: 'key:caseData', actions: ['kms:Decrypt'] },
      ],
    },
  },
  accountKeys: {
    file: 'lambdas/adapters/kms-account-keys.ts',
    port: 'accountKeys',
    methods: {
      ensureKey: [
        { command: 'DescribeKeyCommand', on: 'accountKeys:tagged', actions: ['kms:DescribeKey'] },
        // Tags in CreateKey need kms:TagResource too.
        { command: 'CreateKeyCommand', on: 'accountKeys:new', actions: ['kms:CreateKey', 'kms:TagResource'] },
        // CreateAlias is authorised on the alias and on the key it names.
        { command: 'CreateAliasCommand', on: 'accountKeys:alias', actions: ['kms:CreateAlias'] },
        { command: 'CreateAliasCommand', on: 'accountKeys:tagged', actions: ['kms:CreateAlias'] },
        { command: 'EnableKeyRotationCommand', on: 'accountKeys:tagged', actions: ['kms:EnableKeyRotation'] },
        // A key that lost the race for the alias (concurrent onboarding) is scheduled for deletion.
        {
          command: 'ScheduleKeyDeletionCommand',
          on: 'accountKeys:tagged',
          actions: ['kms:ScheduleKeyDeletion'],
        },
      ],
      keyOf: [{ command: 'DescribeKeyCommand', on: 'accountKeys:tagged', actions: ['kms:DescribeKey'] }],
      scheduleDeletion: [
        { command: 'DescribeKeyCommand', on: 'accountKeys:tagged', actions: ['kms:DescribeKey'] },
        {
          command: 'ScheduleKeyDeletionCommand',
          on: 'accountKeys:tagged',
          actions: ['kms:ScheduleKeyDeletion'],
        },
      ],
    },
  },
  hasher: {
    file: 'lambdas/adapters/kms-keyed-hasher.ts',
    port: 'hasher',
    methods: {
      mac: [{ command: 'GenerateMacCommand', on: 'key:caseRefMac', actions: ['kms:GenerateMac'] }],
    },
  },
  signer: {
    file: 'lambdas/adapters/kms-certificate-signer.ts',
    port: 'signer',
    methods: {
      // signCertificate embeds the public key's fingerprint, so signing also reads the public key.
      sign: [{ command: 'SignCommand', on: 'key:certificateSigning', actions: ['kms:Sign'] }],
      publicKeyDer: [
        { command: 'GetPublicKeyCommand', on: 'key:certificateSigning', actions: ['kms:GetPublicKey'] },
      ],
    },
  },
  files: {
    file: 'lambdas/adapters/s3-file-store.ts',
    port: 'files',
    methods: {
      presignPut: [PUT],
      startMultipart: [s3('CreateMultipartUpload', 'objects:caseFiles', 's3:PutObject')],
      presignPart: [s3('UploadPart', 'objects:caseFiles', 's3:PutObject')],
      completeMultipart: [s3('CompleteMultipartUpload', 'objects:caseFiles', 's3:PutObject')],
      abortMultipart: [s3('AbortMultipartUpload', 'objects:caseFiles', 's3:AbortMultipartUpload')],
      head: HEAD,
      // A GET naming a versionId (the version a check read) is authorised as s3:GetObjectVersion;
      // one without, as s3:GetObject (files checked before versions were recorded).
      read: [s3('GetObject', 'objects:caseFiles', 's3:GetObject', 's3:GetObjectVersion')],
      presignGet: [s3('GetObject', 'objects:caseFiles', 's3:GetObject', 's3:GetObjectVersion')],
      deletePrefix: [
        s3('ListObjectsV2', 'bucket:caseFiles', 's3:ListBucket'),
        s3('DeleteObjects', 'objects:caseFiles', 's3:DeleteObject'),
      ],
    },
  },
  purger: {
    file: 'lambdas/adapters/s3-purger.ts',
    port: 'purger',
    methods: {
      // Both list every version and delete marker under the prefix (the bucket is versioned).
      purgePrefix: [
        s3('ListObjectVersions', 'bucket:caseFiles', 's3:ListBucketVersions'),
        // Each version by id (DeleteObjectVersion); an unversioned object by key (DeleteObject).
        s3('DeleteObjects', 'objects:caseFiles', 's3:DeleteObject', 's3:DeleteObjectVersion'),
      ],
      remaining: [s3('ListObjectVersions', 'bucket:caseFiles', 's3:ListBucketVersions')],
    },
  },
  workflow: {
    file: 'lambdas/adapters/sfn-workflow.ts',
    port: 'workflow',
    methods: {
      start: [
        {
          command: 'StartExecutionCommand',
          on: 'stateMachine:orderWorkflow',
          actions: ['states:StartExecution'],
        },
      ],
      completeTask: [
        {
          command: 'SendTaskSuccessCommand',
          on: 'stateMachine:orderWorkflow',
          actions: ['states:SendTaskSuccess'],
        },
      ],
      executionStatus: [
        {
          command: 'DescribeExecutionCommand',
          on: 'execution:orderWorkflow',
          actions: ['states:DescribeExecution'],
        },
      ],
    },
  },
  exports: {
    file: 'lambdas/adapters/dynamo-export-store.ts',
    port: 'exports',
    // Items keyed ACCOUNT#<accountId> / EXPORT#… in the orders table.
    methods: {
      // Takes the account's open slot (reading it and its holder when taken), writes the record.
      create: [ddb('Put', 'orders'), ddb('Get', 'orders'), ddb('Delete', 'orders')],
      get: [ddb('Get', 'orders')],
      // The account's records of one kind, newest first: a Query on its partition.
      list: [ddb('Query', 'orders')],
      finish: [ddb('Update', 'orders'), ddb('Delete', 'orders')],
    },
  },
  archive: {
    file: 'lambdas/adapters/s3-export-archive.ts',
    port: 'archive',
    methods: {
      // A multipart upload under exports/ (S3 checks each step against s3:PutObject).
      write: [
        s3('CreateMultipartUpload', 'objects:caseFiles', 's3:PutObject'),
        s3('UploadPart', 'objects:caseFiles', 's3:PutObject'),
        s3('CompleteMultipartUpload', 'objects:caseFiles', 's3:PutObject'),
        s3('AbortMultipartUpload', 'objects:caseFiles', 's3:AbortMultipartUpload'),
      ],
    },
  },
  exportWorkflow: {
    file: 'lambdas/adapters/sfn-export-workflow.ts',
    port: 'exportWorkflow',
    methods: {
      start: [
        {
          command: 'StartExecutionCommand',
          on: 'stateMachine:accountExport',
          actions: ['states:StartExecution'],
        },
      ],
    },
  },
  auditExportWorkflow: {
    // The export workflow's code with the audit-export state machine (wiring/export-workflow.ts).
    file: 'lambdas/adapters/sfn-export-workflow.ts',
    port: 'auditExportWorkflow',
    methods: {
      start: [
        {
          command: 'StartExecutionCommand',
          on: 'stateMachine:auditExport',
          actions: ['states:StartExecution'],
        },
      ],
    },
  },
  incidents: {
    file: 'lambdas/adapters/dynamo-incident-store.ts',
    port: 'incidents',
    methods: {
      // A signal's idempotency key: a conditional put, read back when it exists.
      recordSignal: [ddb('Put', 'incidents'), ddb('Get', 'incidents')],
      assignSignal: [ddb('Update', 'incidents')],
      takeJoinKey: [ddb('Put', 'incidents'), ddb('Get', 'incidents')],
      releaseJoinKey: [ddb('Delete', 'incidents')],
      create: [ddb('Put', 'incidents')],
      get: [ddb('Get', 'incidents')],
      update: [ddb('Update', 'incidents')],
      addSignal: [ddb('Put', 'incidents')],
      signals: [ddb('Query', 'incidents')],
      addTimeline: [ddb('Put', 'incidents')],
      timeline: [ddb('Query', 'incidents')],
      list: [ddb('Query', 'incidents')],
      createNotice: [ddb('Put', 'incidents')],
      notice: [ddb('Get', 'incidents')],
      notices: [ddb('Query', 'incidents')],
      updateNotice: [ddb('Update', 'incidents')],
      noticesByAccount: [ddb('Query', 'incidents')],
      noticeOfAccount: [ddb('Query', 'incidents'), ddb('Get', 'incidents')],
      noticesDue: [ddb('Query', 'incidents')],
    },
  },
  incidentWorkflow: {
    file: 'lambdas/adapters/sfn-incident-workflow.ts',
    port: 'incidentWorkflow',
    methods: {
      start: [
        {
          command: 'StartExecutionCommand',
          on: 'stateMachine:incidentWorkflow',
          actions: ['states:StartExecution'],
        },
      ],
      rescope: [
        {
          command: 'StartExecutionCommand',
          on: 'stateMachine:incidentWorkflow',
          actions: ['states:StartExecution'],
        },
      ],
      completeTask: [
        {
          command: 'SendTaskSuccessCommand',
          on: 'stateMachine:incidentWorkflow',
          actions: ['states:SendTaskSuccess'],
        },
      ],
    },
  },
  notifier: {
    file: 'lambdas/adapters/sns-notifier.ts',
    port: 'notifier',
    methods: {
      notify: [{ command: 'PublishCommand', on: 'topic:notifications', actions: ['sns:Publish'] }],
      operatorAlert: [{ command: 'PublishCommand', on: 'topic:operatorAlerts', actions: ['sns:Publish'] }],
    },
  },
} as const satisfies Readonly<Record<string, AdapterDefinition>>;

export type AdapterId = keyof typeof ADAPTERS;
export type MethodOf<A extends AdapterId> = keyof (typeof ADAPTERS)[A]['methods'] & string;

/** Which methods of which adapters a function calls: what its wiring needs and its grants allow. */
export type AdapterUses = { readonly [A in AdapterId]?: readonly MethodOf<A>[] };

/** Every method of the order repository that only reads. */
export const ORDER_READS = [
  'get',
  'queuePage',
  'assignedTo',
  'pendingBefore',
  'dueBefore',
  'listByAccount',
  'files',
  'findOpenFileBySha',
  'timeline',
] as const satisfies readonly MethodOf<'orders'>[];

/** Every method of the order repository. */
export const ORDER_ALL = Object.keys(ADAPTERS.orders.methods) as readonly MethodOf<'orders'>[];

/** The SDK calls a set of adapter uses makes, flattened. */
export const callsOf = (uses: AdapterUses): SdkCall[] =>
  (Object.entries(uses) as [AdapterId, readonly string[]][]).flatMap(([adapter, methods]) =>
    methods.flatMap(
      (method) => (ADAPTERS[adapter].methods as Readonly<Record<string, readonly SdkCall[]>>)[method] ?? [],
    ),
  );
