/**
 * Case files in S3. Upload URLs name one server-chosen key, sign the declared length, SHA-256
 * and SSE-KMS headers (so S3 refuses any other body, or an unencrypted one), and live at most
 * 15 minutes. Download URLs name one object version (the one a check read) and live as briefly.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FileStore, ObjectInfo } from '../domain/ports';
import { type Clock, presignedExpiry } from '../kernel/clock';
import { assertOrderPrefix } from './s3-purger';

/** Headers a client must send exactly as signed; hoisting them into the query would let any body through. */
const SIGNED_UPLOAD_HEADERS = new Set([
  'x-amz-checksum-sha256',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-sdk-checksum-algorithm',
  'content-length',
]);

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

export class S3FileStore implements FileStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
  ) {}

  async presignPut(input: {
    key: string;
    sizeBytes: number;
    sha256Base64: string;
    expiresInSeconds: number;
    kmsKeyId: string;
  }) {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: input.key,
      ContentLength: input.sizeBytes,
      ChecksumSHA256: input.sha256Base64,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: input.kmsKeyId,
    });
    // One clock reading for the signature and the expiry stated beside it.
    const signingDate = this.clock.now();
    const url = await getSignedUrl(this.s3, command, {
      expiresIn: input.expiresInSeconds,
      unhoistableHeaders: SIGNED_UPLOAD_HEADERS,
      signingDate,
    });
    return {
      url,
      headers: {
        'content-length': String(input.sizeBytes),
        'x-amz-checksum-sha256': input.sha256Base64,
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': input.kmsKeyId,
      },
      expiresAt: presignedExpiry(signingDate, input.expiresInSeconds),
    };
  }

  async startMultipart(key: string, kmsKeyId: string): Promise<string> {
    const { UploadId } = await this.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: kmsKeyId,
      }),
    );
    if (!UploadId) throw new Error('S3 returned no upload id');
    return UploadId;
  }

  presignPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    expiresInSeconds: number;
  }): Promise<string> {
    return getSignedUrl(
      this.s3,
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: input.key,
        UploadId: input.uploadId,
        PartNumber: input.partNumber,
      }),
      { expiresIn: input.expiresInSeconds, signingDate: this.clock.now() },
    );
  }

  async completeMultipart(input: {
    key: string;
    uploadId: string;
    parts: { partNumber: number; etag: string }[];
  }) {
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: input.key,
        UploadId: input.uploadId,
        MultipartUpload: { Parts: input.parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch {
      // Best effort: the bucket's lifecycle rule aborts incomplete uploads after a day anyway.
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        sizeBytes: head.ContentLength ?? 0,
        ...(head.VersionId ? { versionId: head.VersionId } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async *read(key: string, versionId?: string): AsyncIterable<Uint8Array> {
    const { Body } = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
    );
    if (!Body) return;
    yield* Body as AsyncIterable<Uint8Array>;
  }

  presignGet(input: {
    key: string;
    expiresInSeconds: number;
    downloadName: string;
    versionId?: string;
  }): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: input.key,
        // Signed into the query: the URL serves this version only, whatever is written later.
        ...(input.versionId ? { VersionId: input.versionId } : {}),
        ResponseContentDisposition: `attachment; filename="${input.downloadName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      }),
      { expiresIn: input.expiresInSeconds, signingDate: this.clock.now() },
    );
  }

  /** Deletes every object under the prefix (current versions; version purge is the purge job's). */
  async deletePrefix(prefix: string): Promise<number> {
    // Exactly one order's prefix (orders/<orderId>/), the purge's own guard.
    assertOrderPrefix(prefix);
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => Boolean(k));
      if (keys.length) {
        await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }
}
