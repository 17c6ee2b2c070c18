/**
 * Domain errors: what went wrong, in terms of the domain, never of the transport. Each class
 * ends in `Error`, sets a stable `name` (ASL Retry/Catch blocks match on it; a test checks every
 * name the ASL matches belongs to a class below), carries a machine `code` for clients and a
 * message written for the person who must act on it (a lab technician, a designer, an operator),
 * and takes `{ cause }`. None carries an HTTP status: `runtime/http.ts` maps each class to one, in
 * one table. Messages and details never carry PHI or raw SDK errors; the underlying cause travels
 * in `cause`, which is never sent to a caller.
 */

export interface FieldIssue {
  /** Path of the offending field, e.g. `items[0].teeth`. */
  readonly field: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract override readonly name: string;
  /** A short machine-readable code for clients, e.g. ORDER_STUCK. */
  abstract readonly code: string;
  /** Extra, PHI-free fields merged into the response body. */
  readonly details: Readonly<Record<string, unknown>> = {};
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION_FAILED';
  override readonly details: { readonly fields: readonly FieldIssue[] };
  constructor(fields: readonly FieldIssue[], options?: ErrorOptions) {
    super(
      fields.length === 1 && fields[0]
        ? `${fields[0].field}: ${fields[0].message}`
        : `${fields.length} fields need attention: ${fields.map((f) => f.field).join(', ')}`,
      options,
    );
    this.details = { fields };
  }
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'UNAUTHORIZED';
  constructor(
    message = 'Sign in again: the access token is missing, invalid or expired.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly code = 'FORBIDDEN';
  constructor(message = 'Your role does not allow this action.', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Also used for another account's resources: they must be indistinguishable from missing ones. */
export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code: string;
  override readonly details: Readonly<Record<string, unknown>>;
  constructor(
    message: string,
    code = 'CONFLICT',
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** The audit trail could not be written: the read it guarded must not happen (fail closed). */
export class AuditUnavailableError extends DomainError {
  override readonly name = 'AuditUnavailableError';
  readonly code = 'AUDIT_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('This request needs an audit record and it could not be written. Try again shortly.', options);
  }
}

/**
 * A dependency (S3, a table) failed in a way a retry may fix. The order workflow's task states
 * retry on this name with backoff before they give up and set the order aside.
 */
export class TransientError extends DomainError {
  override readonly name = 'TransientError';
  readonly code = 'TRANSIENT';
}

/**
 * Step Functions refused a task token (TaskDoesNotExist, InvalidToken, TaskTimedOut): nothing
 * waits for this order any more. Not a retryable fault: the order must go STUCK and alert.
 */
export class TaskTokenRefusedError extends DomainError {
  override readonly name = 'TaskTokenRefusedError';
  readonly code = 'TASK_TOKEN_REFUSED';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the workflow refused the task token (${reason})`, options);
  }
}

/** A dependency (KMS, the workflow, a table) failed and the change was undone: retrying is safe. */
export class ServiceUnavailableError extends DomainError {
  override readonly name = 'ServiceUnavailableError';
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('Nothing was changed: a service this step needs did not answer. Try again shortly.', options);
  }
}

/** The order's workflow no longer waits for it: it is STUCK and operators were alerted. */
export class OrderStuckError extends DomainError {
  override readonly name = 'OrderStuckError';
  readonly code = 'ORDER_STUCK';
  override readonly details: { readonly orderId: string };
  constructor(orderId: string, options?: ErrorOptions) {
    super(
      `Order ${orderId} lost its place in the workflow and was set aside as STUCK; operators were alerted and will resume it. Nothing else is needed from you.`,
      options,
    );
    this.details = { orderId };
  }
}

/** A workflow task was started for an order that does not exist (or not in that account). */
export class OrderNotFoundError extends DomainError {
  override readonly name = 'OrderNotFoundError';
  readonly code = 'ORDER_NOT_FOUND';
  override readonly details: { readonly orderId: string };
  constructor(orderId: string, options?: ErrorOptions) {
    super(`Order ${orderId} was not found.`, options);
    this.details = { orderId };
  }
}

/** An order with this id was already written (ids are random: a retry of a create that landed). */
export class OrderExistsError extends DomainError {
  override readonly name = 'OrderExistsError';
  readonly code = 'ORDER_EXISTS';
  override readonly details: { readonly orderId: string };
  constructor(orderId: string, options?: ErrorOptions) {
    super(`Order ${orderId} already exists.`, options);
    this.details = { orderId };
  }
}

/** A workflow task found the order in a status its step cannot start from. Not retryable. */
export class UnexpectedOrderStateError extends DomainError {
  override readonly name = 'UnexpectedOrderStateError';
  readonly code = 'UNEXPECTED_ORDER_STATE';
  override readonly details: { readonly orderId: string; readonly expected: string };
  constructor(orderId: string, expected: string, options?: ErrorOptions) {
    super(`Order ${orderId} is no longer ${expected}; this step cannot run on it.`, options);
    this.details = { orderId, expected };
  }
}

/** The order changed while its purge was starting: the purge runs again on the next sweep. */
export class PurgeConflictError extends DomainError {
  override readonly name = 'PurgeConflictError';
  readonly code = 'PURGE_CONFLICT';
  override readonly details: { readonly orderId: string };
  constructor(orderId: string, options?: ErrorOptions) {
    super(`Order ${orderId} changed while its purge was starting; the purge will run again.`, options);
    this.details = { orderId };
  }
}

/** Objects were still there after the purge deleted them: no certificate until none is left. */
export class PurgeIncompleteError extends DomainError {
  override readonly name = 'PurgeIncompleteError';
  readonly code = 'PURGE_INCOMPLETE';
  override readonly details: { readonly orderId: string; readonly objectsLeft: number };
  constructor(orderId: string, objectsLeft: number, options?: ErrorOptions) {
    super(`${objectsLeft} objects of order ${orderId} survived the purge; it will run again.`, options);
    this.details = { orderId, objectsLeft };
  }
}

/**
 * The account may not send PHI: no BAA on file (or not yet in effect), or not ACTIVE (onboarding,
 * suspended). Codes BAA_REQUIRED and ACCOUNT_NOT_ACTIVE; the lab's administrator or Caseline acts.
 */
export class AccountNotActiveError extends DomainError {
  override readonly name = 'AccountNotActiveError';
  readonly code: 'BAA_REQUIRED' | 'ACCOUNT_NOT_ACTIVE';
  override readonly details: { readonly accountId: string; readonly status?: string };
  constructor(
    code: 'BAA_REQUIRED' | 'ACCOUNT_NOT_ACTIVE',
    message: string,
    details: { readonly accountId: string; readonly status?: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/**
 * An audit export's range ends after the last sealing run: its events are not all in a signed
 * digest yet. The export workflow waits and tries again (the sealer runs hourly), so the archive
 * always verifies; after its last try the export fails with this name.
 */
export class RangeNotSealedError extends DomainError {
  override readonly name = 'RangeNotSealedError';
  readonly code = 'RANGE_NOT_SEALED';
}

/** Every domain error class: `runtime/http.ts` must give each a status, and the ASL tests read the names. */
export const DOMAIN_ERRORS = [
  ValidationError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  AuditUnavailableError,
  TransientError,
  TaskTokenRefusedError,
  ServiceUnavailableError,
  OrderStuckError,
  OrderNotFoundError,
  OrderExistsError,
  UnexpectedOrderStateError,
  PurgeConflictError,
  PurgeIncompleteError,
  AccountNotActiveError,
  RangeNotSealedError,
] as const;

export type DomainErrorName = InstanceType<(typeof DOMAIN_ERRORS)[number]>['name'];
