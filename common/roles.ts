/**
 * Who may call each HTTP route, by function id: plain data with no imports, the one declaration
 * of route roles. lib/functions.ts puts it on each route (the API Gateway authorizer, the local
 * stack and docs/openapi.json read it there) and the HTTP edge (runtime/http.ts) enforces it before
 * any domain code runs, so a handler reads its roles without importing lib/.
 */

export type Role = 'lab' | 'designer' | 'privacy-officer' | 'auditor' | 'operator';
export const ROLES: readonly Role[] = ['lab', 'designer', 'privacy-officer', 'auditor', 'operator'];

/** Function id to the roles every one of its routes admits; public routes (health) are absent. */
export const ROUTE_ROLES = {
  createOrder: ['lab'],
  listOrders: ['lab'],
  getOrder: ['lab'],
  cancelOrder: ['lab'],
  deleteOrderFiles: ['lab'],
  withdrawDeletion: ['lab'],
  orderCertificate: ['lab'],
  accountPolicy: ['operator'],
  terminateAccount: ['operator'],
  declareUpload: ['lab'],
  presignParts: ['lab'],
  completeUpload: ['lab'],
  submitOrder: ['lab'],
  claimOrder: ['designer'],
  listAssignments: ['designer'],
  getAssignment: ['designer'],
  heartbeatAssignment: ['designer'],
  assignmentInputs: ['designer'],
  declareOutput: ['designer'],
  submitDesign: ['designer'],
  releaseAssignment: ['designer'],
  orderDeliverables: ['lab'],
  acceptOrder: ['lab'],
  requestRevision: ['lab'],
  listDesigners: ['operator'],
  createDesigner: ['operator'],
  updateDesigner: ['operator'],
  deactivateDesigner: ['operator'],
  resumeOrder: ['operator'],
  // Staff auditors read any account's audit trail and digests, nothing else (docs/audit.md).
  auditTrail: ['auditor'],
} as const satisfies Readonly<Record<string, readonly Role[]>>;
