/**
 * Who may call each HTTP route, by function id: plain data with no imports, the one declaration
 * of route roles. lib/functions.ts puts it on each route (the API Gateway authorizer, the local
 * stack and docs/openapi.json read it there) and the HTTP edge (runtime/http.ts) enforces it before
 * any domain code runs, so a handler reads its roles without importing lib/.
 */

export type Role = 'lab' | 'lab-admin' | 'designer' | 'privacy-officer' | 'auditor' | 'operator';
export const ROLES: readonly Role[] = [
  'lab',
  'lab-admin',
  'designer',
  'privacy-officer',
  'auditor',
  'operator',
];

/**
 * A partner's own administrator (or compliance contact) does everything a lab user does on its
 * account, and manages its users and security contacts; the domain keeps it to its own account.
 */
const LAB = ['lab', 'lab-admin'] as const;

/** Function id to the roles every one of its routes admits; public routes (health) are absent. */
export const ROUTE_ROLES = {
  createOrder: LAB,
  listOrders: LAB,
  getOrder: LAB,
  cancelOrder: LAB,
  deleteOrderFiles: LAB,
  withdrawDeletion: LAB,
  orderCertificate: LAB,
  accountPolicy: ['operator'],
  terminateAccount: ['operator'],
  declareUpload: LAB,
  presignParts: LAB,
  completeUpload: LAB,
  submitOrder: LAB,
  claimOrder: ['designer'],
  listAssignments: ['designer'],
  getAssignment: ['designer'],
  heartbeatAssignment: ['designer'],
  assignmentInputs: ['designer'],
  declareOutput: ['designer'],
  submitDesign: ['designer'],
  releaseAssignment: ['designer'],
  orderDeliverables: LAB,
  acceptOrder: LAB,
  requestRevision: LAB,
  listDesigners: ['operator'],
  createDesigner: ['operator'],
  updateDesigner: ['operator'],
  deactivateDesigner: ['operator'],
  resumeOrder: ['operator'],
  // Data portability (GDPR Art 20): the partner's own administrator, for its own account only.
  requestExport: ['lab-admin'],
  exportStatus: ['lab-admin'],
  createAccount: ['operator'],
  listAccounts: ['operator'],
  // A lab-admin reads its own account's settings (another account answers 404, in the domain).
  getAccount: ['operator', 'lab-admin'],
  updateAccount: ['operator', 'lab-admin'],
  accountUsers: ['operator', 'lab-admin'],
  // Staff auditors read any account's audit trail and digests, nothing else (docs/audit.md).
  auditTrail: ['auditor'],
  // The account's record of processing (GDPR Art 30(2)): its own lab-admin, and staff auditors for
  // any account. Not operators: it is drawn from the audit trail, which is the auditors' alone.
  processingRecord: ['lab-admin', 'auditor'],
  // Audit exports: an account's own administrator (the domain keeps it to its account), or an auditor.
  requestAuditExport: ['lab-admin', 'auditor'],
  auditExportStatus: ['lab-admin', 'auditor'],
  // Security incidents (issue 13): anyone signed in may report one; privacy officers run them; staff
  // auditors read them and the breach register; labs read and acknowledge the notices they were sent.
  reportIncident: ROLES,
  incidentOfficer: ['privacy-officer'],
  readIncidents: ['privacy-officer', 'auditor'],
  labNotices: LAB,
} as const satisfies Readonly<Record<string, readonly Role[]>>;
