/**
 * Success responses, as schemas for the API document only (scripts/openapi.ts): no handler
 * imports this module, so none of it reaches a bundle. Each is registered in `docs` under the
 * name it has in docs/openapi.json (`#/components/schemas/<name>`), with its field notes.
 */
import * as z from 'zod/mini';

type DocMeta = { id?: string; description?: string; format?: string };
/** Names and notes of the documented schemas; toJSONSchema reads both from here. */
export const docs = z.registry<DocMeta>();

const doc = <T extends z.ZodMiniType>(schema: T, meta: DocMeta): T => {
  docs.add(schema, meta);
  return schema;
};
const named = <T extends z.ZodMiniType>(id: string, schema: T): T => doc(schema, { ...docs.get(schema), id });
const instant = (description?: string) =>
  doc(z.string(), { format: 'date-time', ...(description ? { description } : {}) });
const uri = (description?: string) =>
  doc(z.string(), { format: 'uri', ...(description ? { description } : {}) });

const ORDER_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'QUEUED',
  'ASSIGNED',
  'QA',
  'DELIVERED',
  'ACCEPTED',
  'ARCHIVED',
  'PURGING',
  'PURGED',
  'REJECTED',
  'CANCELLED',
  'STUCK',
] as const;
const sha256Hex = () => z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const ResumeResult = named(
  'ResumeResult',
  z.object({
    orderId: z.string(),
    status: z.enum([
      'SUBMITTED',
      'QUEUED',
      'DELIVERED',
      'ACCEPTED',
      'ASSIGNED',
      'QA',
      'ARCHIVED',
      'STUCK',
      'REJECTED',
    ]),
    executionArn: z.string(),
    duplicate: z.boolean(),
  }),
);

export const ErrorBody = named(
  'Error',
  z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.optional(z.string()),
    fields: z.optional(
      z.array(
        z.object({
          field: z.optional(z.string()),
          message: z.optional(z.string()),
        }),
      ),
    ),
    existingOrderId: z.optional(z.string()),
    status: z.optional(doc(z.string(), { description: "The order's status, where it explains a conflict." })),
    fileIds: z.optional(
      doc(z.array(z.string()), { description: 'Files declared but not uploaded (FILES_MISSING).' }),
    ),
  }),
);

export const Designer = named(
  'Designer',
  z.object({
    designerId: doc(z.string(), { description: "The designer's Cognito sub." }),
    username: z.string(),
    displayName: z.string(),
    skills: doc(z.array(z.string()), { description: 'Restoration type ids, in catalogue order.' }),
    capacity: z.int().check(z.minimum(1), z.maximum(20)),
    activeJobs: doc(z.int().check(z.minimum(0)), { description: 'Jobs in hand, counted by the work queue.' }),
    country: doc(z.string(), { description: 'ISO 3166-1 alpha-2.' }),
    enabled: z.boolean(),
    createdAt: instant(),
    updatedAt: instant(),
  }),
);

export const Assignment = named(
  'Assignment',
  doc(
    z.object({
      orderId: z.string(),
      status: z.enum(['ASSIGNED', 'QA']),
      patientRef: doc(z.string(), { description: "The lab's pseudonym or initials for the patient." }),
      turnaround: z.enum(['standard', 'rush']),
      dueAt: z.optional(instant()),
      leaseExpiresAt: z.optional(instant('When the order goes back to the queue without a heartbeat.')),
      revision: doc(z.int().check(z.minimum(0), z.maximum(3)), {
        description: 'Revisions the lab has asked for so far.',
      }),
      version: doc(z.int().check(z.minimum(1)), {
        description: 'The design version being worked on (while ASSIGNED) or handed in (in QA).',
      }),
      items: z.array(
        z.object({
          type: doc(z.string(), { description: 'Restoration type id, e.g. crown.' }),
          teeth: z.optional(doc(z.array(z.int()), { description: 'FDI tooth numbers.' })),
          arch: z.optional(z.enum(['upper', 'lower', 'both'])),
          material: z.string(),
          shade: z.optional(z.string()),
          notes: z.optional(doc(z.string(), { description: "The lab's notes for this item." })),
        }),
      ),
      notes: z.optional(
        doc(z.string(), { description: "The lab's clinical notes, with each revision's comment." }),
      ),
      qaProblems: z.optional(
        doc(z.array(z.string()), { description: 'What the last QA found; present after a failed QA.' }),
      ),
    }),
    {
      description:
        'What a designer sees of an order: the prescription and the pseudonym, never the case reference, the account or file names.',
    },
  ),
);

