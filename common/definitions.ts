/**
 * The one source of truth for the names and shapes of Caseline's stateful resources.
 *
 * Plain data, no CDK imports: the CDK constructs (lib/data.ts, lib/storage.ts, lib/keys.ts) and
 * the local stack (local/) both read these, so a table key, an index or a bucket cannot drift
 * between `cdk deploy` and `npm start`.
 */

export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /**
   * ALL unless a narrower projection keeps PHI out of an index nobody needs it in; INCLUDE adds
   * `nonKeyAttributes` to the keys. DynamoDB cannot change an index's projection in place: a new
   * projection comes with a new index name.
   */
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** With INCLUDE: the attributes beside the keys, no more than a reader of the index needs. */
  readonly nonKeyAttributes?: readonly string[];
}

export interface TableDefinition {
  /** Logical id: the key of TABLES, the construct id, and the suffix of the physical name. */
  readonly id: TableId;
  /** Environment variable through which handlers learn the physical name. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly IndexDefinition[];
  readonly purpose: string;
  /**
   * Events are only ever added: every role is explicitly denied UpdateItem, DeleteItem,
   * BatchWriteItem and PartiQL writes on it, and so is every principal by the table's policy.
   */
  readonly appendOnly?: boolean;
  /**
   * Every write to this table first takes the next number of a counter kept in that table (item
   * `SEQUENCE`): whoever may append here may add to that counter and touch nothing else in it
   * (lib/compute.ts). The audit log's write order (docs/audit.md).
   */
  readonly sequencedBy?: TableId;
  /**
   * DynamoDB TTL: an item whose attribute of this name (epoch seconds) has passed is deleted by
   * DynamoDB (within days, at no cost). Records kept for a fixed period (the breach register) set it.
   */
  readonly timeToLiveAttribute?: string;
}

/** The partition key of the counter item in a `sequencedBy` table; the sealer's item is SEALER_KEY. */
export const SEQUENCE_KEY = 'SEQUENCE';
export const SEALER_KEY = 'SEALER';
/** The breach detector's position and lease (lambdas/domain/detection/); its per-actor windows are DETECT#<rule>#<sub>. */
export const DETECTOR_KEY = 'DETECTOR';

export type TableId = 'orders' | 'audit' | 'designers' | 'accounts' | 'auditSequence' | 'incidents';

const S = (name: string): KeyAttribute => ({ name, type: 'S' });

