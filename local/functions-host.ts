/**
 * Hosts the Lambda handlers in-process: the same modules `cdk deploy` bundles, imported lazily
 * (after the stack has set the environment their config reads) and called with a Lambda-shaped
 * context. With `bundleDir`, each handler is imported from its built bundle
 * (`<bundleDir>/<id>/index.mjs`, scripts/bundles.ts) instead of the TypeScript source: what
 * `npm run check:bundles` drives, so a problem only the bundle has shows up.
 */
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { BUNDLE_FILE } from '../lib/bundling';
import { FUNCTIONS, type FunctionDefinition } from '../lib/functions';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export const localFunctionName = (id: string) => `caseline-${id}`;
export const localFunctionArn = (region: string, accountId: string, id: string) =>
  `arn:aws:lambda:${region}:${accountId}:function:${localFunctionName(id)}`;

export class FunctionsHost {
  private readonly loaded = new Map<string, Promise<Handler>>();
  private readonly byName = new Map<string, FunctionDefinition>();
  /** Catalogue id → the file its handler was imported from. */
  readonly loadedFrom = new Map<string, string>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    functions: readonly FunctionDefinition[] = FUNCTIONS,
    private readonly bundleDir?: string,
  ) {
    for (const fn of functions) {
      this.byName.set(fn.id, fn);
      this.byName.set(localFunctionName(fn.id), fn);
      this.byName.set(localFunctionArn(region, accountId, fn.id), fn);
    }
  }

  definition(nameOrArn: string): FunctionDefinition | undefined {
    return this.byName.get(nameOrArn);
  }

  private handlerOf(fn: FunctionDefinition): Promise<Handler> {
    let handler = this.loaded.get(fn.id);
    if (!handler) {
      const file = this.bundleDir ? resolve(this.bundleDir, fn.id, BUNDLE_FILE) : resolve(ROOT, fn.entry);
      this.loadedFrom.set(fn.id, file);
      handler = import(pathToFileURL(file).href).then((mod: { handler?: Handler }) => {
        if (typeof mod.handler !== 'function') throw new Error(`${file} does not export a handler`);
        return mod.handler;
      });
      this.loaded.set(fn.id, handler);
    }
    return handler;
  }

  /** Invoke like Lambda: resolves with the handler's result, rejects with its error (name kept). */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const fn = this.definition(nameOrArn);
    if (!fn) {
      const error = new Error(`Function not found: ${nameOrArn}`);
      error.name = 'Lambda.ResourceNotFoundException';
      throw error;
    }
    const handler = await this.handlerOf(fn);
    const timeoutMs = (fn.timeoutSeconds ?? 10) * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: localFunctionName(fn.id),
      functionVersion: '$LATEST',
      invokedFunctionArn: localFunctionArn(this.region, this.accountId, fn.id),
      memoryLimitInMB: String(fn.memoryMb ?? 512),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${localFunctionName(fn.id)}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    } satisfies Context;
    return handler(event, context);
  }
}
