/**
 * `Promise.withResolvers` for Node 20.
 *
 * aws-local-stepfunctions 3 (which declares Node >= 22) calls `Promise.withResolvers()` to race every Task
 * against its timeout. On Node 20 the call throws a TypeError inside the Task, so every Task fails, and a
 * catch-all `Catch` turns that into an ordinary-looking detour instead of a crash. Importing this module before
 * the library installs a spec-shaped fallback; where the runtime already has the method it does nothing.
 */

export interface PromiseResolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolvers = <T>(this: PromiseConstructor) => PromiseResolvers<T>;

function withResolvers<T>(this: PromiseConstructor): PromiseResolvers<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  // `this`, not `Promise`: the built-in honours subclasses (`MyPromise.withResolvers()`), so the fallback does too.
  const promise = new this<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Installs the fallback on `target` when it has no `withResolvers`. Returns true when it installed it,
 * false when one was already there (native or installed earlier), so calling it again is harmless.
 */
export function installPromiseWithResolvers(target: PromiseConstructor = Promise): boolean {
  const holder = target as PromiseConstructor & { withResolvers?: WithResolvers };
  if (typeof holder.withResolvers === 'function') return false;
  // Same attributes as the built-in: not enumerable, so it does not show up when the constructor is inspected.
  Object.defineProperty(target, 'withResolvers', {
    value: withResolvers,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  return true;
}

installPromiseWithResolvers();
