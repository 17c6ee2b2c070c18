/**
 * Domain errors carry no transport: each is a named class with a machine code and a message, and
 * `runtime/http.ts` alone turns it into a status. Each class must keep its name (the ASL matches
 * names), take `{ cause }`, and have a status in the one mapping.
 */
import { describe, expect, it } from 'vitest';
import { DOMAIN_ERRORS, DomainError, TransientError } from '../../lambdas/kernel/errors';
import {
  errorResponse,
  PayloadTooLargeError,
  statusOf,
  UnsupportedMediaTypeError,
} from '../../lambdas/runtime/http';

/** One instance of each class, built with arguments its constructor accepts. */
const instances = (cause: unknown): DomainError[] =>
  DOMAIN_ERRORS.map((Class) => {
    const Ctor = Class as unknown as new (...args: unknown[]) => DomainError;
    const make = (...args: unknown[]) => new Ctor(...args);
    switch (Class.name) {
      case 'ValidationError':
        return make([{ field: 'caseRef', message: 'Too long.' }], { cause });
      case 'UnauthorizedError':
      case 'ForbiddenError':
      case 'NotFoundError':
      case 'TransientError':
        return make('A message a person can act on.', { cause });
      case 'ConflictError':
        return make('A message a person can act on.', 'CONFLICT', {}, { cause });
      case 'AuditUnavailableError':
      case 'ServiceUnavailableError':
        return make({ cause });
      case 'TaskTokenRefusedError':
        return make('TaskDoesNotExist', { cause });
      case 'UnexpectedOrderStateError':
        return make('ord_1', 'in QA', { cause });
      case 'PurgeIncompleteError':
        return make('ord_1', 2, { cause });
      case 'AccountNotActiveError':
        return make('BAA_REQUIRED', 'A message a person can act on.', { accountId: 'lab-x' }, { cause });
      default:
        return make('ord_1', { cause });
    }
  });

describe('domain errors', () => {
  it.each(instances(new Error('raw SDK error')).map((e) => [e.constructor.name, e] as const))(
    '%s: named after its class, a code, the cause kept, no HTTP status',
    (className, error) => {
      expect(error).toBeInstanceOf(DomainError);
      expect(error.name).toBe(className);
      expect(error.name).toMatch(/Error$/);
      expect(error.code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(error.message).not.toBe('');
      expect(error.cause).toEqual(new Error('raw SDK error'));
      expect(error).not.toHaveProperty('statusCode');
    },
  );

  it('every class has a status in the one mapping, and a caller never sees the cause', () => {
    for (const error of instances(new Error('arn:aws:dynamodb:secret-table AccessDenied'))) {
      const status = statusOf(error);
      expect([400, 401, 403, 404, 409, 500, 503], error.name).toContain(status);
      const response = errorResponse(error, 'req-1');
      expect(response.statusCode).toBe(status);
      expect(response.body).not.toContain('secret-table');
      expect(response.body).not.toContain('stack');
    }
  });

  it.each([
    ['ValidationError', 400],
    ['UnauthorizedError', 401],
    ['ForbiddenError', 403],
    ['AccountNotActiveError', 403],
    ['NotFoundError', 404],
    ['OrderNotFoundError', 404],
    ['ConflictError', 409],
    ['OrderStuckError', 409],
    ['AuditUnavailableError', 503],
    ['ServiceUnavailableError', 503],
    ['TransientError', 503],
  ])('%s maps to %i', (name, status) => {
    const error = instances(undefined).find((e) => e.name === name);
    expect(statusOf(error)).toBe(status);
    expect(JSON.parse(errorResponse(error, 'req-1').body ?? '{}')).toMatchObject({
      code: error?.code,
      message: error?.message,
      requestId: 'req-1',
    });
  });

  it('the edge refusals map to 413 and 415; anything unnamed is a 500 with a generic message', () => {
    expect(statusOf(new PayloadTooLargeError(1024))).toBe(413);
    expect(statusOf(new UnsupportedMediaTypeError())).toBe(415);
    const raw = Object.assign(new Error('ThrottlingException: table x'), { statusCode: 400 });
    expect(statusOf(raw)).toBe(500);
    expect(JSON.parse(errorResponse(raw, 'r').body ?? '{}')).toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong on our side. It has been logged; try again.',
      requestId: 'r',
    });
  });

  it('a plain Error named like a domain error is not trusted: only DomainError instances are mapped', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'ValidationError' });
    expect(statusOf(lookalike)).toBe(500);
    expect(new TransientError('x').name).toBe('TransientError');
  });
});
