/**
 * Which adapter methods each catalogue function calls (lib/adapter-calls.ts), read from its
 * handler and the domain functions it reaches. Plain data, keyed by catalogue id.
 *
 * Two uses: test/infra/least-privilege.test.ts derives from it the exact IAM actions each function
 * needs and compares them with what its role is granted (`access` in lib/functions.ts), in both
 * directions; and each handler wires exactly the adapters its entry names (from
 * lambdas/runtime/wiring/, one module per adapter), checked by test/unit/wiring.test.ts.
 */
import { type AdapterUses, ORDER_ALL, ORDER_READS } from './adapter-calls';

const AUDITED = { audit: ['append', 'countFailure'] } as const satisfies AdapterUses;
/** The incident intake (raiseSignal): opens or joins an incident, starts its workflow or re-scope. */
const RAISES_SIGNALS = {
  incidents: [
    'recordSignal',
    'assignSignal',
    'takeJoinKey',
    'releaseJoinKey',
    'create',
    'get',
    'update',
    'addSignal',
    'addTimeline',
  ],
  incidentWorkflow: ['start', 'rescope'],
} as const satisfies AdapterUses;

export const FUNCTION_ADAPTERS: Readonly<Record<string, AdapterUses>> = {
  health: {},
  // The account is checked before the write and again after it (a termination recorded meanwhile).
  createOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    accounts: ['stateOf'],
    phi: ['encrypt'],
    hasher: ['mac'],
    notifier: ['operatorAlert'],
  },
  listOrders: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  getOrder: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  // requestDeletion: a draft is cancelled (uploads aborted, objects deleted); a delivered order is
  // accepted first (its waiting task completed); the grace period comes from the account policy.
  cancelOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    accounts: ['policyFor'],
    files: ['abortMultipart', 'deletePrefix'],
    workflow: ['completeTask'],
  },
  deleteOrderFiles: { ...AUDITED, orders: ORDER_ALL, accounts: ['policyFor'], workflow: ['completeTask'] },
  withdrawDeletion: { ...AUDITED, orders: ORDER_ALL },
  orderCertificate: { ...AUDITED, orders: ORDER_READS, purgeStore: ['orderCertificate'] },
  certificatePublicKey: { signer: ['publicKeyDer'] },
  accountPolicy: { ...AUDITED, accounts: ['get', 'replace'] },
  // Onboarding creates the account's own KMS key before the record (idempotent by its alias).
  createAccount: { ...AUDITED, accounts: ['create'], accountKeys: ['ensureKey'] },
  listAccounts: { ...AUDITED, accounts: ['list'] },
  getAccount: { ...AUDITED, accounts: ['get'] },
  updateAccount: { ...AUDITED, accounts: ['get', 'replace'] },
  // Invite, list, remove (a removal signs the user out everywhere, then deletes it).
  accountUsers: {
    ...AUDITED,
    accounts: ['get', 'addUser', 'users', 'removeUser'],
    identity: ['invite', 'signOut', 'remove'],
  },
  // A termination already done answers its certificate; one killed midway is taken up again.
  terminateAccount: {
    ...AUDITED,
    orders: ORDER_ALL,
    accounts: ['stateOf', 'startTermination', 'finishTermination', 'users'],
    identity: ['signOut'],
    purgeStore: ['saveManifest', 'anonymise', 'saveCertificate', 'orderCertificate', 'accountCertificate'],
    purger: ['purgePrefix', 'remaining'],
    signer: ['sign', 'publicKeyDer'],
    designers: ['releaseSlot'],
    notifier: ['notify'],
    // Once the purge is done, the account's key is scheduled for deletion.
    accountKeys: ['scheduleDeletion'],
  },
  // Also finishes terminations that were killed midway, and cancels idle drafts (their uploads
  // aborted and deleted, as a lab's cancel does).
  purgeSweep: {
    orders: ORDER_ALL,
    files: ['abortMultipart', 'deletePrefix'],
    accounts: ['terminating', 'finishTermination', 'users'],
    identity: ['signOut'],
    purgeStore: ['saveManifest', 'anonymise', 'saveCertificate', 'orderCertificate'],
    purger: ['purgePrefix', 'remaining'],
    signer: ['sign', 'publicKeyDer'],
    designers: ['releaseSlot'],
    notifier: ['notify', 'operatorAlert'],
    accountKeys: ['scheduleDeletion'],
  },
  declareUpload: {
    ...AUDITED,
    orders: ORDER_ALL,
    phi: ['encrypt'],
    accountKeys: ['keyOf'],
    files: ['startMultipart', 'presignPut'],
  },
  presignParts: { ...AUDITED, orders: ORDER_ALL, files: ['presignPart'] },
  completeUpload: { ...AUDITED, orders: ORDER_ALL, files: ['completeMultipart', 'head'] },
  submitOrder: { ...AUDITED, orders: ORDER_ALL, files: ['head'], workflow: ['start'] },
  ingest: { orders: ORDER_ALL, files: ['head', 'read'], notifier: ['notify'] },
  // A stranded order gives its designer's slot back.
  markStuck: { orders: ORDER_ALL, designers: ['releaseSlot'], notifier: ['operatorAlert'] },
  awaitDesign: { orders: ORDER_ALL },
  qaDesign: { orders: ORDER_ALL, files: ['head', 'read'], notifier: ['notify'] },
  deliverAndAwaitDecision: {
    orders: ORDER_ALL,
    accounts: ['policyFor'],
    designers: ['releaseSlot'],
    notifier: ['notify'],
  },
  archiveOrder: { orders: ORDER_ALL, accounts: ['policyFor'] },
  claimOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    designers: ['get', 'acquireSlot', 'releaseSlot'],
    phi: ['decrypt'],
    // An undo or a timeline entry after a claim that fails is an operator alert.
    notifier: ['operatorAlert'],
  },
  listAssignments: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  getAssignment: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  heartbeatAssignment: { ...AUDITED, orders: ORDER_ALL },
  assignmentInputs: { ...AUDITED, orders: ORDER_READS, files: ['presignGet'] },
  // Uploads are written under the order's account key: its ARN is looked up first.
  declareOutput: {
    ...AUDITED,
    orders: ORDER_ALL,
    phi: ['encrypt'],
    accountKeys: ['keyOf'],
    files: ['presignPut'],
  },
  // A task token Step Functions refuses strands the order (domain/recovery.ts strandOrder): the
  // designer's slot is given back and operators are alerted. The same for accept and revise.
  submitDesign: {
    ...AUDITED,
    orders: ORDER_ALL,
    files: ['head'],
    workflow: ['completeTask'],
    designers: ['releaseSlot'],
    notifier: ['operatorAlert'],
  },
  releaseAssignment: {
    ...AUDITED,
    orders: ORDER_ALL,
    designers: ['releaseSlot'],
    notifier: ['operatorAlert'],
  },
  orderDeliverables: { ...AUDITED, orders: ORDER_READS, files: ['presignGet'] },
  // The policy dates a delivery stored before the auto-accept date was kept on the order.
  acceptOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    accounts: ['policyFor'],
    workflow: ['completeTask'],
    notifier: ['operatorAlert'],
  },
  requestRevision: {
    ...AUDITED,
    orders: ORDER_ALL,
    accounts: ['policyFor'],
    phi: ['decrypt', 'encrypt'],
    workflow: ['completeTask'],
    notifier: ['operatorAlert'],
  },
  leaseSweep: { orders: ORDER_ALL, designers: ['releaseSlot'], notifier: ['notify', 'operatorAlert'] },
  autoAcceptSweep: {
    orders: ORDER_ALL,
    accounts: ['policyFor'],
    workflow: ['completeTask'],
    notifier: ['operatorAlert'],
  },
  turnaroundSweep: { orders: ORDER_ALL, notifier: ['operatorAlert'] },
  listDesigners: { ...AUDITED, designers: ['list'] },
  createDesigner: { ...AUDITED, designers: ['create'] },
  updateDesigner: { ...AUDITED, designers: ['get', 'update'] },
  deactivateDesigner: { ...AUDITED, designers: ['get', 'update'] },
  // Stalled intakes, and orders whose execution no longer runs (then stranded like markStuck).
  intakeWatchdog: {
    orders: ORDER_ALL,
    workflow: ['executionStatus'],
    designers: ['releaseSlot'],
    notifier: ['operatorAlert'],
  },
  resumeOrder: { ...AUDITED, orders: ORDER_ALL, accounts: ['policyFor'], workflow: ['start'] },
  // Data portability: the request and the status (with its download link) touch export items only;
  // the job reads the account's orders, files and timelines, decrypts their PHI and signs the manifest.
  requestExport: { ...AUDITED, exports: ['create', 'finish'], exportWorkflow: ['start'] },
  exportStatus: { ...AUDITED, exports: ['get', 'list'], files: ['presignGet'] },
  exportAccount: {
    ...AUDITED,
    exports: ['get', 'finish'],
    archive: ['write'],
    // The archive is written under the account's own key.
    accountKeys: ['keyOf'],
    orders: ['listByAccount', 'files', 'timeline'],
    // HEAD: a draft's scan sent by a single PUT is confirmed (and its version pinned) before it is read.
    files: ['head', 'read'],
    phi: ['decrypt'],
    signer: ['sign', 'publicKeyDer'],
  },
  sealAudit: {
    ledger: ['counter', 'state', 'takeLease', 'inSequence', 'atSequence', 'commit'],
    digests: ['put'],
    auditSigner: ['sign', 'publicKeyDer'],
  },
  auditPublicKey: { auditSigner: ['publicKeyDer'] },
  auditTrail: { ...AUDITED, ledger: ['page'], digests: ['list', 'get'] },
  // The account's events by key (transfers), its orders by index and their certificates.
  processingRecord: {
    ...AUDITED,
    accounts: ['get'],
    ledger: ['page'],
    designers: ['get'],
    orders: ['listByAccount'],
    purgeStore: ['orderCertificate', 'accountCertificate'],
    // The incidents that touched the account: its notices by index, each incident's record.
    incidents: ['noticesByAccount', 'get'],
  },
  // Audit exports: the request and status touch export items only; the job reads the account's
  // events and digests, writes the archive under the account's key and signs its manifest.
  requestAuditExport: { ...AUDITED, exports: ['create', 'finish'], auditExportWorkflow: ['start'] },
  auditExportStatus: { ...AUDITED, exports: ['get', 'list'], files: ['presignGet'] },
  exportAuditTrail: {
    exports: ['get', 'finish'],
    archive: ['write'],
    accountKeys: ['keyOf'],
    ledger: ['page'],
    digests: ['list', 'get'],
    auditSigner: ['sign', 'publicKeyDer'],
    designers: ['get'],
    accounts: ['get'],
    orders: ['listByAccount'],
    purgeStore: ['orderCertificate', 'accountCertificate'],
    incidents: ['noticesByAccount', 'get'],
  },
  // Security incidents: a report is a signal (domain/incidents/raise-signal.ts).
  // Breach detection (domain/detection/): the audit events since its position, its own windows, the
  // designers' registry (capacity, active flag), and the intake (raiseSignal) for what fires.
  detectBreaches: {
    ledger: ['counter', 'inSequence', 'atSequence'],
    detector: ['takeLease', 'position', 'commit', 'failedAppends', 'window', 'saveWindow'],
    designers: ['get'],
    ...RAISES_SIGNALS,
  },
  // AWS security signals (EventBridge rules): the intake only.
  securitySignal: {
    ...RAISES_SIGNALS,
  },
  reportIncident: {
    ...AUDITED,
    ...RAISES_SIGNALS,
  },
  // Page, scope (the actor's events by index, the orders named), the re-scope when a signal joined
  // (notices refreshed, a page per new kind), the waits' tokens, the failure alert;
  // scheduled, the deadline sweep (notices whose check fell due, by the byTimer index).
  incidentStep: {
    incidents: [
      'get',
      'update',
      'signals',
      'addTimeline',
      'createNotice',
      'noticesDue',
      'notice',
      'notices',
      'updateNotice',
    ],
    ledger: ['page'],
    orders: ['get', 'files'],
    accounts: ['get'],
    notifier: ['notify', 'operatorAlert'],
  },
  // The view decrypts the patient references of the lab's own orders named in its notice.
  labNotices: {
    ...AUDITED,
    incidents: [
      'get',
      'update',
      'notice',
      'notices',
      'updateNotice',
      'noticesByAccount',
      'noticeOfAccount',
      'addTimeline',
    ],
    orders: ['get'],
    phi: ['decrypt'],
  },
  // Triage and close answer the workflow's waits (wait.ts); a dismissal withdraws the notices; notices
  // go to the account's contacts; containment deactivates (the registry's own), signs out, requeues.
  incidentOfficer: {
    ...AUDITED,
    incidents: [
      'get',
      'update',
      'signals',
      'notice',
      'notices',
      'updateNotice',
      'releaseJoinKey',
      'addTimeline',
    ],
    incidentWorkflow: ['completeTask'],
    accounts: ['get', 'users'],
    designers: ['get', 'update', 'releaseSlot'],
    identity: ['signOut'],
    orders: ['assignedTo', 'get', 'transition', 'addTimeline'],
    notifier: ['notify', 'operatorAlert'],
  },
  readIncidents: { ...AUDITED, incidents: ['get', 'list', 'signals', 'timeline', 'notices'] },
};
