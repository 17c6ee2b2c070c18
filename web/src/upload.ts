/**
 * Uploads straight to S3 through the API's presigned URLs, as the CLI does (cli/main.ts):
 * declare (name, size, SHA-256) → one presigned PUT, or above 64 MiB a multipart upload whose
 * part URLs come in batches → complete. XMLHttpRequest, not fetch, because only XHR reports
 * upload progress. A part that fails is retried twice; then the parts that finished are
 * recorded with the API, so `resume` (the same file, its fileId) carries on after them.
 */
import { post, type Schemas } from './api';
import { runInWorker } from './workers/protocol';

export interface Progress {
  readonly sent: number;
  readonly total: number;
}

export class UploadFailedError extends Error {
  override readonly name = 'UploadFailedError';
  constructor(
    message: string,
    readonly fileId?: string,
  ) {
    super(message);
  }
}

/**
 * Hex SHA-256 of the file, as the API's declare step asks: computed in a worker, in 8 MiB slices
 * (sha256.ts), so neither the page nor its memory carries a 100 MB scan at once.
 */
export const sha256Hex = (file: Blob, onProgress?: (done: number, total: number) => void): Promise<string> =>
  runInWorker<string>(
    new Worker(new URL('./workers/hash-worker.ts', import.meta.url), { type: 'module' }),
    { blob: file },
    {
      ...(onProgress ? { onProgress } : {}),
      startFailure: 'The file could not be checked; reload the page.',
    },
  );

/** One PUT with upload progress; resolves with the ETag S3 returned (exposed by the bucket's CORS rule). */
export const putWithProgress = (
  url: string,
  headers: Readonly<Record<string, string>>,
  body: Blob,
  onProgress: (loaded: number) => void,
): Promise<string> =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    // content-length is the browser's to set (and is the body's exact size, as signed).
    for (const [k, v] of Object.entries(headers))
      if (k.toLowerCase() !== 'content-length') xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr.getResponseHeader('etag') ?? '');
      } else reject(new UploadFailedError(`Storage refused the upload (HTTP ${xhr.status}).`));
    };
    xhr.onerror = () => reject(new UploadFailedError('The connection dropped during the upload.'));
    xhr.onabort = () => reject(new UploadFailedError('The upload was stopped.'));
    // A Blob with no type: no content-type header, which the presigned URL does not sign.
    xhr.send(body.slice(0, body.size, ''));
  });

const retrying = async <T>(attempt: () => Promise<T>, tries = 3): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
};

/** Uploads one scan of a lab's draft order; resumes a multipart upload when given its fileId. */
export const uploadScan = async (
  orderId: string,
  file: File,
  onProgress: (p: Progress) => void,
  opts: { resumeFileId?: string; remake?: boolean } = {},
): Promise<string> => {
  const total = file.size;
  onProgress({ sent: 0, total });
  let fileId = opts.resumeFileId;
  if (!fileId) {
    const declared = await post<Schemas['ScanUpload']>(`/orders/${orderId}/uploads`, {
      name: file.name,
      sizeBytes: file.size,
      sha256: await sha256Hex(file),
      ...(opts.remake ? { remake: true } : {}),
    });
    fileId = declared.fileId;
    const { upload } = declared;
    if (upload.mode === 'single') {
      await retrying(() =>
        putWithProgress(upload.url, upload.headers, file, (sent) => onProgress({ sent, total })),
      );
      await post(`/orders/${orderId}/uploads/${fileId}/complete`, {});
      return fileId;
    }
  }
  const partsPath = `/orders/${orderId}/uploads/${fileId}/parts`;
  let page = await post<Schemas['PartUrls']>(partsPath, {});
  const done = new Map(page.completed.map((p) => [p.partNumber, p.etag]));
  const partBytes = (n: number) => Math.min(page.partSize, total - (n - 1) * page.partSize);
  let sent = [...done.keys()].reduce((s, n) => s + partBytes(n), 0);
  onProgress({ sent, total });
  while (page.parts.length) {
    const finished: { partNumber: number; etag: string }[] = [];
    for (const part of page.parts) {
      const start = (part.partNumber - 1) * page.partSize;
      const length = partBytes(part.partNumber);
      let etag: string;
      try {
        etag = await retrying(() =>
          putWithProgress(part.url, {}, file.slice(start, start + length), (n) =>
            onProgress({ sent: sent + n, total }),
          ),
        );
      } catch (error) {
        // Keep what finished, so a resume starts after it.
        if (finished.length)
          await post(partsPath, { completed: finished, partNumbers: [] }).catch(() => undefined);
        throw new UploadFailedError(
          `${error instanceof Error ? error.message : 'The upload failed.'} Resume to carry on where it stopped.`,
          fileId,
        );
      }
      sent += length;
      finished.push({ partNumber: part.partNumber, etag });
      done.set(part.partNumber, etag);
    }
    page = await post<Schemas['PartUrls']>(partsPath, { completed: finished });
  }
  await post(`/orders/${orderId}/uploads/${fileId}/complete`, {
    parts: [...done].map(([partNumber, etag]) => ({ partNumber, etag })),
  });
  onProgress({ sent: total, total });
  return fileId;
};

/** A designer's design file or PDF report, through its single presigned PUT. */
export const uploadDesignFile = async (orderId: string, file: File, onProgress: (p: Progress) => void) => {
  const declared = await post<Schemas['DesignUpload']>(`/assignments/${orderId}/uploads`, {
    name: file.name,
    sizeBytes: file.size,
    sha256: await sha256Hex(file),
  });
  await retrying(() =>
    putWithProgress(declared.upload.url, declared.upload.headers, file, (sent) =>
      onProgress({ sent, total: file.size }),
    ),
  );
  return declared;
};

/**
 * A presigned GET with download progress (the viewer's meshes). Not checked here: the viewer's
 * worker checks the bytes against their SHA-256 before it parses them (viewer/mesh-worker.ts).
 */
export const download = (
  url: string,
  onProgress: (p: Progress) => void,
  expected?: { sizeBytes: number },
): Promise<ArrayBuffer> =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.responseType = 'arraybuffer';
    xhr.onprogress = (e) => onProgress({ sent: e.loaded, total: expected?.sizeBytes ?? e.total });
    xhr.onload = () => {
      if (xhr.status !== 200) {
        reject(
          new UploadFailedError(`Storage refused the download (HTTP ${xhr.status}); links last 15 minutes.`),
        );
        return;
      }
      const body = xhr.response as ArrayBuffer;
      // Chromium may coalesce the last progress event into load: the bar ends at the real total.
      onProgress({ sent: body.byteLength, total: expected?.sizeBytes ?? body.byteLength });
      resolve(body);
    };
    xhr.onerror = () => reject(new UploadFailedError('The connection dropped during the download.'));
    xhr.send();
  });