export const FileLink = named(
  'FileLink',
  z.object({
    fileId: z.string(),
    format: z.enum(['stl', 'ply', 'obj', 'pdf']),
    sizeBytes: z.int().check(z.minimum(1)),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    version: z.optional(
      doc(z.int().check(z.minimum(1)), { description: 'The design version (design files only).' }),
    ),
    url: uri('A presigned GET, valid for 15 minutes.'),
  }),
);

export const Deliverables = named(
  'Deliverables',
  z.object({
    orderId: z.string(),
    version: doc(z.int().check(z.minimum(1)), { description: 'The delivered design version.' }),
    versions: doc(z.array(z.int().check(z.minimum(1))), {
      description: 'Every design version up to the delivered one.',
    }),
    status: z.enum(['DELIVERED', 'ACCEPTED', 'ARCHIVED']),
    revision: z.int().check(z.minimum(0), z.maximum(3)),
    expiresAt: instant('When the links expire.'),
    files: z.array(FileLink),
  }),
);

export const SignedCertificate = named(
  'SignedCertificate',
  z.object({
    certificate: doc(
      z.object({
        certificateId: z.optional(z.string()),
        kind: z.optional(z.enum(['order', 'account-summary'])),
        accountId: z.optional(z.string()),
        orderId: z.optional(z.string()),
        reason: z.optional(z.enum(['retention-expired', 'lab-request', 'account-termination'])),
        deletedAt: z.optional(instant()),
        process: z.optional(z.string()),
        objects: z.optional(
          z.array(
            z.object({
              key: z.optional(z.string()),
              versionId: z.optional(z.string()),
              sizeBytes: z.optional(z.int()),
              sha256: z.optional(z.string()),
              deleteMarker: z.optional(z.boolean()),
            }),
          ),
        ),
        recordsAnonymised: z.optional(z.array(z.string())),
        backupsClearBy: z.optional(instant()),
        orderCertificates: z.optional(
          z.array(
            z.object({
              orderId: z.optional(z.string()),
              certificateId: z.optional(z.string()),
              sha256: z.optional(z.string()),
            }),
          ),
        ),
        // A termination summary: the account's KMS key and when KMS deletes it.
        accountKey: z.optional(
          z.object({ keyId: z.optional(z.string()), deletionDate: z.optional(instant()) }),
        ),
      }),
      {
        description:
          'What was deleted, when, by which process, and the date after which no backup can hold it.',
      },
    ),
    signature: z.object({
      algorithm: z.literal('ECDSA_SHA_256'),
      keyId: doc(z.string(), {
        description: 'The KMS key that signed. Informative: the public key decides.',
      }),
      publicKeySha256: doc(z.string().check(z.regex(/^[0-9a-f]{64}$/)), {
        description:
          "Hex SHA-256 of the signing key's DER SubjectPublicKeyInfo, to tell another key from a changed document.",
      }),
      value: doc(z.string(), {
        description:
          'Base64 of the DER-encoded ECDSA P-256 / SHA-256 signature over the UTF-8 canonical JSON (keys sorted at every level, no whitespace; RFC 8785 for these values) of the whole document except `signature.value`: `{"certificate": …, "signature": {"algorithm", "keyId", "publicKeySha256"}}`. Exact bytes and openssl commands: docs/certificates.md.',
      }),
    }),
  }),
);

const ACCOUNT_STATUS = doc(z.enum(['ONBOARDING', 'ACTIVE', 'SUSPENDED', 'TERMINATING', 'TERMINATED']), {
  description:
    'Only ACTIVE with a BAA in effect receives PHI (create-order answers 403 BAA_REQUIRED or ACCOUNT_NOT_ACTIVE otherwise); TERMINATING from the moment a termination starts until its summary is signed.',
});

