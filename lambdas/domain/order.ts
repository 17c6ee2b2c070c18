/**
 * The order as stored. PHI (case and patient references, free-text notes, original file names) never sits
 * in clear in a record: it is one KMS-encrypted blob bound to the account and order, so table
 * exports, backups and operators' consoles show ids and prescriptions only.
 */

export type OrderStatus =
  | 'DRAFT'
  | 'SUBMITTED'
  | 'QUEUED'
  | 'ASSIGNED'
  | 'QA'
  | 'DELIVERED'
  | 'ACCEPTED'
  | 'ARCHIVED'
  | 'PURGING'
  | 'PURGED'
  | 'REJECTED'
  | 'CANCELLED'
  | 'STUCK';

/** Orders in these states still hold their case reference and file checksums for duplicate checks. */
export const OPEN_STATUSES: readonly OrderStatus[] = [
  'DRAFT',
  'SUBMITTED',
  'QUEUED',
  'ASSIGNED',
  'QA',
  'DELIVERED',
  'STUCK',
];

export interface OrderItem {
  readonly type: string;
  readonly teeth?: readonly number[];
  readonly arch?: string;
  readonly material: string;
  readonly shade?: string;
}

export interface OrderPhi {
  /** The lab's case number (seed 002 counts it as an identifier). Absent in orders written before it moved here. */
  readonly caseRef?: string;
  readonly patientRef: string;
  readonly notes?: string;
  /** Notes per item, same order as items; undefined where an item has none. */
  readonly itemNotes?: readonly (string | null)[];
}

/** A designer's release of an order (POST /assignments/{orderId}/release): who, when. */
export interface OrderRelease {
  readonly sub: string;
  readonly at: string;
}

export interface Order {
  readonly orderId: string;
  readonly accountId: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly status: OrderStatus;
  /**
   * Keyed hash (KMS HMAC) of the case reference: the duplicate guard's key, released when the
   * order closes. The reference itself is inside `phi`.
   */
  readonly caseRefMac?: string;
  /** Legacy: the case reference in clear, only on orders written before it was encrypted. */
  readonly caseRef?: string;
  readonly items: readonly OrderItem[];
  readonly turnaround: 'standard' | 'rush';
  readonly remake: boolean;
  /** KMS ciphertext (base64) of OrderPhi, encryption context { accountId, orderId, purpose }. */
  readonly phi: string;
  readonly submittedAt?: string;
  readonly dueAt?: string;
  readonly executionName?: string;
  readonly executionArn?: string;
  /** Why the order is REJECTED, CANCELLED or STUCK: a code, never PHI. */
  readonly closedReason?: string;
  /** Step Functions task token of the wait for a design (kept with the order while it waits). */
  readonly designTaskToken?: string;
  /** Step Functions task token of the wait for the lab's decision on a delivery. */
  readonly decisionTaskToken?: string;
  /** The designer (Cognito sub) holding the order, its claim time and lease expiry. */
  readonly assignee?: string;
  readonly claimedAt?: string;
  readonly leaseExpiresAt?: string;
  /** Who made the last design: a revision is offered to them first. */
  readonly lastDesigner?: string;
  /**
   * Designers that released the order (gave it back to the queue themselves) and when, newest
   * last, at most MAX_RELEASES_KEPT within RELEASE_COOLDOWN_MINUTES (design/shared.ts): the queue
   * does not offer it back to them meanwhile. Ids and times only.
   */
  readonly releases?: readonly OrderRelease[];
  readonly offerTo?: string;
  readonly offerExpiresAt?: string;
  /** Design versions handed in so far; the delivered one; revisions asked for. */
  readonly designVersion?: number;
  readonly deliveredVersion?: number;
  readonly deliveredAt?: string;
  readonly revisionCount?: number;
  /** Set by QA when the last hand-in failed its checks: problems per file, PHI-free. */
  readonly qaProblems?: readonly string[];
  readonly acceptedAt?: string;
  readonly autoAccepted?: boolean;
  readonly archivedAt?: string;
  readonly purgeAfter?: string;
  /** A lab's request to delete the files (or the whole order) sooner than retention. */
  readonly deletionRequest?: {
    readonly scope: 'files' | 'order';
    readonly requestedAt: string;
    readonly requestedBy: string;
    readonly purgeAt: string;
  };
  readonly purgeStartedAt?: string;
  /** The status a purge of the case files only returns the order to (it is PURGING meanwhile). */
  readonly purgeFrom?: OrderStatus;
  /** A lab's files-only deletion was carried out: the record stays until `purgeAfter`. */
  readonly filesPurgedAt?: string;
  readonly filesCertificateId?: string;
  readonly purgedAt?: string;
  /** The deletion certificate of a purged order. */
  readonly certificateId?: string;
  /** When an undecided delivery is accepted automatically (the DECISION timer). */
  readonly autoAcceptAt?: string;
  /** A STUCK order: the status an operator's resume puts it back in (see domain/recovery.ts). */
  readonly resumeFrom?: OrderStatus;
  /** Resumes so far: the resume execution is named <orderId>-resume-<resumeCount>. */
  readonly resumeCount?: number;
  /** Turnaround alerts already sent (80% used, overdue). */
  readonly dueAlert80At?: string;
  readonly dueAlertOverdueAt?: string;
}

