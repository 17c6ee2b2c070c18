/**
 * Why local/sfn/promise-polyfill.ts exists: aws-local-stepfunctions 3 calls Promise.withResolvers in every Task,
 * which Node 20 lacks. These tests take the method away (so they mean the same on Node 22, where it is native),
 * show the failure the polyfill prevents, and that the polyfill and the server's import of it prevent it.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installPromiseWithResolvers } from '../../local/sfn/promise-polyfill';

type Holder = { withResolvers?: unknown };
const original = Object.getOwnPropertyDescriptor(Promise, 'withResolvers');

const removeWithResolvers = () => {
  delete (Promise as Holder).withResolvers;
  expect(typeof (Promise as Holder).withResolvers).toBe('undefined');
};

/** One Task behind a catch-all Catch: the shape that turned the missing method into a silent detour. */
const runOneTask = async () => {
  const machine = new StateMachine({
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'work', Payload: {} },
        ResultPath: '$.result',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });
  const handler = vi.fn(async () => ({ ok: true }));
  const output = (await machine.run({}, { overrides: { taskResourceLocalHandlers: { Work: handler } } })
    .result) as {
    result?: unknown;
    error?: { Error: string; Cause: string };
  };
  return { output, handler };
};

describe('Promise.withResolvers polyfill', () => {
  beforeEach(removeWithResolvers);
  afterEach(() => {
    delete (Promise as Holder).withResolvers;
    if (original) Object.defineProperty(Promise, 'withResolvers', original);
  });

  it('is needed: without it every Task fails, and a catch-all Catch hides the failure', async () => {
    const { output, handler } = await runOneTask();
    expect(handler).toHaveBeenCalledOnce(); // the work ran, yet the Task "failed"
    expect(output.result).toBeUndefined();
    expect(output.error?.Error).toBe('TypeError');
    expect(output.error?.Cause).toMatch(/withResolvers/);
  });

  it('makes the same Task succeed', async () => {
    expect(installPromiseWithResolvers()).toBe(true);
    const { output } = await runOneTask();
    expect(output).toEqual({ result: { ok: true } });
  });

  it('is idempotent and never replaces an existing implementation', () => {
    expect(installPromiseWithResolvers()).toBe(true);
    const installed = (Promise as Holder).withResolvers;
    expect(installPromiseWithResolvers()).toBe(false);
    expect((Promise as Holder).withResolvers).toBe(installed);

    const native = () => 'native';
    Object.defineProperty(Promise, 'withResolvers', { value: native, configurable: true, writable: true });
    expect(installPromiseWithResolvers()).toBe(false);
    expect((Promise as Holder).withResolvers).toBe(native);
  });

  it('behaves like the built-in: settles its promise, honours subclasses, is not enumerable', async () => {
    installPromiseWithResolvers();
    type Resolvers<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void };
    const withResolvers = <T>(ctor: PromiseConstructor): Resolvers<T> =>
      (ctor as unknown as { withResolvers: () => Resolvers<T> }).withResolvers();

    const ok = withResolvers<number>(Promise);
    ok.resolve(42);
    await expect(ok.promise).resolves.toBe(42);
    const ko = withResolvers<number>(Promise);
    ko.reject(new Error('no'));
    await expect(ko.promise).rejects.toThrow('no');

    class TrackedPromise<T> extends Promise<T> {}
    expect(withResolvers(TrackedPromise as unknown as PromiseConstructor).promise).toBeInstanceOf(
      TrackedPromise,
    );
    expect(Object.keys(Promise)).not.toContain('withResolvers');
  });

  it('is installed by loading the Step Functions server module, before the library is used', async () => {
    vi.resetModules(); // evaluate server.ts and its imports afresh, as a process would
    await import('../../local/sfn/server');
    expect(typeof (Promise as Holder).withResolvers).toBe('function');
    const { output } = await runOneTask();
    expect(output).toEqual({ result: { ok: true } });
  });
});
