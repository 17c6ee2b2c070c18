/**
 * The ports the domain needs. Adapters (lambdas/adapters) implement them over one SDK client
 * each; unit tests implement them in memory (test/support/fakes.ts).
 */
import type { Clock } from '../shared/clock';
import type { AuditEvent } from './audit';
import type { IndexChanges, Order, OrderFile, TimelineEntry } from './order';

export interface OrderRepository {
  /** Writes a new order; fails with OrderExistsError if the id is taken. */
  create(order: Order): Promise<void>;
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
  /** One page of a queue lane, most urgent first. */
  queuePage(lane: string, limit: number, cursor?: string): Promise<{ orders: Order[]; cursor?: string }>;
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
  listByAccount(
    accountId: string,
    opts: { limit: number; cursor?: string; status?: Order['status'] },
  ): Promise<{ orders: Order[]; cursor?: string }>;
  /** Reserves (accountId, caseRef) for an open order; returns the holder when already reserved. */
  reserveCaseRef(
    accountId: string,
    caseRef: string,
    orderId: string,
  ): Promise<{ reserved: true } | { reserved: false; orderId: string }>;
  releaseCaseRef(accountId: string, caseRef: string, orderId: string): Promise<void>;
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

/** Encrypts the PHI fields of a record, bound to its owner and id so a blob cannot be moved. */
export interface PhiCipher {
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}

export interface ObjectInfo {
  readonly sizeBytes: number;
}

export interface FileStore {
  presignPut(input: {
    key: string;
    sizeBytes: number;
    sha256Base64: string;
    expiresInSeconds: number;
  }): Promise<{ url: string; headers: Record<string, string>; expiresAt: string }>;
  startMultipart(key: string): Promise<string>;
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
  read(key: string): AsyncIterable<Uint8Array>;
  presignGet(input: { key: string; expiresInSeconds: number; downloadName: string }): Promise<string>;
  deletePrefix(prefix: string): Promise<number>;
}

export interface Workflow {
  /** Starts (or finds) the execution with this name; the same name and input never start a second one. */
  start(name: string, input: { orderId: string; accountId: string }): Promise<string>;
  /** Completes a waiting task. Output carries ids and codes only. False when the token is spent. */
  completeTask(token: string, output: Readonly<Record<string, string | number | boolean>>): Promise<boolean>;
}

export interface Notifier {
  operatorAlert(subject: string, facts: Readonly<Record<string, string>>): Promise<void>;
  notify(kind: string, facts: Readonly<Record<string, string>>): Promise<void>;
}

export interface IdGenerator {
  next(prefix: string): string;
}

export interface Deps {
  readonly orders: OrderRepository;
  readonly audit: AuditLog;
  readonly phi: PhiCipher;
  readonly files: FileStore;
  readonly workflow: Workflow;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}
