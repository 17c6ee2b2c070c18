/**
 * One request, one answer, between the console and a worker it starts for one task (hashing a
 * scan, parsing a mesh): progress on the way, the result's typed arrays transferred, not copied,
 * and a failure carried back as its name and message, so the screen shows the same clear message
 * as when the work ran on the main thread. The worker ends with its task (or when aborted).
 */
export type WorkerReply<T> =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | { readonly type: 'done'; readonly result: T }
  | { readonly type: 'failed'; readonly name: string; readonly message: string };

/** A task a worker refused or could not finish; `reason` is the name of the error it threw there. */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Runs one task in `worker` (terminated once it answers, fails or `signal` aborts). */
export const runInWorker = <T>(
  worker: Worker,
  request: unknown,
  opts: {
    transfer?: Transferable[];
    onProgress?: (done: number, total: number) => void;
    signal?: AbortSignal;
    /** What the user reads when the worker cannot even start (refused script, network). */
    startFailure: string;
  },
): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const end = () => {
      worker.terminate();
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      end();
      reject(new WorkerTaskError('Stopped.', 'AbortError'));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    worker.onmessage = (e: MessageEvent<WorkerReply<T>>) => {
      const reply = e.data;
      if (reply.type === 'progress') opts.onProgress?.(reply.done, reply.total);
      else {
        end();
        if (reply.type === 'done') resolve(reply.result);
        else reject(new WorkerTaskError(reply.message, reply.name));
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      end();
      reject(new WorkerTaskError(opts.startFailure, 'WorkerError'));
    };
    worker.onmessageerror = () => {
      end();
      reject(new WorkerTaskError(opts.startFailure, 'MessageError'));
    };
    worker.postMessage(request, { transfer: opts.transfer ?? [] });
  });

/** The worker's side: answers each request with `handle`'s result (its buffers transferred). */
export const serve = <Req, T>(
  handle: (
    request: Req,
    progress: (done: number, total: number) => void,
  ) => Promise<{ result: T; transfer?: Transferable[] }>,
) => {
  const post = (reply: WorkerReply<T>, transfer: Transferable[] = []) =>
    self.postMessage(reply, { transfer });
  self.onmessage = async (e: MessageEvent<Req>) => {
    try {
      const { result, transfer } = await handle(e.data, (done, total) =>
        post({ type: 'progress', done, total }),
      );
      post({ type: 'done', result }, transfer);
    } catch (error) {
      post({
        type: 'failed',
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  };
};
