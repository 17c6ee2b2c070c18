/**
 * The ports the domain needs. Adapters (lambdas/adapters) implement them over one SDK client
 * each; unit tests implement them in memory (test/support/fakes.ts).
 */
import type { Clock } from '../kernel/clock';
import type { AuditEvent } from './audit';
import type { DesignerRegistry } from './designers';
import type { IndexChanges, Order, OrderFile, TimelineEntry } from './order';
import type { AccountStatus, Baa, LabUserRole, SecurityContact } from './schemas/accounts';

/** An order as the queue index shows it. */
export interface QueueEntry {
  readonly orderId: string;
  /** `<priority>#<dueAt>#<createdAt>#<orderId>` (queueSortKey). */
  readonly sortKey: string;
  readonly itemTypes: readonly string[];
}

export interface OrderRepository {
  /**
   * Writes a new order, in the same write placed on its pending timer (a draft's expiry), so no
   * order exists without one; fails with OrderExistsError if the id is taken.
   */
  create(order: Order, indexes?: Pick<IndexChanges, 'pending'>): Promise<void>;
  get(orderId: string): Promise<Order | undefined>;
  /** Conditional update: applies `changes` only when the order is in one of `fromStatuses`. Returns the updated order or undefined when the condition failed. */
  transition(
    orderId: string,
    fromStatuses: readonly Order['status'][],
    changes: Partial<Omit<Order, 'orderId' | 'accountId' | 'createdAt' | 'createdBy'>>,
    options?: {
      indexes?: IndexChanges;
      /** Attributes to remove (e.g. a spent task token). */
      remove?: readonly (keyof Order)[];
      /** Extra conditions: attribute equals value (e.g. assignee = the caller). */
      expect?: Readonly<Record<string, string | number>>;
    },
  ): Promise<Order | undefined>;
  /**
   * One page of a queue lane, most urgent first: for each order its id, its place (the queue sort
   * key) and its item types, no more (the index holds no more: read the order itself to claim it).
   */
  queuePage(
    lane: string,
    limit: number,
    cursor?: string,
  ): Promise<{ entries: QueueEntry[]; cursor?: string }>;
  /** Ids of the orders a designer holds. */
  assignedTo(sub: string): Promise<string[]>;
  /** Ids of orders whose pending timer of this name fell due before `cutoff`. */
  pendingBefore(
    name: 'INTAKE' | 'OFFER' | 'LEASE' | 'DECISION' | 'PURGE',
    cutoff: string,
    limit: number,
  ): Promise<string[]>;
  /** Ids of undelivered orders due before `cutoff`. */
  dueBefore(cutoff: string, limit: number): Promise<string[]>;
  /** Ids of orders in the workflow (submitted, not yet closed) last checked before `cutoff`, oldest first. */
  watchedBefore(cutoff: string, limit: number): Promise<string[]>;
  listByAccount(
    accountId: string,
    opts: { limit: number; cursor?: string; status?: Order['status'] },
  ): Promise<{ orders: Order[]; cursor?: string }>;
  /**
   * Reserves a case reference of the account for an open order, by its guard key (the keyed hash
   * of the reference; the plaintext reference on orders written before it was encrypted). When
   * already reserved, returns the holder and when it reserved. `replacing` takes the guard over
   * from that holder only if it still holds it (a guard whose order was never written).
   */
  reserveCaseRef(
    accountId: string,
    guardKey: string,
    orderId: string,
    reservedAt: string,
    replacing?: string,
  ): Promise<{ reserved: true } | { reserved: false; orderId: string; reservedAt?: string }>;
  /** Gives the guard back if `orderId` still holds it. */
  releaseCaseRef(accountId: string, guardKey: string, orderId: string): Promise<void>;
  addFile(file: OrderFile): Promise<void>;
  updateFile(orderId: string, fileId: string, changes: Partial<OrderFile>): Promise<void>;
  files(orderId: string): Promise<OrderFile[]>;
  deleteFile(orderId: string, fileId: string): Promise<void>;
  /** Open orders of the account that already hold a file with this SHA-256. */
  findOpenFileBySha(
    accountId: string,
    sha256: string,
  ): Promise<{ orderId: string; fileId: string } | undefined>;
  /** Remove the SHA lookup of an order's files once the order is closed. */
  forgetFileShas(orderId: string): Promise<void>;
  addTimeline(entry: TimelineEntry): Promise<void>;
  timeline(orderId: string): Promise<TimelineEntry[]>;
}

export interface AuditLog {
  /** Appends one event. Must throw when it cannot: callers fail closed. */
  append(event: AuditEvent): Promise<void>;
}

