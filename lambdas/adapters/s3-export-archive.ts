/**
 * Export archives in S3: a zip written as a stream (yazl) straight into a multipart upload, so the
 * function holds one part (8 MiB) and the zip's directory, not the archive, whatever its size.
 * Entries are pulled one at a time: the next is asked for only when the previous one is in the
 * zip, so the domain reads (and audits) each file just before it is written. SSE-KMS under the
 * account's own key, as its case files.
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import yazl from 'yazl';
import type { ArchiveEntry, ExportArchive } from '../domain/export';
import type { Clock } from '../kernel/clock';

/** Above S3's 5 MiB floor for a part; 10,000 parts of it hold 80 GB. */
export const EXPORT_PART_BYTES = 8 * 1024 * 1024;

export class S3ExportArchive implements ExportArchive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
  ) {}

  async write(
    key: string,
    entries: AsyncIterable<ArchiveEntry>,
    kmsKeyId: string,
  ): Promise<{ sizeBytes: number; versionId?: string }> {
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ContentType: 'application/zip',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: kmsKeyId,
      }),
    );
    if (!UploadId) throw new Error('S3 returned no upload id');
    const zip = new yazl.ZipFile();
    const output = zip.outputStream as Readable;
    let failure: unknown;
    let current: Readable | undefined;
    const fail = (error: unknown) => {
      failure ??= error;
      const reason = error instanceof Error ? error : new Error(String(error));
      // Ends the upload loop below, which reads the zip, and the entry being read (its S3 body).
      output.destroy(reason);
      current?.destroy(reason);
    };
    zip.on('error', fail);
    const mtime = this.clock.now();

    const feed = async () => {
      for await (const entry of entries) {
        if (failure) return;
        const stream = Readable.from(entry.body, { objectMode: false });
        current = stream;
        const written = finished(stream);
        zip.addReadStream(stream, entry.path, {
          ...(entry.sizeBytes !== undefined ? { size: entry.sizeBytes } : {}),
          compress: entry.compress,
          mtime,
        });
        await written;
      }
      zip.end();
    };

    const upload = async () => {
      const parts: { PartNumber: number; ETag: string }[] = [];
      let chunks: Buffer[] = [];
      let buffered = 0;
      let total = 0;
      const sendPart = async () => {
        const PartNumber = parts.length + 1;
        const body = Buffer.concat(chunks, buffered);
        chunks = [];
        buffered = 0;
        const { ETag } = await this.s3.send(
          new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId, PartNumber, Body: body }),
        );
        if (!ETag) throw new Error('S3 returned no ETag for a part');
        parts.push({ PartNumber, ETag });
      };
      for await (const chunk of output as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        buffered += chunk.byteLength;
        total += chunk.byteLength;
        if (buffered >= EXPORT_PART_BYTES) await sendPart();
      }
      if (buffered > 0 || parts.length === 0) await sendPart();
      const { VersionId } = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      return { sizeBytes: total, ...(VersionId ? { versionId: VersionId } : {}) };
    };

    try {
      const [, result] = await Promise.all([
        feed().catch((error: unknown) => {
          fail(error);
          throw error;
        }),
        upload().catch((error: unknown) => {
          fail(error);
          throw error;
        }),
      ]);
      return result;
    } catch (error) {
      try {
        await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId }));
      } catch {
        // Best effort: the bucket's lifecycle rule aborts incomplete uploads after a day.
      }
      throw failure ?? error;
    }
  }
}
