/**
 * The catalogue of Lambda functions: which handler file, which HTTP route or workflow task it
 * serves, and exactly which resources it may touch. Plain data, read by the CDK app (one
 * NodejsFunction each, least-privilege grants from `access`) and by the local stack (routes
 * and Task states dispatch to the same handler modules).
 */

import {
  BUCKETS,
  type BucketId,
  type KeyId,
  type StateMachineId,
  type TableId,
  type TopicId,
} from '../common/definitions';
import { ROUTE_ROLES, type Role } from '../common/roles';

export type { Role } from '../common/roles';
export { ROLES } from '../common/roles';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The scope every route that names roles requires of a token. Cognito puts it in the access
 * tokens of its user-pool API sign-in (SRP) and in no id token, so requiring it is how the API
 * Gateway JWT authorizer, which checks iss, aud/client_id, exp and scopes but not token_use,
 * refuses an id token. The local stand-in requires the same (local/idp.ts).
 */
export const API_SCOPE = 'aws.cognito.signin.user.admin';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** API Gateway route path, e.g. /orders/{orderId}. */
  readonly path: string;
  /**
   * Groups allowed past the authorizer; empty means public (no token). Declared once, by function,
   * in common/roles.ts, whose ROUTE_ROLES the HTTP edge (lambdas/runtime/http.ts) enforces
   * again before any domain code runs.
   */
  readonly roles: readonly Role[];
}

/** DynamoDB item actions a grant may name (no Scan, no batch, no PartiQL, no transactions). */
export type TableAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/**
 * A table grant narrower than a level: these actions only, and, with `leadingKeys`, only on
 * items whose partition key matches one of the patterns (dynamodb:LeadingKeys, StringLike).
 */
export interface TableGrant {
  readonly actions: readonly TableAction[];
  readonly leadingKeys?: readonly string[];
  /**
   * Reads (GetItem, Query) on any key and the table's indexes, while writes keep `leadingKeys`:
   * for a job that reads across key families but writes only its own items.
   */
  readonly readsAnyKey?: true;
}

export type ObjectAction =
  | 's3:GetObject'
  | 's3:GetObjectVersion'
  | 's3:PutObject'
  | 's3:AbortMultipartUpload'
  | 's3:DeleteObject'
  | 's3:DeleteObjectVersion';
export type ListAction = 's3:ListBucket' | 's3:ListBucketVersions';

/**
 * A bucket grant narrower than a level: these object actions, on keys matching `keys` (an IAM
 * pattern under the bucket, default every order's prefix), and these bucket-level list actions.
 */
export interface BucketGrant {
  readonly objects: readonly ObjectAction[];
  readonly list?: readonly ListAction[];
  readonly keys?: string;
}

/**
 * What a function may do to each resource. `append` on a table is PutItem only, guarded by a
 * condition so it cannot overwrite: that is how the audit log stays append-only (and every role
 * is denied the other writes on it, see lib/compute.ts).
 */
export type AccountKeyUse = 'encrypt' | 'decrypt' | 'describe' | 'create' | 'shred';

export interface AccessDefinition {
  readonly tables?: Partial<Record<TableId, 'read' | 'readWrite' | 'append' | TableGrant>>;
  /** A list of grants: each its own statement, on its own keys (read one prefix, write another). */
  readonly buckets?: Partial<
    Record<BucketId, 'read' | 'readWrite' | 'put' | 'delete' | BucketGrant | readonly BucketGrant[]>
  >;
  readonly keys?: Partial<
    Record<KeyId, 'encrypt' | 'decrypt' | 'encryptDecrypt' | 'sign' | 'publicKey' | 'mac'>
  >;
  /** describe: DescribeExecution on the machine's executions (the watchdog compares orders with them). */
  readonly stateMachines?: Partial<Record<StateMachineId, 'start' | 'taskResponse' | 'describe'>>;
  /**
   * The partner accounts' own keys (created at run time, alias/caseline/account/<id>): PHI fields
   * under them (`encrypt`, `decrypt`: keys by alias, with the account in the encryption context),
   * the key's ARN for an upload (`describe`), onboarding (`create`), termination (`shred`). S3's use
   * of them for case files comes with any bucket grant, as the bucket key's does.
   */
  readonly accountKeys?: readonly AccountKeyUse[];
  readonly topics?: Partial<Record<TopicId, 'publish'>>;
  /** Admin calls on the Cognito user pool (inviting, signing out, removing a partner's users). */
  readonly userPool?: readonly UserPoolAction[];
}

export type UserPoolAction =
  | 'cognito-idp:AdminCreateUser'
  | 'cognito-idp:AdminAddUserToGroup'
  | 'cognito-idp:AdminUserGlobalSignOut'
  | 'cognito-idp:AdminDeleteUser';