export const AccountPolicy = named(
  'AccountPolicy',
  z.object({
    accountId: z.string(),
    retentionDays: z.int().check(z.minimum(30), z.maximum(7300)),
    autoAcceptDays: z.int().check(z.minimum(1), z.maximum(60)),
    deletionGraceDays: z.int().check(z.minimum(0), z.maximum(90)),
    status: ACCOUNT_STATUS,
  }),
);

export const Account = named(
  'Account',
  z.object({
    accountId: z.string(),
    legalName: z.string(),
    country: z.string(),
    state: z.optional(z.string()),
    status: ACCOUNT_STATUS,
    baa: z.optional(
      z.object({
        signedAt: doc(z.string(), { format: 'date' }),
        version: z.string(),
        effectiveAt: doc(z.string(), { format: 'date' }),
        breachNoticeHours: z.int().check(z.minimum(1), z.maximum(72)),
      }),
    ),
    contacts: z.array(
      z.object({
        name: z.string(),
        email: z.string(),
        phone: z.string(),
        notices: z.array(z.string()),
      }),
    ),
    policy: z.object({
      retentionDays: z.int(),
      autoAcceptDays: z.int(),
      deletionGraceDays: z.int(),
    }),
    keyAlias: z.optional(doc(z.string(), { description: "The account's own KMS key alias, once created." })),
    createdAt: instant(),
    updatedAt: instant(),
    version: doc(z.int(), { description: 'Bumped by every change.' }),
    terminationStartedAt: z.optional(instant()),
    terminatedAt: z.optional(instant()),
    certificateId: z.optional(z.string()),
  }),
);

export const AccountList = named(
  'AccountList',
  z.object({
    accounts: z.array(Account),
    nextCursor: z.optional(z.string()),
  }),
);

export const AccountUser = named(
  'AccountUser',
  z.object({
    accountId: z.string(),
    userId: doc(z.string(), { description: "The user's Cognito sub." }),
    email: z.string(),
    role: z.enum(['lab', 'lab-admin']),
    invitedAt: instant(),
  }),
);

export const AccountUserList = named('AccountUserList', z.object({ users: z.array(AccountUser) }));

export const UserRemoved = named(
  'UserRemoved',
  z.object({
    accountId: z.string(),
    userId: z.string(),
    removed: z.literal(true),
    sessionsRevokedAt: instant(),
  }),
);

const exportFields = {
  exportId: z.string(),
  accountId: z.string(),
  status: doc(z.enum(['RUNNING', 'READY', 'FAILED', 'EXPIRED']), {
    description:
      'RUNNING while the job writes the archive; READY with a download link; FAILED (failure names the error); EXPIRED once the lifecycle rule removed the archive (7 days after it was written).',
  }),
  requestedAt: instant(),
  requestedBy: doc(z.string(), {
    description: 'The administrator who asked (user id): every read the job made is audited as them.',
  }),
  completedAt: z.optional(instant()),
  expiresAt: z.optional(instant('When the archive is deleted (completedAt + 7 days).')),
  sizeBytes: z.optional(z.int()),
  orderCount: z.optional(z.int()),
  fileCount: z.optional(
    doc(z.int(), { description: 'Files listed in the manifest (manifest.json itself not counted).' }),
  ),
  manifestSha256: z.optional(sha256Hex()),
  failure: z.optional(z.string()),
};

export const ExportRequested = named(
  'ExportRequested',
  z.object({
    ...exportFields,
    duplicate: doc(z.boolean(), {
      description:
        'true when an export of the account was already running: this is that one (one open export per account).',
    }),
  }),
);

export const ExportStatus = named(
  'ExportStatus',
  z.object({
    ...exportFields,
    download: z.optional(
      doc(
        z.object({
          url: uri(
            'A presigned GET of this one archive version, valid 15 minutes; handing it out is audited first.',
          ),
          fileName: z.string(),
          expiresAt: instant(),
        }),
        { description: 'Present when READY.' },
      ),
    ),
  }),
);

export const ExportList = named(
  'ExportList',
  z.object({
    exports: doc(z.array(z.object(exportFields)), {
      description: 'Newest first. No download links: GET the export for one (audited).',
    }),
    nextCursor: z.optional(doc(z.string(), { description: 'Send as cursor for the next page.' })),
  }),
);