/**
 * A keyed hash (KMS HMAC): equal inputs give equal outputs, and nobody without the key can test a
 * guess, so an identifier can be looked up without being stored in clear.
 */
export interface KeyedHasher {
  /** Base64url of the MAC of `message`. */
  mac(message: string): Promise<string>;
}

/** Encrypts the PHI fields of a record, bound to its owner and id so a blob cannot be moved. */
export interface PhiCipher {
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}

export interface ObjectInfo {
  readonly sizeBytes: number;
  /**
   * The version HEAD found (the bucket is versioned). A check reads exactly this version and
   * records it, and every later download names it, so no write after the check changes what is
   * handed out. Absent where the store keeps no versions.
   */
  readonly versionId?: string;
}

export interface FileStore {
  /** `kmsKeyId`: the ARN of the order's account key, signed into the URL (SSE-KMS under it). */
  presignPut(input: {
    key: string;
    sizeBytes: number;
    sha256Base64: string;
    expiresInSeconds: number;
    kmsKeyId: string;
  }): Promise<{ url: string; headers: Record<string, string>; expiresAt: string }>;
  startMultipart(key: string, kmsKeyId: string): Promise<string>;
  presignPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    expiresInSeconds: number;
  }): Promise<string>;
  completeMultipart(input: {
    key: string;
    uploadId: string;
    parts: { partNumber: number; etag: string }[];
  }): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** The object's bytes: of `versionId` when given, else of its current version. */
  read(key: string, versionId?: string): AsyncIterable<Uint8Array>;
  /** A GET URL for the object; with `versionId`, signed for that version only. */
  presignGet(input: {
    key: string;
    expiresInSeconds: number;
    downloadName: string;
    versionId?: string;
  }): Promise<string>;
  deletePrefix(prefix: string): Promise<number>;
}

/** An execution's status as DescribeExecution reports it; MISSING when Step Functions does not know it. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE'
  | 'MISSING';

export interface Workflow {
  /** Starts (or finds) the execution with this name; the same name and input never start a second one. */
  start(name: string, input: { orderId: string; accountId: string; resumeFrom?: string }): Promise<string>;
  /**
   * Completes a waiting task. Output carries ids and codes only. Throws TaskTokenRefusedError when
   * Step Functions refuses the token (nothing waits for it any more); any other error is a fault
   * after which the task may still be waiting.
   */
  completeTask(token: string, output: Readonly<Record<string, string | number | boolean>>): Promise<void>;
  /** The status of the order workflow's execution with this name. */
  executionStatus(name: string): Promise<ExecutionStatus>;
}

export interface Notifier {
  operatorAlert(subject: string, facts: Readonly<Record<string, string>>): Promise<void>;
  notify(kind: string, facts: Readonly<Record<string, string>>): Promise<void>;
}

export interface IdGenerator {
  next(prefix: string): string;
}

/** Where a partner account stands. No record: an account never set up (unknown). */
export interface AccountState {
  readonly status: AccountStatus;
  /** The BAA on file: without one (or before it takes effect) the account receives no PHI. */
  readonly baa?: Baa;
  readonly terminationStartedAt?: string;
  /** The signed summary certificate of a finished termination. */
  readonly certificateId?: string;
}

/** A partner account as the registry keeps it (accounts table, sk = ACCOUNT). */
export interface AccountRecord extends AccountPolicy {
  readonly accountId: string;
  readonly legalName: string;
  readonly country: string;
  readonly state?: string;
  readonly status: AccountStatus;
  readonly baa?: Baa;
  /** Personal data (not PHI): never logged; removed when the termination finishes. */
  readonly contacts: readonly SecurityContact[];
  /**
   * The account's own KMS key (issue 11, item 3): filled at onboarding by the key's creator, read by
   * whoever encrypts the account's PHI. Absent until then (the shared case-data key applies).
   */
  readonly keyId?: string;
  readonly keyAlias?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** Bumped by every write: a change is written only over the version it was made from. */
  readonly version: number;
  readonly terminationStartedAt?: string;
  readonly terminatedAt?: string;
  readonly certificateId?: string;
}

/** A partner's user as the registry lists it (the identity provider holds the login). */
export interface AccountUser {
  readonly accountId: string;
  readonly username: string;
  readonly sub: string;
  /** Personal data (not PHI): never logged; the item goes when the user is removed. */
  readonly email: string;
  readonly role: LabUserRole;
  readonly invitedAt: string;
  readonly invitedBy: string;
}

