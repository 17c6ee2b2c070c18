/**
 * The middy wiring of every handler that is not an HTTP route: workflow tasks (Step Functions
 * invokes them with ids only) and scheduled sweeps. Like the HTTP edge, each log line carries the
 * Lambda context and never the event; errors propagate unchanged, since the workflow's Retry and
 * Catch match on their names.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { withLambdaContext } from './logger';

export const taskHandler = <E, R>(fn: (event: E, context: Context) => Promise<R>) =>
  middy<E, R, Error, Context>().use(withLambdaContext<E, R>()).handler(fn);