const auditExportFields = {
  exportId: z.string(),
  accountId: z.string(),
  from: instant('Start of the range asked for (inclusive).'),
  to: instant('End of the range asked for (inclusive).'),
  status: exportFields.status,
  requestedAt: instant(),
  completedAt: z.optional(instant()),
  expiresAt: z.optional(instant('When the archive is deleted (completedAt + 7 days).')),
  sizeBytes: z.optional(z.int()),
  manifestSha256: z.optional(sha256Hex()),
  failure: z.optional(z.string()),
};

export const AuditExportRequested = named(
  'AuditExportRequested',
  z.object({
    ...auditExportFields,
    duplicate: doc(z.boolean(), {
      description:
        'true when an export of the account (of either kind) was already running: this is that one (one open export per account).',
    }),
  }),
);

export const AuditExportStatus = named(
  'AuditExportStatus',
  z.object({
    ...auditExportFields,
    download: z.optional(
      doc(
        z.object({
          url: uri(
            'A presigned GET of this one archive version, valid 15 minutes; handing it out is audited first.',
          ),
          fileName: z.string(),
          expiresAt: instant(),
        }),
        { description: 'Present when READY. Unzip it and run `caseline verify-audit DIR --key KEY`.' },
      ),
    ),
  }),
);

export const AuditExportList = named(
  'AuditExportList',
  z.object({
    exports: doc(z.array(z.object(auditExportFields)), {
      description: 'Newest first. No download links: GET the audit export for one (audited).',
    }),
    nextCursor: z.optional(doc(z.string(), { description: 'Send as cursor for the next page.' })),
  }),
);

export const AcceptResult = named(
  'AcceptResult',
  z.object({
    orderId: z.string(),
    status: z.enum(['ACCEPTED', 'ARCHIVED']),
  }),
);

export const RevisionResult = named(
  'RevisionResult',
  z.object({
    orderId: z.string(),
    status: z.enum(['QUEUED']),
    revision: z.int().check(z.minimum(1), z.maximum(3)),
  }),
);

export const AssignmentList = named(
  'AssignmentList',
  z.object({
    assignments: z.array(Assignment),
  }),
);

export const HeartbeatResult = named(
  'HeartbeatResult',
  z.object({
    orderId: z.string(),
    leaseExpiresAt: instant(),
  }),
);

export const InputLinks = named(
  'InputLinks',
  z.object({
    orderId: z.string(),
    expiresAt: instant(),
    files: z.array(FileLink),
  }),
);

export const DesignUpload = named(
  'DesignUpload',
  z.object({
    fileId: z.string(),
    version: z.int().check(z.minimum(1)),
    upload: z.object({
      mode: z.enum(['single']),
      method: z.enum(['PUT']),
      url: uri(),
      headers: z.record(z.string(), z.string()),
      expiresAt: instant(),
    }),
  }),
);

export const SubmitDesignResult = named(
  'SubmitDesignResult',
  z.object({
    orderId: z.string(),
    status: z.enum(['QA']),
    version: z.int().check(z.minimum(1)),
  }),
);

export const ReleaseResult = named(
  'ReleaseResult',
  z.object({
    orderId: z.string(),
    status: z.enum(['QUEUED']),
  }),
);

export const DesignerList = named(
  'DesignerList',
  z.object({
    designers: z.array(Designer),
  }),
);

export const PublicKey = named(
  'PublicKey',
  z.object({
    keyId: z.string(),
    algorithm: z.literal('ECDSA_SHA_256'),
    publicKeyPem: doc(z.string(), { description: 'SPKI public key, PEM-encoded.' }),
  }),
);

export const AuditEvent = named(
  'AuditEvent',
  z.object({
    eventId: z.string(),
    seq: doc(z.number(), {
      description: 'Place in write order: what decides which digest seals it (docs/audit.md).',
    }),
    at: instant('The time the event claims.'),
    accountId: doc(z.string(), { description: 'The account whose data was touched (the owner).' }),
    actorSub: z.string(),
    actorRole: z.string(),
    actorAccountId: z.string(),
    action: z.string(),
    outcome: z.enum(['ALLOWED', 'DENIED']),
    sourceIp: z.string(),
    orderId: z.optional(z.string()),
    fileId: z.optional(z.string()),
    reason: z.optional(z.string()),
    route: z.optional(z.string()),
  }),
);