/** Where an order sits in the indexes besides its own key; null removes it from that index. */
export interface IndexChanges {
  /** The work queue: the general lane, or a lane offered to one designer first. */
  readonly queue?: { readonly lane: 'QUEUE' | `OFFER#${string}`; readonly sortKey: string } | null;
  /** The designer holding it. */
  readonly assignee?: { readonly sub: string; readonly since: string } | null;
  /** One pending timer at a time: intake, offer expiry, lease expiry, lab decision. */
  readonly pending?: {
    readonly name: 'INTAKE' | 'OFFER' | 'LEASE' | 'DECISION' | 'PURGE';
    readonly at: string;
  } | null;
  /** Turnaround watch while the design is not yet delivered. */
  readonly due?: { readonly at: string } | null;
  /** Workflow watch while the order is in the workflow: when its execution was last checked. */
  readonly watch?: { readonly at: string } | null;
}

export type FileFormat = 'stl' | 'ply' | 'obj';

export interface FileCheck {
  readonly ok: boolean;
  readonly checkedAt: string;
  /**
   * The S3 object version this check read. Downloads (a designer's inputs, a lab's deliverables)
   * are presigned for this version, so they hand out the bytes that were checked.
   */
  readonly versionId?: string;
  /** Set when !ok: a sentence a lab technician can act on. */
  readonly problem?: string;
  readonly mesh?: {
    readonly format: string;
    readonly triangles: number;
    readonly vertices: number;
    readonly bbox: { readonly min: readonly number[]; readonly max: readonly number[] };
  };
}

export interface OrderFile {
  readonly orderId: string;
  readonly accountId: string;
  readonly fileId: string;
  /** input: the lab's scans; output: a designer's design (numbered by version). */
  readonly role: 'input' | 'output';
  /** Design version, for outputs. */
  readonly version?: number;
  /** Who uploaded it (a lab user's or designer's sub). */
  readonly uploadedBy?: string;
  readonly format: FileFormat | 'pdf';
  /** KMS ciphertext of the lab's original file name (it may carry a patient's name). */
  readonly nameCipher: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** Server-chosen object key under the order's prefix; never derived from the lab's file name. */
  readonly key: string;
  readonly declaredAt: string;
  readonly upload:
    | { readonly mode: 'single' }
    | { readonly mode: 'multipart'; readonly uploadId: string; readonly partSize: number };
  /** Parts the client reported as stored (multipart), so an interrupted upload resumes. */
  readonly parts?: readonly { readonly partNumber: number; readonly etag: string }[];
  readonly uploadedAt?: string;
  readonly check?: FileCheck;
}

export interface TimelineEntry {
  readonly orderId: string;
  readonly at: string;
  /** e.g. CREATED, FILE_DECLARED, SUBMITTED, INGEST_PASSED, REJECTED, QUEUED, CANCELLED, STUCK. */
  readonly type: string;
  /** Who: a user's sub or a process name. */
  readonly by: string;
  /** PHI-free facts: ids, counts, codes. */
  readonly detail?: Readonly<Record<string, string | number>>;
}

/**
 * Every object of an order (inputs, designs, reports) lives under this prefix. No account id: a
 * designer handed a presigned URL must not learn whose order it is. The order id is random and
 * unguessable, and one order is one prefix, so a purge stays within its order.
 */
export const orderPrefix = (orderId: string) => `orders/${orderId}/`;
export const phiContext = (accountId: string, orderId: string) => ({
  accountId,
  orderId,
  purpose: 'order-phi',
});
export const fileNameContext = (accountId: string, orderId: string, fileId: string) => ({
  accountId,
  orderId,
  fileId,
  purpose: 'file-name',
});
