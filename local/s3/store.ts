/**
 * What the S3 stand-in holds: buckets, every object version (delete markers included), multipart
 * uploads and their parts. Metadata lives in memory and, with a data directory, in an append-only
 * journal replayed (and compacted) at start; bodies are encrypted blobs, on disk or in memory.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import type { ChecksumAlgorithm } from './checksums';

export type Versioning = 'Unversioned' | 'Enabled' | 'Suspended';
export type LockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface Encryption {
  readonly algorithm: 'aws:kms' | 'AES256';
  /** The KMS key's ARN (aws:kms only). */
  readonly kmsKeyId?: string;
  readonly bucketKey: boolean;
  /** The object's data key, encrypted by KMS (aws:kms) or by the stand-in's own key (AES256). */
  readonly dataKey: string;
  /** The aws:s3:arn encryption context the data key is bound to. */
  readonly context: string;
}

export interface Sealed {
  readonly blob: string;
  readonly iv: string;
  readonly tag: string;
}

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: string;
  readonly type: 'FULL_OBJECT' | 'COMPOSITE';
}

export interface Lock {
  mode?: LockMode;
  retainUntil?: string;
  legalHold?: boolean;
}

export interface StoredVersion {
  readonly versionId: string;
  readonly deleteMarker?: boolean;
  readonly lastModified: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly body?: Sealed;
  readonly encryption?: Encryption;
  readonly checksum?: Checksum;
  readonly parts?: number;
  lock?: Lock;
}

export interface BucketConfig {
  readonly name: string;
  readonly created: string;
  versioning: Versioning;
  readonly objectLock: boolean;
  lockDefault?: { mode: LockMode; days?: number; years?: number };
  /** Default encryption (SSE-KMS with this key) for objects that name none. */
  readonly defaultKmsKeyId?: string;
  /**
   * The bucket policy's encryption rule: PUTs that ask for another algorithm or another key are
   * denied (the policy lib/storage.ts attaches to the case-files bucket).
   */
  readonly requiredKmsKeyId?: string;
  /**
   * Also allowed by that rule: any key ARN starting with this (`arn:aws:kms:<region>:<account>:key/`),
   * as the policy admits this account's keys for the partner accounts' own (requireKeyOnPut).
   */
  readonly allowedKmsKeyPrefix?: string;
}

export interface Bucket extends BucketConfig {
  readonly objects: Map<string, StoredVersion[]>;
}

export interface Part {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  readonly body: Sealed;
  readonly checksum?: string;
}

export interface Upload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: string;
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly encryption: Encryption;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly lock?: Lock;
  readonly parts: Map<number, Part>;
}

type Entry =
  | { t: 'bucket'; bucket: BucketConfig }
  | { t: 'bucket-delete'; name: string }
  | { t: 'version'; bucket: string; key: string; version: StoredVersion }
  | { t: 'update'; bucket: string; key: string; version: StoredVersion }
  | { t: 'remove'; bucket: string; key: string; versionId: string }
  | { t: 'upload'; upload: Omit<Upload, 'parts'> }
  | { t: 'part'; uploadId: string; part: Part }
  | { t: 'upload-end'; uploadId: string };

/** A random id of the shape S3 uses for version and upload ids (URL-safe, 32 characters). */
export const newId = () => randomBytes(24).toString('base64url');

export interface BlobWriter {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
  abort(): void;
}

export class S3Store {
  readonly buckets = new Map<string, Bucket>();
  readonly uploads = new Map<string, Upload>();
  private readonly memory = new Map<string, Buffer[]>();
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly journal?: string;
  private readonly blobDir?: string;
  /** The stand-in's own key for SSE-S3 (AES256) objects' data keys. */
  readonly masterKey: Buffer;

  constructor(dir?: string) {
    if (!dir) {
      this.masterKey = randomBytes(32);
      return;
    }
    mkdirSync(join(dir, 'blobs'), { recursive: true });
    this.blobDir = join(dir, 'blobs');
    this.journal = join(dir, 'journal.jsonl');
    const keyFile = join(dir, 'sse-s3.key');
    if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    this.masterKey = Buffer.from(readFileSync(keyFile, 'utf8'), 'base64');
    if (existsSync(this.journal)) {
      for (const line of readFileSync(this.journal, 'utf8').split('\n')) {
        if (line) this.apply(JSON.parse(line) as Entry);
      }
      this.compact();
    }
  }