export const AuditEventPage = named(
  'AuditEventPage',
  z.object({
    events: z.array(AuditEvent),
    cursor: z.optional(
      doc(z.string(), { description: 'Pass back unchanged for the next page; absent on the last.' }),
    ),
  }),
);

export const AuditDigests = named(
  'AuditDigests',
  z.object({
    globals: doc(z.array(z.record(z.string(), z.unknown())), {
      description: 'Signed global digests of the runs whose window meets the range (docs/audit.md).',
    }),
    accounts: doc(z.array(z.record(z.string(), z.unknown())), {
      description: "The account's signed digests of those runs.",
    }),
  }),
);

export const ProcessingRecord = named(
  'ProcessingRecord',
  z.object({
    record: z.string(),
    generatedAt: instant(),
    range: z.object({ from: instant(), to: instant() }),
    processor: z.object({ name: z.string(), role: z.string() }),
    controller: doc(z.record(z.string(), z.unknown()), {
      description: 'The account: id, legal name, country, state, status and BAA (no contacts).',
    }),
    dataSubjects: z.array(z.string()),
    categoriesOfData: z.array(
      z.object({ category: z.string(), items: z.array(z.string()), protection: z.string() }),
    ),
    purposes: z.array(z.string()),
    subProcessors: doc(
      z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          services: z.array(z.string()),
          purpose: z.string(),
          data: z.enum(['PHI', 'personal data', 'ids and codes only']),
          region: z.string(),
          countries: z.optional(z.array(z.string())),
        }),
      ),
      { description: 'From common/sub-processors.ts; AWS services in the stack region.' },
    ),
    transfers: z.object({
      description: z.string(),
      countries: doc(
        z.array(z.object({ country: z.string(), designers: z.int(), firstAt: instant(), lastAt: instant() })),
        {
          description:
            "ISO 3166-1 alpha-2 countries of the designers who acted on the account's orders in the range (ZZ: not recorded).",
        },
      ),
      unknownCountry: z.optional(z.string()),
    }),
    retention: z.record(z.string(), z.union([z.int(), z.string()])),
    deletionCertificates: z.array(
      z.object({
        certificateId: z.string(),
        kind: z.enum(['order', 'account-summary']),
        orderId: z.optional(z.string()),
        reason: z.string(),
        deletedAt: instant(),
        backupsClearBy: instant(),
        href: z.optional(z.string()),
      }),
    ),
    incidents: z.object({ recorded: z.array(z.record(z.string(), z.unknown())), note: z.string() }),
  }),
);

export const Health = named('Health', z.object({ status: z.literal('ok'), service: z.literal('caseline') }));

export const OrderSummary = named(
  'OrderSummary',
  z.object({
    orderId: z.string(),
    caseRef: doc(z.string(), { description: "The lab's case number." }),
    status: z.enum(ORDER_STATUSES),
    turnaround: z.enum(['standard', 'rush']),
    createdAt: instant(),
    submittedAt: z.optional(instant()),
    dueAt: z.optional(instant('When the design is due (set at submission).')),
    itemCount: z.int().check(z.minimum(1)),
  }),
);

const OrderItem = z.object({
  type: doc(z.string(), { description: 'Restoration type id, e.g. crown.' }),
  teeth: doc(z.array(z.int()), { description: 'FDI tooth numbers in chart order; empty for a whole arch.' }),
  arch: z.optional(z.enum(['upper', 'lower', 'both'])),
  material: z.string(),
  shade: z.optional(z.string()),
  notes: z.optional(z.string()),
});

export const DraftOrder = named(
  'DraftOrder',
  z.object({
    ...OrderSummary.def.shape,
    patientRef: doc(z.string(), { description: "The lab's pseudonym or initials for the patient." }),
  }),
);

export const OrderList = named(
  'OrderList',
  z.object({
    orders: z.array(OrderSummary),
    nextCursor: z.optional(doc(z.string(), { description: 'Send as cursor for the next page.' })),
  }),
);