export const TABLES: Readonly<Record<TableId, TableDefinition>> = {
  orders: {
    id: 'orders',
    envVar: 'ORDERS_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      // Account listing: a lab's orders, newest first (gsi1pk = ACCOUNT#<id>, gsi1sk = <createdAt>#<orderId>).
      { indexName: 'byAccount', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: 'ALL' },
      // Lookups by a namespaced key (gsi2pk): an order's one pending timer (<TIMER>#PENDING, gsi2sk =
      // <when>#<orderId>), a file checksum of an open order (SHA#<acct>#<sha256>), a running termination.
      { indexName: 'byLookup', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk'), projection: 'KEYS_ONLY' },
      // The work queue (gsi3pk = QUEUE or OFFER#<designer>, gsi3sk = <priority>#<dueAt>#<createdAt>#<orderId>).
      // Keys and the items alone (their types are what a claim checks against skills): a claim
      // reads a long page cheaply and fetches only the order it goes for; no PHI in the index.
      {
        indexName: 'byQueueItems',
        partitionKey: S('gsi3pk'),
        sortKey: S('gsi3sk'),
        projection: 'INCLUDE',
        nonKeyAttributes: ['items'],
      },
      // What a designer holds (gsi4pk = ASSIGNEE#<sub>, gsi4sk = <claimedAt>#<orderId>).
      { indexName: 'byAssignee', partitionKey: S('gsi4pk'), sortKey: S('gsi4sk'), projection: 'KEYS_ONLY' },
      // The turnaround watch until delivery (gsi5pk = DUE, gsi5sk = <dueAt>#<orderId>).
      { indexName: 'byTimer', partitionKey: S('gsi5pk'), sortKey: S('gsi5sk'), projection: 'KEYS_ONLY' },
      // Orders in the workflow, least recently checked first (gsi6pk = WATCH, gsi6sk = <checkedAt>#<orderId>):
      // the watchdog compares each with its execution without scanning the table.
      { indexName: 'byWatch', partitionKey: S('gsi6pk'), sortKey: S('gsi6sk'), projection: 'KEYS_ONLY' },
    ],
    purpose: 'Orders, their files and timeline, keyed by order id (single-table design).',
  },
  audit: {
    id: 'audit',
    envVar: 'AUDIT_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      // Who did what: an actor's events in time order (gsi1pk = ACTOR#<sub>, gsi1sk = <at>#<eventId>).
      { indexName: 'byActor', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: 'ALL' },
      // Write order: gsi2pk = SEQ#<seq div 100000>, gsi2sk = <seq, 12 digits>. The audit sealer reads
      // the events written since its last digest from here, never scanning (docs/audit.md).
      { indexName: 'bySequence', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk'), projection: 'ALL' },
    ],
    purpose: 'Append-only audit events: every read or hand-out of PHI, and every denied attempt.',
    appendOnly: true,
    sequencedBy: 'auditSequence',
  },
  auditSequence: {
    id: 'auditSequence',
    envVar: 'AUDIT_SEQUENCE_TABLE',
    partitionKey: S('pk'),
    globalIndexes: [],
    purpose:
      "The audit log's write-order counter (SEQUENCE, with the failed appends' count), the sealer's position, open holes and chain heads (SEALER), the breach detector's position (DETECTOR) and its per-actor windows (DETECT#<rule>#<sub>, expired by TTL).",
    timeToLiveAttribute: 'expiresAt',
  },
  designers: {
    id: 'designers',
    envVar: 'DESIGNERS_TABLE',
    partitionKey: S('designerId'),
    globalIndexes: [],
    purpose: 'The designer registry: skills, capacity and its live counter, country, active flag.',
  },
  accounts: {
    id: 'accounts',
    envVar: 'ACCOUNTS_TABLE',
    // One partition per partner: the account record (sk = ACCOUNT) and its users (sk = USER#<sub>).
    partitionKey: S('accountId'),
    sortKey: S('sk'),
    globalIndexes: [
      // Every account, for GET /accounts (gsi1pk = ACCOUNTS on account records only, gsi1sk = accountId):
      // a query, never a scan. Partners number in the hundreds, so one partition is enough.
      { indexName: 'byListing', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: 'ALL' },
      // Terminations started and not finished (gsi2pk = TERMINATION#PENDING, gsi2sk = <at>#<accountId>):
      // the purge sweep resumes one that was killed midway.
      { indexName: 'byPending', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk'), projection: 'KEYS_ONLY' },
    ],
    purpose:
      'The account registry: each BAA partner, its agreement, security contacts, policy and status; its lab users.',
  },
  incidents: {
    id: 'incidents',
    envVar: 'INCIDENTS_TABLE',
    // One partition per incident (pk = INCIDENT#<id>): the record (sk = INCIDENT), its signals
    // (SIGNAL#<at>#<signalId>), timeline (TL#<at>#<n>) and one notice per affected account
    // (NOTICE#<accountId>). Beside them, single items: a signal's idempotency key (pk = SIGNAL#<id>)
    // and the open incident about an actor or a resource (pk = JOIN#<key>). Ids, codes and counts
    // only: no PHI (patient references are decrypted only into a lab's view of its notice).
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      // The register, newest first (gsi1pk = INCIDENTS, gsi1sk = <discoveredAt>#<incidentId>).
      { indexName: 'byDiscovery', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk'), projection: 'ALL' },
      // Notice deadlines (gsi2pk = NOTICE#TIMER, gsi2sk = <next check>#<incidentId>#<accountId>): the
      // deadline sweep reads what fell due, never the table.
      { indexName: 'byTimer', partitionKey: S('gsi2pk'), sortKey: S('gsi2sk'), projection: 'KEYS_ONLY' },
      // A lab's notices (gsi3pk = ACCOUNT#<accountId>, gsi3sk = <noticeId>, time-ordered ids).
      { indexName: 'byAccount', partitionKey: S('gsi3pk'), sortKey: S('gsi3sk'), projection: 'ALL' },
    ],
    purpose:
      'Security incidents and the breach register: signals, timeline, scope (ids and counts), notices per affected account.',
    // HIPAA 164.316(b)(2) and GDPR Art 33(5): kept 6 years after the incident closes, then expired.
    timeToLiveAttribute: 'expiresAt',
  },
};

export type BucketId = 'caseFiles' | 'auditDigests';

export interface BucketDefinition {
  readonly id: BucketId;
  readonly envVar: string;
  /** Physical name on the local stack; on AWS CDK generates a unique one. */
  readonly localName: string;
  readonly purpose: string;
  /**
   * IAM patterns (under the bucket ARN) of the objects each kind of grant may touch; the handlers
   * build keys that match them (test/infra/least-privilege.test.ts checks).
   */
  readonly objectKeys?: {
    readonly order: string;
    readonly inputs: string;
    readonly outputs: string;
    /** Account exports (data portability): one archive per export, expired by a lifecycle rule. */
    readonly exports: string;
  };
  /** Object Lock, on from creation: every version kept unchangeable this long, by anyone (root included). */
  readonly objectLock?: { readonly mode: 'COMPLIANCE'; readonly years: number };
}

/** Account exports: where they are written in the case-files bucket, and how long they are kept. */
export const EXPORTS = {
  prefix: 'exports/',
  /** A lifecycle rule expires an export this many days after it was written (and its versions a day later). */
  expireDays: 7,
} as const;

export const BUCKETS = {
  caseFiles: {
    id: 'caseFiles',
    envVar: 'CASE_FILES_BUCKET',
    localName: 'caseline-case-files',
    // No account id in keys: designers get presigned URLs and must not learn whose order it is.
    purpose: 'Scans, designs and reports, one prefix per order: orders/<orderId>/.',
    objectKeys: {
      order: 'orders/*',
      inputs: 'orders/*/inputs/*',
      outputs: 'orders/*/outputs/*',
      exports: 'exports/*',
    },
  },
  auditDigests: {
    id: 'auditDigests',
    envVar: 'AUDIT_DIGESTS_BUCKET',
    localName: 'caseline-audit-digests',
    purpose:
      'Signed audit digests: global/<windowFrom>_<no>.json every run, accounts/<accountId>/<windowFrom>_<no>.json per account with events.',
    // HIPAA 164.316(b)(2): audit evidence kept 6 years; compliance mode: nobody can shorten it.
    objectLock: { mode: 'COMPLIANCE', years: 6 },
  },
} as const satisfies Readonly<Record<BucketId, BucketDefinition>>;

export type KeyId = 'caseData' | 'certificateSigning' | 'caseRefMac' | 'auditSigning';

export interface KmsKeyDefinition {
  readonly id: KeyId;
  readonly envVar: string;
  readonly alias: string;
  readonly keySpec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'HMAC_256';
  readonly keyUsage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
  readonly purpose: string;
}

export const KMS_KEYS: Readonly<Record<KeyId, KmsKeyDefinition>> = {
  caseData: {
    id: 'caseData',
    envVar: 'CASE_DATA_KEY_ID',
    alias: 'alias/caseline/case-data',
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    purpose: 'Encrypts case files (SSE-KMS), tables, and PHI fields inside order records.',
  },
  certificateSigning: {
    id: 'certificateSigning',
    envVar: 'CERTIFICATE_SIGNING_KEY_ID',
    alias: 'alias/caseline/certificate-signing',
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    purpose: 'Signs deletion certificates and audit reports; anyone with the public key can verify them.',
  },
  caseRefMac: {
    id: 'caseRefMac',
    envVar: 'CASE_REF_MAC_KEY_ID',
    alias: 'alias/caseline/case-ref-mac',
    keySpec: 'HMAC_256',
    keyUsage: 'GENERATE_VERIFY_MAC',
    purpose:
      'Keyed hash (HMAC-SHA-256) of case references for the duplicate-case guard: the reference itself is stored encrypted.',
  },
  auditSigning: {
    id: 'auditSigning',
    envVar: 'AUDIT_SIGNING_KEY_ID',
    alias: 'alias/caseline/audit-signing',
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    purpose: 'Signs audit digests (docs/audit.md): only the audit sealer may sign with it.',
  },
};

export type StateMachineId = 'orderWorkflow' | 'accountExport' | 'auditExport' | 'incidentWorkflow';

export interface StateMachineDefinition {
  readonly id: StateMachineId;
  readonly envVar: string;
  /** File under statemachines/. */
  readonly file: string;
  readonly localName: string;
}

export const STATE_MACHINES: Readonly<Record<StateMachineId, StateMachineDefinition>> = {
  orderWorkflow: {
    id: 'orderWorkflow',
    envVar: 'ORDER_WORKFLOW_ARN',
    file: 'order-workflow.asl.json',
    localName: 'caseline-order-workflow',
  },
  // Data portability: one execution per export (named by its id), writing one archive.
  accountExport: {
    id: 'accountExport',
    envVar: 'ACCOUNT_EXPORT_WORKFLOW_ARN',
    file: 'account-export.asl.json',
    localName: 'caseline-account-export',
  },
  // Audit exports (docs/audit.md): one execution per export, writing one archive.
  auditExport: {
    id: 'auditExport',
    envVar: 'AUDIT_EXPORT_WORKFLOW_ARN',
    file: 'audit-export.asl.json',
    localName: 'caseline-audit-export',
  },
  // Security incidents (issue 13): one execution per incident (named by its id), ids only.
  incidentWorkflow: {
    id: 'incidentWorkflow',
    envVar: 'INCIDENT_WORKFLOW_ARN',
    file: 'incident-workflow.asl.json',
    localName: 'caseline-incident-workflow',
  },
};

export type TopicId = 'operatorAlerts' | 'notifications';

export interface TopicDefinition {
  readonly id: TopicId;
  readonly envVar: string;
  readonly localName: string;
  readonly purpose: string;
}

export const TOPICS: Readonly<Record<TopicId, TopicDefinition>> = {
  operatorAlerts: {
    id: 'operatorAlerts',
    envVar: 'OPERATOR_ALERTS_TOPIC_ARN',
    localName: 'caseline-operator-alerts',
    purpose: 'Stuck orders, failed executions, purge failures: things an operator must look at. Ids only.',
  },
  notifications: {
    id: 'notifications',
    envVar: 'NOTIFICATIONS_TOPIC_ARN',
    localName: 'caseline-notifications',
    purpose:
      'Messages to labs, designers and privacy officers (delivered, breach notices). Ids and links only.',
  },
};

/**
 * How long copies of deleted data can survive: S3 noncurrent versions, DynamoDB point-in-time
 * recovery and AWS Backup recovery points. A deletion certificate derives from these the date
 * after which no backup can still hold the data. The CDK app configures exactly these numbers.
 */
export const BACKUP_WINDOWS = {
  noncurrentVersionDays: 30,
  pointInTimeRecoveryDays: 14,
  backupPlanDays: 14,
} as const;

/**
 * The Cognito user pool labs, designers and staff sign in to (lib/api.ts makes it): functions that
 * invite or remove a partner's users learn its id from this variable.
 */
export const USER_POOL = {
  envVar: 'USER_POOL_ID',
  /** The local stack's pool id (region_suffix, as Cognito's ids are). */
  localId: 'us-east-1_caselineLocal',
} as const;

/** The physical table name on the local stack (CDK lets CloudFormation name them on AWS). */
export const localTableName = (id: TableId): string => `caseline-${id}`;

/**
 * A customer-managed KMS key per partner account (issue 11): its PHI fields and its case files are
 * encrypted under it, so that shredding the key at termination makes every copy that escaped the
 * purge (a backup, a PITR restore, a noncurrent version, a ciphertext someone kept) unreadable.
 * Staff data (designers, certificates, the case-reference guard) stays under the shared keys.
 */
export const ACCOUNT_KEYS = {
  /** `alias/caseline/account/<accountId>`: how functions find a key, and what IAM conditions name. */
  aliasPrefix: 'alias/caseline/account/',
  /** Tag set when the key is created (CreateKey Tags): administration is granted on this tag. */
  tagKey: 'caseline:account',
  /** The encryption-context entry every PHI field carries (domain/order.ts); the key policy requires it. */
  contextKey: 'accountId',
  /**
   * Role ARN pattern of this stack's functions (`arn:…:role/<stack>-*`), the only principals a
   * new key's policy lets use it. Set by the CDK app; the local stack sets its own.
   */
  usersEnvVar: 'ACCOUNT_KEY_USERS',
  /**
   * Days a shredded key stays PendingDeletion: the end of the longest backup window (S3
   * noncurrent versions, 30 days), which is also the longest wait KMS allows (7–30). Until then
   * an operator can still undo a mistaken termination (CancelKeyDeletion) while the backups exist;
   * from then on no copy is readable, whether or not it was itself removed.
   */
  pendingWindowDays: Math.min(
    30,
    Math.max(
      BACKUP_WINDOWS.noncurrentVersionDays,
      BACKUP_WINDOWS.pointInTimeRecoveryDays,
      BACKUP_WINDOWS.backupPlanDays,
    ),
  ),
} as const;

/** The alias of an account's key. Account ids are 2–63 of [a-z0-9-], all valid in an alias. */
export const accountKeyAlias = (accountId: string): string => `${ACCOUNT_KEYS.aliasPrefix}${accountId}`;