export interface FunctionDefinition {
  /** Logical id, also the name the ASL uses: ${<Id>FunctionArn}. camelCase. */
  readonly id: string;
  /** Handler file, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly routes?: readonly RouteDefinition[];
  /** True when a workflow Task state invokes it. */
  readonly task?: boolean;
  /**
   * Runs on a schedule: an EventBridge Scheduler schedule on AWS, the local stack's scheduler
   * offline (which also runs every job at once when an operator advances the clock).
   */
  readonly schedule?: { readonly everyMinutes: number };
  readonly access: AccessDefinition;
  /** Seconds; default 10. */
  readonly timeoutSeconds?: number;
  /** MB; default 512. */
  readonly memoryMb?: number;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    id: 'health',
    entry: 'lambdas/handlers/health.ts',
    description: 'Liveness: answers without touching any data.',
    routes: [{ method: 'GET', path: '/health', roles: [] }],
    access: {},
  },
  {
    id: 'createOrder',
    entry: 'lambdas/handlers/create-order.ts',
    description: 'A lab creates a draft order.',
    routes: [{ method: 'POST', path: '/orders', roles: ROUTE_ROLES.createOrder }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      keys: { caseRefMac: 'mac' },
      accountKeys: ['encrypt'],
      // A failed undo of a half-made create is an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'listOrders',
    entry: 'lambdas/handlers/list-orders.ts',
    description: 'A lab lists its orders, newest first, paged, optionally by status.',
    routes: [{ method: 'GET', path: '/orders', roles: ROUTE_ROLES.listOrders }],
    // Decrypt: the case reference of each listed order is inside its encrypted PHI.
    access: {
      tables: { orders: 'read', audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
    },
  },
  {
    id: 'getOrder',
    entry: 'lambdas/handlers/get-order.ts',
    description: 'A lab reads one of its orders (audited first).',
    routes: [{ method: 'GET', path: '/orders/{orderId}', roles: ROUTE_ROLES.getOrder }],
    access: {
      tables: { orders: 'read', audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
    },
  },
  {
    id: 'cancelOrder',
    entry: 'lambdas/handlers/cancel-order.ts',
    description:
      'A lab deletes an order: a draft is cancelled at once; a delivered one is hidden and purged after the grace period.',
    routes: [{ method: 'DELETE', path: '/orders/{orderId}', roles: ROUTE_ROLES.cancelOrder }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      // Cancelling a draft aborts its open multipart uploads and deletes its current objects;
      // versions are the purge's.
      buckets: {
        caseFiles: { objects: ['s3:DeleteObject', 's3:AbortMultipartUpload'], list: ['s3:ListBucket'] },
      },
      stateMachines: { orderWorkflow: 'taskResponse' },
    },
  },
  {
    id: 'deleteOrderFiles',
    entry: 'lambdas/handlers/delete-order-files.ts',
    description:
      "A lab asks for a delivered order's case files to be deleted: hidden now, purged after the grace period.",
    routes: [{ method: 'DELETE', path: '/orders/{orderId}/files', roles: ROUTE_ROLES.deleteOrderFiles }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      stateMachines: { orderWorkflow: 'taskResponse' },
    },
  },
  {
    id: 'withdrawDeletion',
    entry: 'lambdas/handlers/withdraw-deletion.ts',
    description: 'A lab withdraws its deletion request during the grace period.',
    routes: [
      { method: 'DELETE', path: '/orders/{orderId}/deletion-request', roles: ROUTE_ROLES.withdrawDeletion },
    ],
    access: { tables: { orders: 'readWrite', audit: 'append' } },
  },
  {
    id: 'orderCertificate',
    entry: 'lambdas/handlers/order-certificate.ts',
    description: 'A lab fetches the signed deletion certificate of a purged order.',
    routes: [{ method: 'GET', path: '/orders/{orderId}/certificate', roles: ROUTE_ROLES.orderCertificate }],
    access: { tables: { orders: 'read', audit: 'append' } },
  },
  {
    id: 'certificatePublicKey',
    entry: 'lambdas/handlers/certificate-public-key.ts',
    description: 'The public key that verifies deletion certificates (public: anyone may verify).',
    routes: [{ method: 'GET', path: '/certificates/public-key', roles: [] }],
    access: { keys: { certificateSigning: 'publicKey' } },
  },
  {
    id: 'accountPolicy',
    entry: 'lambdas/handlers/account-policy.ts',
    description:
      "Operators read and set an account's retention, auto-accept window and deletion grace period.",
    routes: [
      { method: 'GET', path: '/accounts/{accountId}/policy', roles: ROUTE_ROLES.accountPolicy },
      { method: 'PUT', path: '/accounts/{accountId}/policy', roles: ROUTE_ROLES.accountPolicy },
    ],
    // The account registry only: no order item is within its reach.
    access: { tables: { accounts: { actions: ['GetItem', 'PutItem'] }, audit: 'append' } },
  },
  {
    id: 'createAccount',
    entry: 'lambdas/handlers/create-account.ts',
    description: 'Operators onboard a BAA partner: legal name, BAA, security contacts, policy (ONBOARDING).',
    routes: [{ method: 'POST', path: '/accounts', roles: ROUTE_ROLES.createAccount }],
    access: { tables: { accounts: { actions: ['PutItem'] }, audit: 'append' }, accountKeys: ['create'] },
  },
  {
    id: 'listAccounts',
    entry: 'lambdas/handlers/list-accounts.ts',
    description: 'Operators list the partner accounts, in id order, paged.',
    routes: [{ method: 'GET', path: '/accounts', roles: ROUTE_ROLES.listAccounts }],
    access: { tables: { accounts: { actions: ['Query'] }, audit: 'append' } },
  },
  {
    id: 'getAccount',
    entry: 'lambdas/handlers/get-account.ts',
    description: "An operator, or the account's own lab-admin, reads a partner account (audited).",
    routes: [{ method: 'GET', path: '/accounts/{accountId}', roles: ROUTE_ROLES.getAccount }],
    access: { tables: { accounts: { actions: ['GetItem'] }, audit: 'append' } },
  },
  {
    id: 'updateAccount',
    entry: 'lambdas/handlers/update-account.ts',
    description:
      'Operators change a partner account (BAA, policy, status); its lab-admin its security contacts.',
    routes: [{ method: 'PATCH', path: '/accounts/{accountId}', roles: ROUTE_ROLES.updateAccount }],
    access: { tables: { accounts: { actions: ['GetItem', 'PutItem'] }, audit: 'append' } },
  },
  {
    id: 'accountUsers',
    entry: 'lambdas/handlers/account-users.ts',
    description: "A partner's lab-admin (or an operator) invites, lists and removes the account's users.",
    routes: [
      { method: 'POST', path: '/accounts/{accountId}/users', roles: ROUTE_ROLES.accountUsers },
      { method: 'GET', path: '/accounts/{accountId}/users', roles: ROUTE_ROLES.accountUsers },
      { method: 'DELETE', path: '/accounts/{accountId}/users/{userId}', roles: ROUTE_ROLES.accountUsers },
    ],
    access: {
      tables: { accounts: { actions: ['GetItem', 'Query', 'PutItem', 'DeleteItem'] }, audit: 'append' },
      userPool: [
        'cognito-idp:AdminCreateUser',
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminUserGlobalSignOut',
        'cognito-idp:AdminDeleteUser',
      ],
    },
  },
  {
    id: 'terminateAccount',
    entry: 'lambdas/handlers/terminate-account.ts',
    description: "Operators end a partner's account: every order purged, one signed summary certificate.",
    routes: [
      { method: 'POST', path: '/accounts/{accountId}/terminate', roles: ROUTE_ROLES.terminateAccount },
    ],
    access: {
      tables: {
        orders: 'readWrite',
        accounts: { actions: ['GetItem', 'UpdateItem', 'Query'] },
        designers: { actions: ['UpdateItem'] },
        audit: 'append',
      },
      // Every user of the account is signed out when the termination starts.
      userPool: ['cognito-idp:AdminUserGlobalSignOut'],
      // The purger alone: every version found by ListObjectVersions, deleted by version id.
      buckets: {
        caseFiles: {
          objects: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          list: ['s3:ListBucketVersions'],
        },
      },
      keys: { certificateSigning: 'sign' },
      // The account's key is scheduled for deletion once its data is purged.
      accountKeys: ['shred'],
      topics: { notifications: 'publish' },
    },
    timeoutSeconds: 900,
  },
  {
    id: 'purgeSweep',
    entry: 'lambdas/handlers/purge-sweep.ts',
    description:
      'Scheduled: purges orders past retention or their deletion grace period, each with a signed certificate.',
    schedule: { everyMinutes: 60 },
    access: {
      // Designers: a purged order frees the slot of a designer who still held it.
      tables: {
        orders: 'readWrite',
        accounts: { actions: ['Query', 'UpdateItem'] },
        designers: { actions: ['UpdateItem'] },
      },
      // Versions for purges; AbortMultipartUpload for a draft cancelled after DRAFT_IDLE_DAYS.
      buckets: {
        caseFiles: {
          objects: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'],
          list: ['s3:ListBucket', 's3:ListBucketVersions'],
        },
      },
      keys: { certificateSigning: 'sign' },
      // Finishing a termination shreds the account's key.
      accountKeys: ['shred'],
      topics: { notifications: 'publish', operatorAlerts: 'publish' },
      // A termination it resumes signs the account's users out again.
      userPool: ['cognito-idp:AdminUserGlobalSignOut'],
    },
    timeoutSeconds: 900,
  },
  {
    id: 'declareUpload',
    entry: 'lambdas/handlers/declare-upload.ts',
    description: 'A lab declares a scan and gets a presigned upload (single PUT or multipart).',
    routes: [{ method: 'POST', path: '/orders/{orderId}/uploads', roles: ROUTE_ROLES.declareUpload }],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      buckets: { caseFiles: { objects: ['s3:PutObject'], keys: BUCKETS.caseFiles.objectKeys.inputs } },
      accountKeys: ['encrypt', 'describe'],
    },
  },
  {
    id: 'presignParts',
    entry: 'lambdas/handlers/presign-parts.ts',
    description: 'The next batch of multipart part URLs, signed just in time; records completed parts.',
    routes: [
      { method: 'POST', path: '/orders/{orderId}/uploads/{fileId}/parts', roles: ROUTE_ROLES.presignParts },
    ],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      buckets: { caseFiles: { objects: ['s3:PutObject'], keys: BUCKETS.caseFiles.objectKeys.inputs } },
    },
  },
  {
    id: 'completeUpload',
    entry: 'lambdas/handlers/complete-upload.ts',
    description: 'Completes an upload (multipart) and confirms the object arrived with its declared size.',
    routes: [
      {
        method: 'POST',
        path: '/orders/{orderId}/uploads/{fileId}/complete',
        roles: ROUTE_ROLES.completeUpload,
      },
    ],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject', 's3:PutObject'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.inputs,
        },
      },
    },
  },
  {
    id: 'submitOrder',
    entry: 'lambdas/handlers/submit-order.ts',
    description: 'A lab submits a draft: starts exactly one workflow execution.',
    routes: [{ method: 'POST', path: '/orders/{orderId}/submit', roles: ROUTE_ROLES.submitOrder }],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      buckets: { caseFiles: 'read' },
      stateMachines: { orderWorkflow: 'start' },
    },
  },
  {
    id: 'ingest',
    entry: 'lambdas/handlers/ingest.ts',
    description: 'Workflow task: checks the uploaded files of an order and queues or rejects it.',
    task: true,
    access: {
      tables: { orders: 'readWrite' },
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject', 's3:GetObjectVersion'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.inputs,
        },
      },
      topics: { notifications: 'publish' },
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  {
    id: 'markStuck',
    entry: 'lambdas/handlers/mark-stuck.ts',
    description:
      "Workflow task: records that an order could not be processed (STUCK), gives back a designer's slot, alerts operators.",
    task: true,
    access: {
      tables: { orders: 'readWrite', designers: { actions: ['UpdateItem'] } },
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'awaitDesign',
    entry: 'lambdas/handlers/await-design.ts',
    description:
      'Workflow task (waitForTaskToken): queues the order for designers and keeps the token with it.',
    task: true,
    access: { tables: { orders: 'readWrite' } },
  },
  {
    id: 'qaDesign',
    entry: 'lambdas/handlers/qa-design.ts',
    description: 'Workflow task: checks the hand-in (size, SHA-256, mesh format, PDF report) like ingest.',
    task: true,
    access: {
      tables: { orders: 'readWrite' },
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject', 's3:GetObjectVersion'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.outputs,
        },
      },
      topics: { notifications: 'publish' },
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
  },
  {
    id: 'deliverAndAwaitDecision',
    entry: 'lambdas/handlers/deliver-and-await-decision.ts',
    description:
      "Workflow task (waitForTaskToken): DELIVERED, the designer's slot freed, the lab notified; waits for its decision.",
    task: true,
    access: {
      tables: {
        orders: 'readWrite',
        accounts: { actions: ['GetItem'] },
        designers: { actions: ['UpdateItem'] },
      },
      topics: { notifications: 'publish' },
    },
  },
  {
    id: 'archiveOrder',
    entry: 'lambdas/handlers/archive-order.ts',
    description: 'Workflow task: ARCHIVED with purgeAfter from the account retention.',
    task: true,
    access: { tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] } } },
  },
  {
    id: 'claimOrder',
    entry: 'lambdas/handlers/claim-order.ts',
    description: 'A designer leases the most urgent order it may take.',
    routes: [{ method: 'POST', path: '/queue/claim', roles: ROUTE_ROLES.claimOrder }],
    access: {
      tables: { orders: 'readWrite', designers: { actions: ['GetItem', 'UpdateItem'] }, audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
      // A failed undo, or a timeline entry after a claim that fails, is an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'listAssignments',
    entry: 'lambdas/handlers/list-assignments.ts',
    description: 'What a designer holds: prescription and pseudonym only.',
    routes: [{ method: 'GET', path: '/assignments', roles: ROUTE_ROLES.listAssignments }],
    access: {
      tables: { orders: 'read', audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
    },
  },
  {
    id: 'getAssignment',
    entry: 'lambdas/handlers/get-assignment.ts',
    description: 'One held order: prescription and pseudonym only (audited).',
    routes: [{ method: 'GET', path: '/assignments/{orderId}', roles: ROUTE_ROLES.getAssignment }],
    access: {
      tables: { orders: 'read', audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
    },
  },
  {
    id: 'heartbeatAssignment',
    entry: 'lambdas/handlers/heartbeat-assignment.ts',
    description: 'Extends the lease on a held order.',
    routes: [
      { method: 'POST', path: '/assignments/{orderId}/heartbeat', roles: ROUTE_ROLES.heartbeatAssignment },
    ],
    access: { tables: { orders: 'readWrite', audit: 'append' } },
  },
  {
    id: 'assignmentInputs',
    entry: 'lambdas/handlers/assignment-inputs.ts',
    description: 'Presigned GETs for the inputs of a held order (audited first).',
    routes: [{ method: 'GET', path: '/assignments/{orderId}/inputs', roles: ROUTE_ROLES.assignmentInputs }],
    access: {
      tables: { orders: 'read', audit: 'append' },
      buckets: { caseFiles: { objects: ['s3:GetObject', 's3:GetObjectVersion'] } },
    },
  },
  {
    id: 'declareOutput',
    entry: 'lambdas/handlers/declare-output.ts',
    description: 'Presigned upload for a design output (STL, PLY, OBJ, PDF report).',
    routes: [{ method: 'POST', path: '/assignments/{orderId}/uploads', roles: ROUTE_ROLES.declareOutput }],
    access: {
      tables: { orders: 'readWrite', audit: 'append' },
      buckets: { caseFiles: { objects: ['s3:PutObject'], keys: BUCKETS.caseFiles.objectKeys.outputs } },
      accountKeys: ['encrypt', 'describe'],
    },
  },
  {
    id: 'submitDesign',
    entry: 'lambdas/handlers/submit-design.ts',
    description: 'Hands the design in: completes the waiting workflow task.',
    routes: [{ method: 'POST', path: '/assignments/{orderId}/submit', roles: ROUTE_ROLES.submitDesign }],
    access: {
      // A refused task token sets the order aside: the designer's slot is given back, operators alerted.
      tables: { orders: 'readWrite', designers: { actions: ['UpdateItem'] }, audit: 'append' },
      topics: { operatorAlerts: 'publish' },
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject'],
          list: ['s3:ListBucket'],
          keys: BUCKETS.caseFiles.objectKeys.outputs,
        },
      },
      stateMachines: { orderWorkflow: 'taskResponse' },
    },
  },
  {
    id: 'releaseAssignment',
    entry: 'lambdas/handlers/release-assignment.ts',
    description: 'Gives a held order back to the queue.',
    routes: [
      { method: 'POST', path: '/assignments/{orderId}/release', roles: ROUTE_ROLES.releaseAssignment },
    ],
    access: {
      tables: { orders: 'readWrite', designers: { actions: ['UpdateItem'] }, audit: 'append' },
      // A requeue whose timeline entry fails is an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'orderDeliverables',
    entry: 'lambdas/handlers/order-deliverables.ts',
    description:
      "Presigned GETs for the delivered design, with its version, and for the lab's own scans (audited first).",
    routes: [
      { method: 'GET', path: '/orders/{orderId}/deliverables', roles: ROUTE_ROLES.orderDeliverables },
      { method: 'GET', path: '/orders/{orderId}/inputs', roles: ROUTE_ROLES.orderDeliverables },
    ],
    access: {
      tables: { orders: 'read', audit: 'append' },
      buckets: { caseFiles: { objects: ['s3:GetObject', 's3:GetObjectVersion'] } },
    },
  },
  {
    id: 'acceptOrder',
    entry: 'lambdas/handlers/accept-order.ts',
    description: 'The lab accepts the delivered design.',
    routes: [{ method: 'POST', path: '/orders/{orderId}/accept', roles: ROUTE_ROLES.acceptOrder }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      stateMachines: { orderWorkflow: 'taskResponse' },
      // A refused task token sets the order aside with an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'requestRevision',
    entry: 'lambdas/handlers/request-revision.ts',
    description: 'The lab asks for a revision with a reason code and a screened comment.',
    routes: [{ method: 'POST', path: '/orders/{orderId}/revisions', roles: ROUTE_ROLES.requestRevision }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      keys: { caseData: 'decrypt' },
      accountKeys: ['encrypt', 'decrypt'],
      stateMachines: { orderWorkflow: 'taskResponse' },
      // A refused task token sets the order aside with an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
  },
  {
    id: 'leaseSweep',
    entry: 'lambdas/handlers/lease-sweep.ts',
    description: 'Scheduled: expired leases go back to the queue; expired revision offers open to all.',
    schedule: { everyMinutes: 1 },
    access: {
      tables: { orders: 'readWrite', designers: { actions: ['UpdateItem'] } },
      topics: { notifications: 'publish', operatorAlerts: 'publish' },
    },
    timeoutSeconds: 60,
  },
  {
    id: 'autoAcceptSweep',
    entry: 'lambdas/handlers/auto-accept-sweep.ts',
    description: 'Scheduled: deliveries left undecided past the account window are accepted.',
    schedule: { everyMinutes: 60 },
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] } },
      stateMachines: { orderWorkflow: 'taskResponse' },
      // A refused task token sets the order aside with an operator alert.
      topics: { operatorAlerts: 'publish' },
    },
    timeoutSeconds: 60,
  },
  {
    id: 'turnaroundSweep',
    entry: 'lambdas/handlers/turnaround-sweep.ts',
    description: 'Scheduled: operators hear of orders at 80% of their turnaround, and overdue.',
    schedule: { everyMinutes: 5 },
    access: { tables: { orders: 'readWrite' }, topics: { operatorAlerts: 'publish' } },
    timeoutSeconds: 60,
  },
  {
    id: 'listDesigners',
    entry: 'lambdas/handlers/list-designers.ts',
    description: 'Operators list the designer registry.',
    routes: [{ method: 'GET', path: '/designers', roles: ROUTE_ROLES.listDesigners }],
    access: { tables: { designers: { actions: ['GetItem'] }, audit: 'append' } },
  },
  {
    id: 'createDesigner',
    entry: 'lambdas/handlers/create-designer.ts',
    description: 'Operators add a designer: skills, capacity, country.',
    routes: [{ method: 'POST', path: '/designers', roles: ROUTE_ROLES.createDesigner }],
    access: { tables: { designers: { actions: ['PutItem', 'UpdateItem'] }, audit: 'append' } },
  },
  {
    id: 'updateDesigner',
    entry: 'lambdas/handlers/update-designer.ts',
    description: "Operators change a designer's skills, capacity, country or active flag.",
    routes: [{ method: 'PATCH', path: '/designers/{designerId}', roles: ROUTE_ROLES.updateDesigner }],
    access: { tables: { designers: { actions: ['GetItem', 'UpdateItem'] }, audit: 'append' } },
  },
  {
    id: 'deactivateDesigner',
    entry: 'lambdas/handlers/deactivate-designer.ts',
    description:
      'Operators deactivate a designer (kept for the international-transfer record, never deleted).',
    routes: [{ method: 'DELETE', path: '/designers/{designerId}', roles: ROUTE_ROLES.deactivateDesigner }],
    access: { tables: { designers: { actions: ['GetItem', 'UpdateItem'] }, audit: 'append' } },
  },
  {
    id: 'intakeWatchdog',
    entry: 'lambdas/handlers/intake-watchdog.ts',
    description:
      'Scheduled: stalled intakes, and orders whose execution is no longer running, become STUCK; operators are alerted.',
    schedule: { everyMinutes: 5 },
    access: {
      tables: { orders: 'readWrite', designers: { actions: ['UpdateItem'] } },
      stateMachines: { orderWorkflow: 'describe' },
      topics: { operatorAlerts: 'publish' },
    },
    timeoutSeconds: 60,
  },
  {
    id: 'resumeOrder',
    entry: 'lambdas/handlers/resume-order.ts',
    description:
      'Operators resume a STUCK order from its last good status: one new execution, however often clicked (audited).',
    routes: [{ method: 'POST', path: '/orders/{orderId}/resume', roles: ROUTE_ROLES.resumeOrder }],
    access: {
      tables: { orders: 'readWrite', accounts: { actions: ['GetItem'] }, audit: 'append' },
      stateMachines: { orderWorkflow: 'start' },
    },
  },
  {
    id: 'requestExport',
    entry: 'lambdas/handlers/request-export.ts',
    description:
      "A lab's administrator asks for an export of its account (GDPR Art 20): one open export per account.",
    routes: [{ method: 'POST', path: '/accounts/{accountId}/exports', roles: ROUTE_ROLES.requestExport }],
    access: {
      tables: {
        orders: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], leadingKeys: ['ACCOUNT#*'] },
        audit: 'append',
      },
      stateMachines: { accountExport: 'start' },
    },
  },
  {
    id: 'exportStatus',
    entry: 'lambdas/handlers/export-status.ts',
    description:
      "The account's exports, newest first; where one stands and, when ready, a 15-minute presigned GET of the archive (audited first).",
    routes: [
      { method: 'GET', path: '/accounts/{accountId}/exports', roles: ROUTE_ROLES.exportStatus },
      { method: 'GET', path: '/accounts/{accountId}/exports/{exportId}', roles: ROUTE_ROLES.exportStatus },
    ],
    access: {
      tables: { orders: { actions: ['GetItem', 'Query'], leadingKeys: ['ACCOUNT#*'] }, audit: 'append' },
      // The presigned GET is signed by this role: it may read exports, nothing else.
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject', 's3:GetObjectVersion'],
          keys: BUCKETS.caseFiles.objectKeys.exports,
        },
      },
    },
  },
  {
    id: 'exportAccount',
    entry: 'lambdas/handlers/export-account.ts',
    description:
      'Workflow task: writes an account export, a streamed zip of every order with a signed manifest.',
    task: true,
    access: {
      // Orders, files and timelines read; export records finished (UpdateItem, DeleteItem of the slot).
      tables: { orders: { actions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem'] }, audit: 'append' },
      // Reads the orders' files; writes under exports/ only.
      buckets: {
        caseFiles: [
          {
            objects: ['s3:GetObject', 's3:GetObjectVersion'],
            list: ['s3:ListBucket'],
            keys: BUCKETS.caseFiles.objectKeys.order,
          },
          {
            objects: ['s3:PutObject', 's3:AbortMultipartUpload'],
            keys: BUCKETS.caseFiles.objectKeys.exports,
          },
        ],
      },
      keys: { caseData: 'decrypt', certificateSigning: 'sign' },
      accountKeys: ['decrypt', 'describe'],
    },
    // A 5 GB account at ~50 MB/s through one function is under two minutes; Lambda's ceiling is 15.
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  {
    id: 'sealAudit',
    entry: 'lambdas/handlers/seal-audit.ts',
    description:
      'Scheduled: seals the audit events written since the last run into signed, chained digests (docs/audit.md).',
    schedule: { everyMinutes: 60 },
    access: {
      // Reads the write-order index and the counter; moves its own position (SEALER) and nothing else.
      tables: {
        audit: { actions: ['Query'] },
        auditSequence: { actions: ['GetItem', 'UpdateItem'] },
      },
      buckets: { auditDigests: { objects: ['s3:PutObject'], keys: '*' } },
      keys: { auditSigning: 'sign' },
    },
    timeoutSeconds: 300,
  },
  {
    id: 'auditPublicKey',
    entry: 'lambdas/handlers/audit-public-key.ts',
    description: 'The public key that verifies audit digests (public: anyone may verify).',
    routes: [{ method: 'GET', path: '/audit/public-key', roles: [] }],
    access: { keys: { auditSigning: 'publicKey' } },
  },
  {
    id: 'auditTrail',
    entry: 'lambdas/handlers/audit-trail.ts',
    description:
      "Auditors read any account's audit events (by account or actor, paged) and the digests that cover them; every read audited.",
    routes: [
      { method: 'GET', path: '/audit/events', roles: ROUTE_ROLES.auditTrail },
      { method: 'GET', path: '/audit/digests', roles: ROUTE_ROLES.auditTrail },
    ],
    access: {
      tables: { audit: { actions: ['PutItem', 'Query'] } },
      buckets: { auditDigests: { objects: ['s3:GetObject'], list: ['s3:ListBucket'], keys: '*' } },
    },
    // A digest request reads up to 1,000 digests from S3 (one GET each, in parallel).
    timeoutSeconds: 60,
  },
  {
    id: 'processingRecord',
    entry: 'lambdas/handlers/processing-record.ts',
    description:
      "The account's record of processing (GDPR Art 30(2)): data, purposes, sub-processors, designers' countries, retention, deletion certificates.",
    routes: [
      {
        method: 'GET',
        path: '/accounts/{accountId}/processing-record',
        roles: ROUTE_ROLES.processingRecord,
      },
    ],
    access: {
      tables: {
        accounts: { actions: ['GetItem'] },
        orders: { actions: ['GetItem', 'Query'] },
        designers: { actions: ['GetItem'] },
        audit: { actions: ['PutItem', 'Query'] },
        incidents: { actions: ['GetItem', 'Query'] },
      },
    },
    // Up to 20,000 audit events and 20,000 orders, a page of 100 at a time.
    timeoutSeconds: 60,
  },
  {
    id: 'requestAuditExport',
    entry: 'lambdas/handlers/request-audit-export.ts',
    description:
      "An account's lab-admin (or a staff auditor) asks for the account's audit events and digests of a range, as a signed archive.",
    routes: [
      { method: 'POST', path: '/accounts/{accountId}/audit-exports', roles: ROUTE_ROLES.requestAuditExport },
    ],
    access: {
      tables: {
        orders: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], leadingKeys: ['ACCOUNT#*'] },
        audit: 'append',
      },
      stateMachines: { auditExport: 'start' },
    },
  },
  {
    id: 'auditExportStatus',
    entry: 'lambdas/handlers/audit-export-status.ts',
    description:
      "The account's audit exports, newest first; where one stands and, when ready, a 15-minute presigned GET of the archive (audited first).",
    routes: [
      { method: 'GET', path: '/accounts/{accountId}/audit-exports', roles: ROUTE_ROLES.auditExportStatus },
      {
        method: 'GET',
        path: '/accounts/{accountId}/audit-exports/{exportId}',
        roles: ROUTE_ROLES.auditExportStatus,
      },
    ],
    access: {
      tables: { orders: { actions: ['GetItem', 'Query'], leadingKeys: ['ACCOUNT#*'] }, audit: 'append' },
      buckets: {
        caseFiles: {
          objects: ['s3:GetObject', 's3:GetObjectVersion'],
          keys: BUCKETS.caseFiles.objectKeys.exports,
        },
      },
    },
  },
  {
    id: 'exportAuditTrail',
    entry: 'lambdas/handlers/export-audit-trail.ts',
    description:
      "Workflow task: writes an audit export, a streamed zip of the account's events, their digests and a manifest signed with the audit key.",
    task: true,
    access: {
      tables: {
        // Export records read and finished, the slot given back (ACCOUNT# items only); for the
        // record of processing, the account's orders by index and their deletion certificates.
        orders: {
          actions: ['GetItem', 'Query', 'UpdateItem', 'DeleteItem'],
          leadingKeys: ['ACCOUNT#*'],
          readsAnyKey: true,
        },
        accounts: { actions: ['GetItem'] },
        audit: { actions: ['Query'] },
        // A designer's country (the CSV, the record's transfers).
        designers: { actions: ['GetItem'] },
        // The incidents that touched the account (the record of processing).
        incidents: { actions: ['GetItem', 'Query'] },
      },
      buckets: {
        caseFiles: {
          objects: ['s3:PutObject', 's3:AbortMultipartUpload'],
          keys: BUCKETS.caseFiles.objectKeys.exports,
        },
        auditDigests: { objects: ['s3:GetObject'], list: ['s3:ListBucket'], keys: '*' },
      },
      keys: { auditSigning: 'sign' },
      accountKeys: ['describe'],
    },
    timeoutSeconds: 900,
    memoryMb: 1024,
  },
  {
    id: 'detectBreaches',
    entry: 'lambdas/handlers/detect-breaches.ts',
    description:
      'Scheduled: breach detection from the audit events written since its last run (probing, bulk access, a removed user, audit writes failing); what fires opens or joins an incident.',
    schedule: { everyMinutes: 1 },
    access: {
      tables: {
        // The write-order index only (never a scan); its own items and the counter in the sequence table.
        audit: { actions: ['Query'] },
        auditSequence: { actions: ['GetItem', 'PutItem', 'UpdateItem'] },
        designers: { actions: ['GetItem'] },
        incidents: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
      },
      stateMachines: { incidentWorkflow: 'start' },
    },
    // Up to 5,000 events a run; the lease (2 minutes) outlasts it.
    timeoutSeconds: 60,
  },
  {
    id: 'securitySignal',
    entry: 'lambdas/handlers/security-signal.ts',
    description:
      'AWS security signals: GuardDuty findings on the case-files bucket and CloudTrail records of a bucket or key protection weakened (EventBridge rules, lib/security-signals.ts) open or join an incident.',
    access: {
      tables: { incidents: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] } },
      stateMachines: { incidentWorkflow: 'start' },
    },
  },
  {
    id: 'reportIncident',
    entry: 'lambdas/handlers/report-incident.ts',
    description:
      'Anyone signed in reports a suspected breach: a report signal that opens an incident or joins the open one.',
    routes: [{ method: 'POST', path: '/incidents/reports', roles: ROUTE_ROLES.reportIncident }],
    access: {
      tables: { incidents: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] }, audit: 'append' },
      stateMachines: { incidentWorkflow: 'start' },
    },
  },
  {
    id: 'incidentStep',
    entry: 'lambdas/handlers/incident-step.ts',
    description:
      "The incident workflow's tasks (page, scope from the audit trail, the waits' tokens, the failure alert) and, scheduled, the breach-notice deadline sweep: alerts at 50% and 80%, preliminary notices, re-sends.",
    task: true,
    // The deadline sweep: one function with the workflow's tasks (the stack is near CloudFormation's 500 resources).
    schedule: { everyMinutes: 5 },
    access: {
      tables: {
        incidents: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem'] },
        audit: { actions: ['Query'] },
        orders: { actions: ['GetItem', 'Query'] },
        accounts: { actions: ['GetItem'] },
      },
      topics: { notifications: 'publish', operatorAlerts: 'publish' },
    },
    // Up to 20,000 audit events, a page of 100 at a time.
    timeoutSeconds: 120,
  },
  {
    id: 'labNotices',
    entry: 'lambdas/handlers/lab-notices.ts',
    description:
      "A lab's notices: the list, one notice with its orders' patient references (decrypted for that lab only, audited first), the acknowledgement.",
    routes: [
      { method: 'GET', path: '/notices', roles: ROUTE_ROLES.labNotices },
      { method: 'GET', path: '/notices/{noticeId}', roles: ROUTE_ROLES.labNotices },
      { method: 'POST', path: '/notices/{noticeId}/acknowledge', roles: ROUTE_ROLES.labNotices },
    ],
    access: {
      tables: {
        incidents: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem'] },
        orders: { actions: ['GetItem'] },
        audit: 'append',
      },
      keys: { caseData: 'decrypt' },
      accountKeys: ['decrypt'],
    },
  },
  {
    id: 'readIncidents',
    entry: 'lambdas/handlers/read-incidents.ts',
    description:
      'Privacy officers and auditors read incidents (timeline, signals, scope, time left per account) and the breach register; every read audited.',
    // The register first: on the local stack the first matching route wins (API Gateway prefers the literal).
    routes: [
      { method: 'GET', path: '/incidents/register', roles: ROUTE_ROLES.readIncidents },
      { method: 'GET', path: '/incidents', roles: ROUTE_ROLES.readIncidents },
      { method: 'GET', path: '/incidents/{incidentId}', roles: ROUTE_ROLES.readIncidents },
    ],
    access: { tables: { incidents: { actions: ['GetItem', 'Query'] }, audit: 'append' } },
  },
  {
    id: 'incidentOfficer',
    entry: 'lambdas/handlers/incident-officer.ts',
    description:
      "The privacy officer's acts on an incident: triage, notices (edit, send), containment, close; answers the workflow's waits.",
    routes: [
      { method: 'POST', path: '/incidents/{incidentId}/triage', roles: ROUTE_ROLES.incidentOfficer },
      {
        method: 'PUT',
        path: '/incidents/{incidentId}/notices/{accountId}',
        roles: ROUTE_ROLES.incidentOfficer,
      },
      {
        method: 'POST',
        path: '/incidents/{incidentId}/notices/{accountId}',
        roles: ROUTE_ROLES.incidentOfficer,
      },
      { method: 'POST', path: '/incidents/{incidentId}/containment', roles: ROUTE_ROLES.incidentOfficer },
      { method: 'POST', path: '/incidents/{incidentId}/close', roles: ROUTE_ROLES.incidentOfficer },
    ],
    access: {
      tables: {
        incidents: { actions: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'] },
        // Containment: the designer deactivated, its orders requeued; a lab user found in its account.
        designers: { actions: ['GetItem', 'UpdateItem'] },
        accounts: { actions: ['GetItem', 'Query'] },
        orders: { actions: ['GetItem', 'Query', 'UpdateItem', 'PutItem'] },
        audit: 'append',
      },
      userPool: ['cognito-idp:AdminUserGlobalSignOut'],
      stateMachines: { incidentWorkflow: 'taskResponse' },
      // Notices to the labs' contacts; a refused task token is an alert to operators and officers.
      topics: { notifications: 'publish', operatorAlerts: 'publish' },
    },
  },
];

export const routesOf = (fns: readonly FunctionDefinition[] = FUNCTIONS) =>
  fns.flatMap((fn) => (fn.routes ?? []).map((route) => ({ ...route, fn })));

/** The ASL placeholder that carries a task function's ARN: createOrder -> CreateOrderFunctionArn. */
export const functionArnPlaceholder = (id: string): string =>
  `${id.charAt(0).toUpperCase()}${id.slice(1)}FunctionArn`;
