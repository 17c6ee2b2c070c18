/**
 * The structured logger. House rule: log ids, counts and error names only: never an event, an
 * entity, a request or a response body (they may hold PHI).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caseline',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});

/** What may be logged about an error: its name and, for our own errors, the code. Never the message of a foreign error. */
export const errorFacts = (error: unknown): { errorName: string } => ({
  errorName: error instanceof Error ? error.name : typeof error,
});

/**
 * middy middleware for every handler (the HTTP edge, workflow tasks, sweeps): each log line of an
 * invocation carries its Lambda context (request id, function name and version, cold start).
 * Never the event: `logEvent: false` also overrides POWERTOOLS_LOGGER_LOG_EVENT=true, since an
 * event holds a request body (PHI). Keys appended during an invocation are dropped after it.
 * Register it first, so its `onError` runs last, after the error is logged with the context.
 */
export const withLambdaContext = <E, R>(): MiddlewareObj<E, R> => {
  const inject = injectLambdaContext(logger, { logEvent: false, resetKeys: true });
  return {
    // A handler called without a context (a unit test, a direct call) logs without one.
    before: async (request) => {
      if (request.context) await inject.before?.(request as never);
    },
    after: async (request) => {
      await inject.after?.(request as never);
    },
    onError: async (request) => {
      await inject.onError?.(request as never);
    },
  };
};
