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

const AUDITED = { audit: ['append'] } as const satisfies AdapterUses;

export const FUNCTION_ADAPTERS: Readonly<Record<string, AdapterUses>> = {
  health: {},
  // The account is checked before the write and again after it (a termination recorded meanwhile).
  createOrder: { ...AUDITED, orders: ORDER_ALL, policies: ['stateOf'], phi: ['encrypt'], hasher: ['mac'] },
  listOrders: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  getOrder: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  // requestDeletion: a draft is cancelled (uploads aborted, objects deleted); a delivered order is
  // accepted first (its waiting task completed); the grace period comes from the account policy.
  cancelOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    policies: ['policyFor'],
    files: ['abortMultipart', 'deletePrefix'],
    workflow: ['completeTask'],
  },
  deleteOrderFiles: { ...AUDITED, orders: ORDER_ALL, policies: ['policyFor'], workflow: ['completeTask'] },
  withdrawDeletion: { ...AUDITED, orders: ORDER_ALL },
  orderCertificate: { ...AUDITED, orders: ORDER_READS, purgeStore: ['orderCertificate'] },
  certificatePublicKey: { signer: ['publicKeyDer'] },
  accountPolicy: { ...AUDITED, policies: ['policyFor', 'setPolicy', 'stateOf'] },
  // A termination already done answers its certificate; one killed midway is taken up again.
  terminateAccount: {
    ...AUDITED,
    orders: ORDER_ALL,
    policies: ['stateOf', 'startTermination', 'finishTermination'],
    purgeStore: ['saveManifest', 'anonymise', 'saveCertificate', 'orderCertificate', 'accountCertificate'],
    purger: ['purgePrefix', 'remaining'],
    signer: ['sign', 'publicKeyDer'],
    designers: ['releaseSlot'],
    notifier: ['notify'],
  },
  // Also finishes terminations that were killed midway, and cancels idle drafts (their uploads
  // aborted and deleted, as a lab's cancel does).
  purgeSweep: {
    orders: ORDER_ALL,
    files: ['abortMultipart', 'deletePrefix'],
    policies: ['terminating', 'finishTermination'],
    purgeStore: ['saveManifest', 'anonymise', 'saveCertificate', 'orderCertificate'],
    purger: ['purgePrefix', 'remaining'],
    signer: ['sign', 'publicKeyDer'],
    designers: ['releaseSlot'],
    notifier: ['notify', 'operatorAlert'],
  },
  declareUpload: { ...AUDITED, orders: ORDER_ALL, phi: ['encrypt'], files: ['startMultipart', 'presignPut'] },
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
    policies: ['policyFor'],
    designers: ['releaseSlot'],
    notifier: ['notify'],
  },
  archiveOrder: { orders: ORDER_ALL, policies: ['policyFor'] },
  claimOrder: {
    ...AUDITED,
    orders: ORDER_ALL,
    designers: ['get', 'acquireSlot', 'releaseSlot'],
    phi: ['decrypt'],
  },
  listAssignments: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  getAssignment: { ...AUDITED, orders: ORDER_READS, phi: ['decrypt'] },
  heartbeatAssignment: { ...AUDITED, orders: ORDER_ALL },
  assignmentInputs: { ...AUDITED, orders: ORDER_READS, files: ['presignGet'] },
  declareOutput: { ...AUDITED, orders: ORDER_ALL, phi: ['encrypt'], files: ['presignPut'] },
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
  releaseAssignment: { ...AUDITED, orders: ORDER_ALL, designers: ['releaseSlot'] },
  orderDeliverables: { ...AUDITED, orders: ORDER_READS, files: ['presignGet'] },
  acceptOrder: { ...AUDITED, orders: ORDER_ALL, workflow: ['completeTask'], notifier: ['operatorAlert'] },
  requestRevision: {
    ...AUDITED,
    orders: ORDER_ALL,
    phi: ['decrypt', 'encrypt'],
    workflow: ['completeTask'],
    notifier: ['operatorAlert'],
  },
  leaseSweep: { orders: ORDER_ALL, designers: ['releaseSlot'], notifier: ['notify'] },
  autoAcceptSweep: { orders: ORDER_ALL, workflow: ['completeTask'], notifier: ['operatorAlert'] },
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
  resumeOrder: { ...AUDITED, orders: ORDER_ALL, policies: ['policyFor'], workflow: ['start'] },
  sealAudit: {
    ledger: ['counter', 'state', 'takeLease', 'inSequence', 'atSequence', 'commit'],
    digests: ['put'],
    auditSigner: ['sign', 'publicKeyDer'],
  },
  auditPublicKey: { auditSigner: ['publicKeyDer'] },
  auditTrail: { ...AUDITED, ledger: ['page'], digests: ['list', 'get'] },
};
