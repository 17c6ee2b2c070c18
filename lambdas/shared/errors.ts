/**
 * Named errors. `name` is stable: ASL Retry/Catch blocks match on it, and the HTTP error
 * handler maps HttpError subclasses to status codes. Messages are written for the person who
 * must act on them (a lab technician, a designer, an operator) and never carry PHI or raw SDK
 * errors; the underlying cause travels in `cause`, which is never sent to a caller.
 */

export interface FieldIssue {
  /** Path of the offending field, e.g. `items[0].teeth`. */
  readonly field: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

export abstract class HttpError extends Error {
  abstract readonly statusCode: number;
  /** A short machine-readable code for clients, e.g. ORDER_NOT_FOUND. */
  abstract readonly code: string;
  /** Extra, PHI-free fields merged into the response body. */
  readonly details: Readonly<Record<string, unknown>> = {};
}

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  readonly statusCode = 400;
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

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
  readonly code = 'UNAUTHORIZED';
  constructor(
    message = 'Sign in again: the access token is missing, invalid or expired.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  readonly statusCode = 403;
  readonly code = 'FORBIDDEN';
  constructor(message = 'Your role does not allow this action.', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Also used for another account's resources: they must be indistinguishable from missing ones. */
export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  readonly statusCode = 409;
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
export class AuditUnavailableError extends HttpError {
  override readonly name = 'AuditUnavailableError';
  readonly statusCode = 503;
  readonly code = 'AUDIT_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('This request needs an audit record and it could not be written. Try again shortly.', options);
  }
}

/** A dependency failed in a way a retry may fix. Step Functions retries on this name. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/**
 * Step Functions refused a task token (TaskDoesNotExist, InvalidToken, TaskTimedOut): nothing
 * waits for this order any more. Not a retryable fault: the order must go STUCK and alert.
 */
export class TaskTokenRefusedError extends Error {
  override readonly name = 'TaskTokenRefusedError';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the workflow refused the task token (${reason})`, options);
  }
}

/** A dependency (KMS, the workflow, a table) failed and the change was undone: retrying is safe. */
export class ServiceUnavailableError extends HttpError {
  override readonly name = 'ServiceUnavailableError';
  readonly statusCode = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
  constructor(options?: ErrorOptions) {
    super('Nothing was changed: a service this step needs did not answer. Try again shortly.', options);
  }
}

/** The order's workflow no longer waits for it: it is STUCK and operators were alerted. */
export class OrderStuckError extends HttpError {
  override readonly name = 'OrderStuckError';
  readonly statusCode = 409;
  readonly code = 'ORDER_STUCK';
  constructor(orderId: string, options?: ErrorOptions) {
    super(
      `Order ${orderId} lost its place in the workflow and was set aside as STUCK; operators were alerted and will resume it. Nothing else is needed from you.`,
      options,
    );
  }
}