/** The user pool partners' users sign in to (Cognito on AWS, local/cognito.ts on the local stack). */
export interface IdentityProvider {
  /** Creates the user in its account and role; `taken` when the e-mail already has a user. */
  invite(input: {
    email: string;
    accountId: string;
    role: LabUserRole;
  }): Promise<{ taken: true } | { taken: false; username: string; sub: string }>;
  /** Ends every session of the user (idempotent). */
  signOut(username: string): Promise<void>;
  /** Deletes the user (idempotent). */
  remove(username: string): Promise<void>;
}

/** Partner accounts: the registry, and what the order pipeline asks of it. */
export interface AccountRegistry {
  stateOf(accountId: string): Promise<AccountState | undefined>;
  /** Records a termination as started (TERMINATING); idempotent; undefined when the account is unknown. */
  startTermination(accountId: string, at: string, by: string): Promise<AccountState | undefined>;
  /** Records a termination as finished (TERMINATED) with its summary certificate. */
  finishTermination(accountId: string, at: string, certificateId: string): Promise<void>;
  /** Accounts whose termination was started and not finished, for the purge sweep to resume. */
  terminating(limit: number): Promise<string[]>;
  get(accountId: string): Promise<AccountRecord | undefined>;
  /** Writes a new account; false when the id is taken. */
  create(record: AccountRecord): Promise<boolean>;
  /** Writes `record` (version + 1) only over `record.version`; false when it changed meanwhile. */
  replace(record: AccountRecord): Promise<boolean>;
  /** Accounts in id order, a page at a time. */
  list(limit: number, cursor?: string): Promise<{ accounts: AccountRecord[]; cursor?: string }>;
  /** Adds a user; false when the name is already taken in this account. */
  addUser(user: AccountUser): Promise<boolean>;
  users(accountId: string): Promise<AccountUser[]>;
  removeUser(accountId: string, sub: string): Promise<void>;
}

/** A partner account's own KMS key (alias/caseline/account/<accountId>), as KMS describes it. */
export interface AccountKey {
  /** The key's ARN: what ciphertexts and S3 objects name, and what a certificate states. */
  readonly keyId: string;
  readonly state: 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable' | 'Creating';
  /** ISO 8601; set while PendingDeletion: from then on nothing under the key can be read. */
  readonly deletionDate?: string;
}

/**
 * One customer-managed key per partner account: created at onboarding, shredded at termination.
 * Its PHI fields and case files are encrypted under it (the PHI cipher and the file store find it
 * by its alias); staff data stays under the shared keys.
 */
export interface AccountKeys {
  /**
   * The account's key, created if it has none: tagged with the account, aliased, rotation on, its
   * policy scoped to this stack's functions and the account's encryption context. Idempotent:
   * a second call (a retried onboarding, a restart of the local stack) returns the same key. A key
   * pending deletion is returned as it is (its `state` says so): onboarding must not go on with it.
   */
  ensureKey(accountId: string): Promise<AccountKey>;
  /** The account's key, undefined when it has none (never onboarded, or shredded and deleted). */
  keyOf(accountId: string): Promise<AccountKey | undefined>;
  /**
   * Schedules the key's deletion `pendingWindowDays` from now (KMS allows 7–30). A key already
   * pending deletion answers its date unchanged, so a re-run certifies the same date. Undefined
   * when the account has no key (its data was only ever under the shared key).
   */
  scheduleDeletion(accountId: string, pendingWindowDays: number): Promise<AccountKey | undefined>;
}

export interface Deps {
  readonly orders: OrderRepository;
  readonly accounts: AccountRegistry;
  readonly audit: AuditLog;
  readonly phi: PhiCipher;
  /** The partner accounts' own keys (case files are written under them). */
  readonly accountKeys: AccountKeys;
  /** Keyed hash of case references (the duplicate-case guard). */
  readonly hasher: KeyedHasher;
  readonly files: FileStore;
  readonly workflow: Workflow;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface AccountPolicy {
  /** Days an archived order's files are kept before purge. */
  readonly retentionDays: number;
  /** Days a delivered order waits for accept or revise before it is accepted automatically. */
  readonly autoAcceptDays: number;
  /** Days a lab's deletion request waits (and can be withdrawn) before the purge. */
  readonly deletionGraceDays: number;
}

/** The policy the workflow applies to an account's orders (the registry's record, or the defaults). */
export interface AccountPolicies {
  policyFor(accountId: string): Promise<AccountPolicy>;
}

/** The deps of the design half and of operators' tools: the order ports, the designer registry and the account policies. */
export type DesignDeps = Deps & { readonly designers: DesignerRegistry; readonly policies: AccountPolicies };
