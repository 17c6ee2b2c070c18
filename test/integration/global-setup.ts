/**
 * Starts one local stack (in memory, random ports) for the integration run and hands its
 * addresses to the tests, which reach it only over the wire.
 */
import type { TestProject } from 'vitest/node';
import type { LocalStack } from '../../local/stack';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    endpoints: { dynamodb: string; s3: string; kms: string; sfn: string; sns: string; eventbridge: string };
    stackEnv: Record<string, string>;
  }
}

let stack: LocalStack | undefined;

export async function setup(project: TestProject) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Business metrics (EMF lines on stdout) stay quiet like the logs: nothing here reads them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // Imported only now: the logger reads its level when its module first loads.
  const { startLocalStack } = await import('../../local/stack');
  stack = await startLocalStack({
    port: 0,
    // Retries wait 0 s in tests: the backoff is in the ASL, the tests check the behaviour.
    retryIntervalOverrides: { Ingest: 0, MarkStuck: 0 },
  });
  project.provide('apiUrl', stack.apiUrl);
  project.provide('endpoints', stack.endpoints);
  project.provide('stackEnv', stack.env);
}

export async function teardown() {
  await stack?.stop();
}
