/**
 * The one check of a stored file, shared by ingest (the lab's inputs) and QA (the designer's
 * hand-in): the object exists, has the declared size, its bytes (read once, streamed) have the
 * declared SHA-256, and it is the format it claims. The version HEAD found is the version read
 * and recorded, so a download presigned for it hands out exactly the bytes that were checked.
 *
 * A storage failure (HEAD or the read) is not the lab's or the designer's fault: it is thrown as
 * a TransientError, which the workflow's task states retry with backoff before setting the order
 * aside. A bad file is not an error: it is a FileCheck with a problem a person can act on.
 */
import { createHash } from 'node:crypto';
import { TransientError } from '../kernel/errors';
import { inspectFile } from './mesh';
import type { FileCheck, FileFormat, OrderFile } from './order';
import type { FileStore } from './ports';

const PDF_MAGIC = Buffer.from('%PDF-');

/** A PDF is not a mesh: its bytes are hashed and its magic checked, nothing more. */
const inspectPdf = async (body: AsyncIterable<Uint8Array>) => {
  const hash = createHash('sha256');
  let first = Buffer.alloc(0);
  for await (const chunk of body) {
    hash.update(chunk);
    if (first.length < PDF_MAGIC.length)
      first = Buffer.concat([first, Buffer.from(chunk).subarray(0, PDF_MAGIC.length - first.length)]);
  }
  return {
    sha256: hash.digest('hex'),
    problem: first.equals(PDF_MAGIC) ? undefined : 'The design report is not a PDF. Upload it again.',
    mesh: undefined,
  };
};

export const checkStoredFile = async (
  files: Pick<FileStore, 'head' | 'read'>,
  file: Pick<OrderFile, 'key' | 'format' | 'sizeBytes' | 'sha256'>,
  checkedAt: string,
): Promise<FileCheck> => {
  try {
    const head = await files.head(file.key);
    if (!head) return { ok: false, checkedAt, problem: 'The file never arrived. Upload it again.' };
    if (head.sizeBytes !== file.sizeBytes) {
      return {
        ok: false,
        checkedAt,
        problem: `The stored file has ${head.sizeBytes} bytes but ${file.sizeBytes} were declared: the upload is incomplete or a different file. Upload it again.`,
      };
    }
    const pinned = head.versionId ? { versionId: head.versionId } : {};
    const body = files.read(file.key, head.versionId);
    const inspection =
      file.format === 'pdf' ? await inspectPdf(body) : await inspectFile(file.format as FileFormat, body);
    if (inspection.sha256 !== file.sha256) {
      return {
        ok: false,
        checkedAt,
        ...pinned,
        problem:
          'The file content does not match the SHA-256 declared for it: it changed or was damaged in transit. Upload it again.',
      };
    }
    if (inspection.problem) return { ok: false, checkedAt, ...pinned, problem: inspection.problem };
    return { ok: true, checkedAt, ...pinned, ...(inspection.mesh ? { mesh: inspection.mesh } : {}) };
  } catch (cause) {
    throw new TransientError('Reading a stored file failed; the step will be retried.', { cause });
  }
};