const FileCheck = z.object({
  ok: z.boolean(),
  checkedAt: instant(),
  versionId: z.optional(z.string()),
  problem: z.optional(doc(z.string(), { description: 'Set when ok is false: what to fix.' })),
  mesh: z.optional(
    z.object({
      format: z.string(),
      triangles: z.int(),
      vertices: z.int(),
      bbox: z.object({ min: z.array(z.number()), max: z.array(z.number()) }),
    }),
  ),
});

export const Order = named(
  'Order',
  z.object({
    ...DraftOrder.def.shape,
    notes: z.optional(z.string()),
    remake: z.boolean(),
    closedReason: z.optional(z.string()),
    deliveredVersion: z.optional(z.int().check(z.minimum(1))),
    deliveredAt: z.optional(instant()),
    revisionCount: z.optional(z.int().check(z.minimum(1), z.maximum(3))),
    acceptedAt: z.optional(instant()),
    autoAccepted: z.optional(z.boolean()),
    archivedAt: z.optional(instant()),
    purgeAfter: z.optional(
      instant('When the order will be purged (archived, rejected, cancelled or stuck).'),
    ),
    items: z.array(OrderItem),
    filesDeletion: z.optional(z.object({ requestedAt: instant(), purgeAt: instant() })),
    filesPurgedAt: z.optional(instant()),
    files: z.array(
      z.object({
        fileId: z.string(),
        name: z.string(),
        format: z.enum(['stl', 'ply', 'obj']),
        sizeBytes: z.int().check(z.minimum(1)),
        sha256: sha256Hex(),
        uploaded: z.boolean(),
        check: z.optional(FileCheck),
      }),
    ),
    timeline: z.array(
      z.object({
        orderId: z.string(),
        at: instant(),
        type: doc(z.string(), { description: 'e.g. CREATED, SUBMITTED, QUEUED, DELIVERED.' }),
        by: z.string(),
        detail: z.optional(z.record(z.string(), z.union([z.string(), z.number()]))),
      }),
    ),
  }),
);

export const CancelledDraft = named(
  'CancelledDraft',
  z.object({
    orderId: z.string(),
    status: z.literal('CANCELLED'),
    removedObjects: doc(z.int().check(z.minimum(0)), { description: 'Uploads removed at once.' }),
  }),
);

export const DeletionRequest = named(
  'DeletionRequest',
  z.object({
    orderId: z.string(),
    scope: z.enum(['files', 'order']),
    requestedAt: instant(),
    requestedBy: z.string(),
    purgeAt: instant('When the purge runs unless the request is withdrawn first.'),
  }),
);

export const DeletionWithdrawn = named(
  'DeletionWithdrawn',
  z.object({ orderId: z.string(), status: z.enum(ORDER_STATUSES), deletionRequest: z.null() }),
);

const PresignedPut = z.object({
  mode: z.literal('single'),
  method: z.literal('PUT'),
  url: uri(),
  headers: doc(z.record(z.string(), z.string()), { description: 'Send these headers with the PUT.' }),
  expiresAt: instant(),
});

export const ScanUpload = named(
  'ScanUpload',
  z.object({
    fileId: z.string(),
    upload: z.union([
      PresignedPut,
      z.object({
        mode: z.literal('multipart'),
        partSize: z.int().check(z.minimum(1)),
        partCount: z.int().check(z.minimum(1)),
        next: doc(z.string(), { description: 'The route that hands out part URLs.' }),
        complete: doc(z.string(), { description: 'The route that completes the upload.' }),
      }),
    ]),
  }),
);

const Part = z.object({ partNumber: z.int().check(z.minimum(1)), etag: z.string() });

export const PartUrls = named(
  'PartUrls',
  z.object({
    fileId: z.string(),
    partSize: z.int().check(z.minimum(1)),
    partCount: z.int().check(z.minimum(1)),
    completed: z.array(Part),
    parts: z.array(z.object({ partNumber: z.int().check(z.minimum(1)), url: uri() })),
    expiresAt: instant(),
  }),
);

export const UploadCompleted = named(
  'UploadCompleted',
  z.object({ fileId: z.string(), uploaded: z.literal(true), sizeBytes: z.int().check(z.minimum(1)) }),
);

