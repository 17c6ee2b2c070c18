/**
 * The catalogue of Lambda functions: which handler file, which HTTP route or workflow task it
 * serves, and exactly which resources it may touch. Plain data, read by the CDK app (one
 * NodejsFunction each, least-privilege grants from `access`) and by the local stack (routes
 * and Task states dispatch to the same handler modules).
 */
import type { BucketId, KeyId, StateMachineId, TableId } from './definitions';

export type Role = 'lab' | 'designer' | 'privacy-officer' | 'auditor' | 'operator';
export const ROLES: readonly Role[] = ['lab', 'designer', 'privacy-officer', 'auditor', 'operator'];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway route path, e.g. /orders/{orderId}. */
  readonly path: string;
  /** Groups allowed past the authorizer; empty means public (no token). The handler re-checks. */
  readonly roles: readonly Role[];
}

/**
 * What a function may do to each resource. `append` on a table is PutItem only, guarded by a
 * condition so it cannot overwrite: that is how the audit log stays append-only.
 */
export interface AccessDefinition {
  readonly tables?: Partial<Record<TableId, 'read' | 'readWrite' | 'append'>>;
  readonly buckets?: Partial<Record<BucketId, 'read' | 'readWrite' | 'put' | 'delete'>>;
  readonly keys?: Partial<Record<KeyId, 'encrypt' | 'decrypt' | 'encryptDecrypt' | 'sign'>>;
  readonly stateMachines?: Partial<Record<StateMachineId, 'start' | 'taskResponse'>>;
}

export interface FunctionDefinition {
  /** Logical id, also the name the ASL uses: ${<Id>FunctionArn}. camelCase. */
  readonly id: string;
  /** Handler file, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes?: readonly RouteDefinition[];
  /** True when a workflow Task state invokes it. */
  readonly task?: boolean;
  readonly access: AccessDefinition;
  /** Seconds; default 10. */
  readonly timeoutSeconds?: number;
  /** MB; default 512. */
  readonly memoryMb?: number;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    id: 'health',
    entry: 'lambdas/health/handler.ts',
    description: 'Liveness: answers without touching any data.',
    routes: [{ method: 'GET', path: '/health', roles: [] }],
    access: {},
  },
  {
    id: 'createOrder',
    entry: 'lambdas/create-order/handler.ts',
    description: 'A lab creates a draft order.',
    routes: [{ method: 'POST', path: '/orders', roles: ['lab'] }],
    access: { tables: { orders: 'readWrite', audit: 'append' }, keys: { caseData: 'encrypt' } },
  },
  {
    id: 'getOrder',
    entry: 'lambdas/get-order/handler.ts',
    description: 'A lab reads one of its orders (audited first).',
    routes: [{ method: 'GET', path: '/orders/{orderId}', roles: ['lab'] }],
    access: { tables: { orders: 'read', audit: 'append' }, keys: { caseData: 'decrypt' } },
  },
  {
    id: 'submitOrder',
    entry: 'lambdas/submit-order/handler.ts',
    description: 'A lab submits a draft: starts exactly one workflow execution.',
    routes: [{ method: 'POST', path: '/orders/{orderId}/submit', roles: ['lab'] }],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      stateMachines: { orderWorkflow: 'start' },
    },
  },
  {
    id: 'ingest',
    entry: 'lambdas/ingest/handler.ts',
    description: 'Workflow task: checks the uploaded files of an order and queues or rejects it.',
    task: true,
    access: {
      tables: { orders: 'readWrite' },
      buckets: { caseFiles: 'read' },
      keys: { caseData: 'decrypt' },
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  {
    id: 'markStuck',
    entry: 'lambdas/mark-stuck/handler.ts',
    description: 'Workflow task: records that an order could not be processed and alerts operators.',
    task: true,
    access: { tables: { orders: 'readWrite' } },
  },
];

export const routesOf = (fns: readonly FunctionDefinition[] = FUNCTIONS) =>
  fns.flatMap((fn) => (fn.routes ?? []).map((route) => ({ ...route, fn })));

/** The ASL placeholder that carries a task function's ARN: createOrder -> CreateOrderFunctionArn. */
export const functionArnPlaceholder = (id: string): string =>
  `${id.charAt(0).toUpperCase()}${id.slice(1)}FunctionArn`;