  private apply(entry: Entry): void {
    switch (entry.t) {
      case 'bucket': {
        const existing = this.buckets.get(entry.bucket.name);
        this.buckets.set(entry.bucket.name, { ...entry.bucket, objects: existing?.objects ?? new Map() });
        break;
      }
      case 'bucket-delete':
        this.buckets.delete(entry.name);
        this.sortedKeys.delete(entry.name);
        break;
      case 'version': {
        const bucket = this.buckets.get(entry.bucket);
        if (!bucket) break;
        const versions = bucket.objects.get(entry.key);
        if (!versions) {
          bucket.objects.set(entry.key, [entry.version]);
          this.sortedKeys.delete(entry.bucket);
        } else {
          const at = versions.findIndex((v) => v.versionId === entry.version.versionId);
          if (at >= 0) versions.splice(at, 1);
          versions.unshift(entry.version);
        }
        break;
      }
      case 'update': {
        // In place: a retention or legal-hold change does not make a version newer.
        const versions = this.buckets.get(entry.bucket)?.objects.get(entry.key);
        const at = versions?.findIndex((v) => v.versionId === entry.version.versionId) ?? -1;
        if (versions && at >= 0) versions[at] = entry.version;
        break;
      }
      case 'remove': {
        const bucket = this.buckets.get(entry.bucket);
        const versions = bucket?.objects.get(entry.key);
        if (!bucket || !versions) break;
        const at = versions.findIndex((v) => v.versionId === entry.versionId);
        if (at >= 0) versions.splice(at, 1);
        if (!versions.length) {
          bucket.objects.delete(entry.key);
          this.sortedKeys.delete(entry.bucket);
        }
        break;
      }
      case 'upload':
        this.uploads.set(entry.upload.uploadId, { ...entry.upload, parts: new Map() });
        break;
      case 'part':
        this.uploads.get(entry.uploadId)?.parts.set(entry.part.partNumber, entry.part);
        break;
      case 'upload-end':
        this.uploads.delete(entry.uploadId);
        break;
    }
  }

  private record(entry: Entry): void {
    this.apply(entry);
    if (this.journal) appendFileSync(this.journal, `${JSON.stringify(entry)}\n`);
  }

  /** Rewrites the journal as the state it describes, so replays stay proportional to what is held. */
  private compact(): void {
    if (!this.journal) return;
    const lines: string[] = [];
    for (const { objects, ...config } of this.buckets.values()) {
      lines.push(JSON.stringify({ t: 'bucket', bucket: config } satisfies Entry));
      for (const [key, versions] of objects) {
        for (const version of [...versions].reverse()) {
          lines.push(JSON.stringify({ t: 'version', bucket: config.name, key, version } satisfies Entry));
        }
      }
    }
    for (const { parts, ...upload } of this.uploads.values()) {
      lines.push(JSON.stringify({ t: 'upload', upload } satisfies Entry));
      for (const part of parts.values()) {
        lines.push(JSON.stringify({ t: 'part', uploadId: upload.uploadId, part } satisfies Entry));
      }
    }
    writeFileSync(`${this.journal}.tmp`, lines.map((l) => `${l}\n`).join(''));
    renameSync(`${this.journal}.tmp`, this.journal);
  }

  putBucket(config: BucketConfig): void {
    this.record({ t: 'bucket', bucket: config });
  }

  deleteBucket(name: string): void {
    this.record({ t: 'bucket-delete', name });
  }

  putVersion(bucket: string, key: string, version: StoredVersion): void {
    this.record({ t: 'version', bucket, key, version });
  }

  updateVersion(bucket: string, key: string, version: StoredVersion): void {
    this.record({ t: 'update', bucket, key, version });
  }

  removeVersion(bucket: string, key: string, version: StoredVersion): void {
    this.record({ t: 'remove', bucket, key, versionId: version.versionId });
    if (version.body) this.deleteBlob(version.body.blob);
  }

  putUpload(upload: Omit<Upload, 'parts'>): void {
    this.record({ t: 'upload', upload });
  }

  putPart(uploadId: string, part: Part): void {
    const previous = this.uploads.get(uploadId)?.parts.get(part.partNumber);
    this.record({ t: 'part', uploadId, part });
    if (previous) this.deleteBlob(previous.body.blob);
  }

  endUpload(upload: Upload, keepBlobs: boolean): void {
    this.record({ t: 'upload-end', uploadId: upload.uploadId });
    if (!keepBlobs) for (const part of upload.parts.values()) this.deleteBlob(part.body.blob);
  }

  /** Keys of a bucket in S3's (byte-wise, here code-unit) order; cached until a key is added or goes. */
  keys(bucket: Bucket): string[] {
    let keys = this.sortedKeys.get(bucket.name);
    if (!keys) {
      keys = [...bucket.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.sortedKeys.set(bucket.name, keys);
    }
    return keys;
  }

  blobWriter(id: string): BlobWriter {
    if (!this.blobDir) {
      const chunks: Buffer[] = [];
      return {
        write: async (chunk) => {
          chunks.push(chunk);
        },
        end: async () => {
          this.memory.set(id, chunks);
        },
        abort: () => undefined,
      };
    }
    const path = join(this.blobDir, id);
    const stream: Writable = createWriteStream(path);
    const failed = new Promise<never>((_, reject) => stream.once('error', reject));
    failed.catch(() => undefined);
    return {
      write: async (chunk) => {
        if (!stream.write(chunk)) await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
      },
      end: () => Promise.race([new Promise<void>((r) => stream.end(r)), failed]),
      abort: () => {
        stream.destroy();
        rmSync(path, { force: true });
      },
    };
  }

  blobReader(id: string): Readable {
    if (!this.blobDir) return Readable.from(this.memory.get(id) ?? []);
    return createReadStream(join(this.blobDir, id));
  }

  deleteBlob(id: string): void {
    if (!this.blobDir) this.memory.delete(id);
    else rmSync(join(this.blobDir, id), { force: true });
  }
}