export const SubmitResult = named(
  'SubmitResult',
  z.object({
    orderId: z.string(),
    status: z.enum(ORDER_STATUSES),
    executionArn: z.string(),
    dueAt: z.optional(instant()),
    duplicate: doc(z.boolean(), { description: 'true when the order had already been submitted.' }),
  }),
);

/** The success responses of each route, by status code. */
export const SUCCESS: Readonly<Record<string, Readonly<Record<string, z.ZodMiniType | null>>>> = {
  'GET /health': { 200: Health },
  'POST /orders': { 201: DraftOrder },
  'GET /orders': { 200: OrderList },
  'GET /orders/{orderId}': { 200: Order },
  'DELETE /orders/{orderId}': { 200: CancelledDraft, 202: DeletionRequest },
  'POST /orders/{orderId}/uploads': { 201: ScanUpload },
  'POST /orders/{orderId}/uploads/{fileId}/parts': { 200: PartUrls },
  'POST /orders/{orderId}/uploads/{fileId}/complete': { 200: UploadCompleted },
  'POST /orders/{orderId}/submit': { 202: SubmitResult },
  'GET /orders/{orderId}/deliverables': { 200: Deliverables },
  'GET /orders/{orderId}/inputs': { 200: InputLinks },
  'POST /orders/{orderId}/resume': { 200: ResumeResult, 202: ResumeResult },
  'POST /orders/{orderId}/accept': { 200: AcceptResult },
  'POST /orders/{orderId}/revisions': { 202: RevisionResult },
  'POST /queue/claim': { 200: Assignment, 204: null },
  'GET /assignments': { 200: AssignmentList },
  'GET /assignments/{orderId}': { 200: Assignment },
  'POST /assignments/{orderId}/heartbeat': { 200: HeartbeatResult },
  'GET /assignments/{orderId}/inputs': { 200: InputLinks },
  'POST /assignments/{orderId}/uploads': { 201: DesignUpload },
  'POST /assignments/{orderId}/submit': { 202: SubmitDesignResult },
  'POST /assignments/{orderId}/release': { 200: ReleaseResult },
  'GET /designers': { 200: DesignerList },
  'POST /designers': { 201: Designer },
  'PATCH /designers/{designerId}': { 200: Designer },
  'DELETE /designers/{designerId}': { 200: Designer },
  'DELETE /orders/{orderId}/files': { 202: DeletionRequest },
  'DELETE /orders/{orderId}/deletion-request': { 200: DeletionWithdrawn },
  'GET /orders/{orderId}/certificate': { 200: SignedCertificate },
  'GET /certificates/public-key': { 200: PublicKey },
  'GET /audit/public-key': { 200: PublicKey },
  'GET /audit/events': { 200: AuditEventPage },
  'GET /audit/digests': { 200: AuditDigests },
  'GET /accounts/{accountId}/processing-record': { 200: ProcessingRecord },
  'POST /accounts/{accountId}/terminate': { 200: SignedCertificate },
  'GET /accounts/{accountId}/policy': { 200: AccountPolicy },
  'PUT /accounts/{accountId}/policy': { 200: AccountPolicy },
  'POST /accounts/{accountId}/exports': { 202: ExportRequested },
  'GET /accounts/{accountId}/exports': { 200: ExportList },
  'GET /accounts/{accountId}/exports/{exportId}': { 200: ExportStatus },
  'POST /accounts/{accountId}/audit-exports': { 202: AuditExportRequested },
  'GET /accounts/{accountId}/audit-exports': { 200: AuditExportList },
  'GET /accounts/{accountId}/audit-exports/{exportId}': { 200: AuditExportStatus },
  'POST /accounts': { 201: Account },
  'GET /accounts': { 200: AccountList },
  'GET /accounts/{accountId}': { 200: Account },
  'PATCH /accounts/{accountId}': { 200: Account },
  'POST /accounts/{accountId}/users': { 201: AccountUser },
  'GET /accounts/{accountId}/users': { 200: AccountUserList },
  'DELETE /accounts/{accountId}/users/{userId}': { 200: UserRemoved },
};
