/**
 * The structured logger. House rule: log ids, counts and error names only: never an event, an
 * entity, a request or a response body (they may hold PHI).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'caseline',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO',
});

/** What may be logged about an error: its name and, for our own errors, the code. Never the message of a foreign error. */
export const errorFacts = (error: unknown): { errorName: string } => ({
  errorName: error instanceof Error ? error.name : typeof error,
});
