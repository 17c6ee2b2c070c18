/**
 * Item 9, logs: every handler goes through a wrapper that puts the Lambda context on each log line
 * and never hands the event to the logger, even with POWERTOOLS_LOGGER_LOG_EVENT=true (an event
 * holds a request body: PHI).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { ValidationError } from '../../lambdas/kernel/errors';
import { type HttpEvent, httpHandler } from '../../lambdas/runtime/http';
import { logger } from '../../lambdas/runtime/logger';
import { taskHandler } from '../../lambdas/runtime/task';
import { projectPath } from '../../lib/project-paths';
import { makeDeps } from '../support/fakes';

// Before the logger is built: the switch that would make Powertools log every event.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  // The integration project's setup quiets logs for the whole run; these tests read them.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

const PHI = 'Patient John Smith, DOB 03/02/1984';

const context = {
  awsRequestId: 'req-ctx-1',
  functionName: 'caseline-createOrder',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:caseline-createOrder',
  memoryLimitInMB: '512',
} as unknown as Context;

const eventWithPhi = (): HttpEvent =>
  ({
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ notes: PHI }),
    requestContext: {
      requestId: 'r-1',
      http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      authorizer: {
        jwt: { claims: { sub: 'u-1', account_id: 'lab-acme', 'cognito:groups': '[lab]' }, scopes: null },
      },
    },
  }) as unknown as HttpEvent;

let written: MockInstance;
const lines = () =>
  written.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((l) => l.trim() !== '');
const jsonLines = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>);

beforeEach(() => {
  written = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  written.mockRestore();
});

describe('the HTTP edge', () => {
  it('logs with the Lambda context and never the event, even with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    // Prepare: a route that refuses the body (a log line is written for it).
    const handler = httpHandler(
      async () => {
        throw new ValidationError([{ field: 'notes', message: 'no' }]);
      },
      { refusals: makeDeps(), roles: ['lab'] },
    );
    // Act
    const res = await handler(eventWithPhi(), context);
    // Assess
    expect(res).toMatchObject({ statusCode: 400 });
    const logged = jsonLines();
    expect(logged).toEqual([
      expect.objectContaining({
        message: 'request refused',
        function_request_id: 'req-ctx-1',
        function_name: 'caseline-createOrder',
        cold_start: expect.any(Boolean),
      }),
    ]);
    expect(lines().join('\n')).not.toMatch(/John|Smith|1984|notes/);
  });

  it('keeps keys appended in one invocation out of the next', async () => {
    // Prepare
    const handler = httpHandler(
      async ({ requestId }) => {
        logger.appendKeys({ leaked: requestId });
        return { statusCode: 200 };
      },
      { refusals: makeDeps(), roles: ['lab'] },
    );
    await handler(eventWithPhi(), context);
    // Act: a later log line, outside any invocation.
    logger.info('after');
    // Assess
    expect(jsonLines().find((l) => l.message === 'after')).not.toHaveProperty('leaked');
  });
});

describe('workflow tasks and sweeps (taskHandler)', () => {
  it('logs with the Lambda context and never the event', async () => {
    // Prepare
    const handler = taskHandler(async (event: { orderId: string; notes: string }) => {
      logger.info('task finished', { orderId: event.orderId });
      return { status: 'QUEUED' };
    });
    // Act
    const result = await handler({ orderId: 'ord_1', notes: PHI }, context);
    // Assess
    expect(result).toEqual({ status: 'QUEUED' });
    expect(jsonLines()).toEqual([
      expect.objectContaining({
        message: 'task finished',
        orderId: 'ord_1',
        function_request_id: 'req-ctx-1',
      }),
    ]);
    expect(lines().join('\n')).not.toMatch(/John|Smith|1984/);
  });

  it('lets an error through unchanged (the workflow matches on its name)', async () => {
    // Prepare
    class TransientThingError extends Error {
      override readonly name = 'TransientThingError';
    }
    const handler = taskHandler(async () => {
      throw new TransientThingError('x');
    });
    // Act / Assess
    await expect(handler({}, context)).rejects.toBeInstanceOf(TransientThingError);
  });
});

describe('every handler module', () => {
  const dir = projectPath('lambdas/handlers');
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'pre-token-generation.ts')
    .map((f) => [f, readFileSync(`${dir}/${f}`, 'utf8')] as const);

  it.each(sources)('%s goes through httpHandler or taskHandler, never a bare middy', (_file, source) => {
    // Assess (the Cognito trigger is left out: it logs nothing and uses no middy)
    expect(source).toMatch(/\b(httpHandler|taskHandler)[<(]/);
    expect(source).not.toMatch(/@middy\/core/);
  });
});
