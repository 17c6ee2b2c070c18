/**
 * The console's worker protocol end to end in Node: `serve` (the worker's side) and `runInWorker`
 * (the page's) joined by a real MessageChannel, so structured clone and transfer are Node's own.
 * The mesh worker's task fails with the very message a main-thread parse would throw, a SHA-256
 * mismatch with the viewer's message, and a success hands the arrays over without copying.
 */
import { createHash } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkAndParse,
  type ParsedPart,
  type ParseRequest,
  parseMesh,
} from '../../web/src/viewer/mesh-parse';
import { runInWorker, serve, WorkerTaskError } from '../../web/src/workers/protocol';
import { meshBytes } from '../support/mesh-factory';

type Handler = ((e: { data: unknown }) => void) | null;

/** A "worker" whose global scope is served by `serve`, over a MessageChannel. */
const startWorker = (handle: Parameters<typeof serve<ParseRequest, ParsedPart[]>>[0]) => {
  const { port1, port2 } = new MessageChannel();
  const scope = {
    onmessage: null as Handler,
    postMessage: (m: unknown, o?: { transfer?: Transferable[] }) =>
      port2.postMessage(m, (o?.transfer ?? []) as never),
  };
  port2.on('message', (data) => scope.onmessage?.({ data }));
  (globalThis as unknown as { self: typeof scope }).self = scope;
  serve<ParseRequest, ParsedPart[]>(handle);
  let terminated = false;
  const worker = {
    onmessage: null as Handler,
    onerror: null,
    onmessageerror: null,
    postMessage: (m: unknown, o?: { transfer?: Transferable[] }) =>
      port1.postMessage(m, (o?.transfer ?? []) as never),
    terminate: () => {
      terminated = true;
      port1.close();
    },
  };
  port1.on('message', (data) => worker.onmessage?.({ data }));
  return { worker: worker as unknown as Worker, terminated: () => terminated };
};

afterEach(() => {
  delete (globalThis as { self?: unknown }).self;
});

const run = (worker: Worker, request: ParseRequest) =>
  runInWorker<ParsedPart[]>(worker, request, { transfer: [request.bytes], startFailure: 'not started' });

describe('the mesh worker over the protocol', () => {
  it('hands back the parsed arrays, transferred: the sent bytes are detached, the worker ended', async () => {
    const file = meshBytes('stl-binary', { triangles: 200, seed: 9 });
    const bytes = new Uint8Array(file).buffer;
    const { worker, terminated } = startWorker(checkAndParse);
    const parts = await run(worker, {
      format: 'stl',
      bytes,
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    expect(parts[0]?.position).toBeInstanceOf(Float32Array);
    expect(parts[0]?.position).toHaveLength(200 * 9);
    expect(bytes.byteLength).toBe(0);
    expect(terminated()).toBe(true);
  });

  it('fails a broken file with the message and name the parse throws on the main thread', async () => {
    const broken = meshBytes('stl-binary-truncated');
    const thrown = (() => {
      try {
        parseMesh('stl', new Uint8Array(broken).buffer);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(thrown?.message).toBeTruthy();
    const { worker } = startWorker(checkAndParse);
    const failure = await run(worker, { format: 'stl', bytes: new Uint8Array(broken).buffer }).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(WorkerTaskError);
    expect(failure.message).toBe(thrown?.message);
    expect(failure.reason).toBe(thrown?.name);
  });

  it('refuses bytes that do not match their SHA-256 with the viewer’s message', async () => {
    const { worker } = startWorker(checkAndParse);
    const failure = await run(worker, {
      format: 'stl',
      bytes: new Uint8Array(meshBytes('stl-binary', { triangles: 10 })).buffer,
      sha256: '0'.repeat(64),
    }).catch((e) => e);
    expect(failure.message).toBe('The download does not match its SHA-256, so it was not used.');
    expect(failure.reason).toBe('MeshIntegrityError');
  });

  it('ends the worker and rejects when aborted', async () => {
    const { worker, terminated } = startWorker(() => new Promise(() => undefined));
    const stop = new AbortController();
    const pending = runInWorker(
      worker,
      { format: 'stl', bytes: new ArrayBuffer(8) },
      {
        signal: stop.signal,
        startFailure: 'not started',
      },
    ).catch((e: WorkerTaskError) => e);
    stop.abort();
    expect(((await pending) as WorkerTaskError).reason).toBe('AbortError');
    expect(terminated()).toBe(true);
  });
});
