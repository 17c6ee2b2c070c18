/**
 * Purges an order's case files from S3: every object version and every delete marker under the
 * order's prefix, and nothing outside it. Returns exactly what was deleted, for the deletion
 * certificate. Only ids appear in keys (`orders/<orderId>/...`), so keys may be named in
 * errors; object contents, metadata and S3's own error messages never are.
 *
 * - Idempotent: once everything is gone, a purge lists nothing and returns [].
 * - Resumable: each purge starts from what is still listed, so a run that crashed halfway is
 *   finished by the next one (which returns only what it deleted itself).
 */
import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PurgedObject, Purger } from '../domain/purge';

export type { PurgedObject } from '../domain/purge';

/** `orders/<orderId>/`, nothing shorter and nothing longer: never a bucket, all orders or one key. */
const ORDER_PREFIX = /^orders\/[A-Za-z0-9_-]{1,128}\/$/;

/** S3's limit for both a listing page and one DeleteObjects request. */
const S3_MAX_BATCH = 1000;

/** A purge re-lists after deleting; anything new is purged too, a bounded number of times. */
const MAX_ROUNDS = 5;

/** The prefix is not exactly one order's: nothing was listed or deleted. */
export class UnsafePurgeError extends Error {
  override readonly name = 'UnsafePurgeError';
}

/** S3 refused to delete some objects. Names keys and S3 error codes only (no contents, no messages). */
export class PurgeFailedError extends Error {
  override readonly name = 'PurgeFailedError';
  constructor(
    /** What S3 did not delete. */
    readonly failures: readonly { key: string; versionId?: string; code: string }[],
    /** What this call had deleted before it stopped: the record must not lose it. */
    readonly deleted: readonly PurgedObject[],
  ) {
    super(
      `S3 did not delete ${failures.length} object version(s): ${failures
        .slice(0, 20)
        .map((f) => `${f.key}${f.versionId ? `@${f.versionId}` : ''} (${f.code})`)
        .join(', ')}${failures.length > 20 ? ', ...' : ''}`,
    );
  }
}

/** Objects kept appearing under the prefix while it was being purged (something is still writing). */
export class PurgeIncompleteError extends Error {
  override readonly name = 'PurgeIncompleteError';
  constructor(
    readonly prefix: string,
    readonly deleted: readonly PurgedObject[],
  ) {
    super(`objects still under ${prefix} after ${MAX_ROUNDS} purge rounds`);
  }
}

export const assertOrderPrefix = (prefix: string): void => {
  if (typeof prefix !== 'string' || !ORDER_PREFIX.test(prefix)) {
    throw new UnsafePurgeError('refusing to purge: the prefix must be exactly orders/<orderId>/');
  }
};

const versionKey = (key: string, versionId: string | undefined) => `${key}\u0000${versionId ?? ''}`;

export interface S3PurgerOptions {
  /** Listing page size (MaxKeys) and DeleteObjects batch size, at most 1000 (S3's limit). Tests set it small to force paging. */
  readonly pageSize?: number;
}

export class S3Purger implements Purger {
  private readonly pageSize: number;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    options: S3PurgerOptions = {},
  ) {
    const size = options.pageSize ?? S3_MAX_BATCH;
    if (!Number.isInteger(size) || size < 1 || size > S3_MAX_BATCH) {
      throw new RangeError(`pageSize must be an integer from 1 to ${S3_MAX_BATCH}`);
    }
    this.pageSize = size;
  }

  /** Deletes every version and delete marker under the prefix; returns exactly what was deleted. */
  async purgePrefix(prefix: string): Promise<PurgedObject[]> {
    assertOrderPrefix(prefix);
    const deleted: PurgedObject[] = [];
    // Delete what a full listing shows, then list again: on AWS (strongly consistent listings)
    // the second listing is empty unless something wrote under the prefix meanwhile.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const listed = await this.list(prefix);
      if (!listed.length) return deleted;
      for (let i = 0; i < listed.length; i += this.pageSize) {
        await this.deleteBatch(listed.slice(i, i + this.pageSize), deleted);
      }
    }
    if ((await this.list(prefix)).length) throw new PurgeIncompleteError(prefix, deleted);
    return deleted;
  }

  /** What is still there (versions and markers), for verification after a purge. */
  async remaining(prefix: string): Promise<PurgedObject[]> {
    assertOrderPrefix(prefix);
    return this.list(prefix);
  }

  /**
   * Every version and delete marker under the prefix, in listing order: ListObjectVersions, on AWS
   * and on the local stack alike (an unversioned bucket lists its objects with version id "null").
   */
  private list(prefix: string): Promise<PurgedObject[]> {
    return this.listVersions(prefix);
  }

  /**
   * S3 matches `Prefix` literally (a byte-wise starts-with), so every key it returns is under the
   * prefix. Keys that are not are dropped anyway, in defence in depth: a stand-in or proxy that
   * ignores the parameter, or a decoding bug, must never widen a purge to a neighbour's files
   * (`.../orders/ord_1/` vs `.../orders/ord_10/` is the classic case, which the trailing slash
   * of the prefix already separates).
   */
  private inside(prefix: string, key: string | undefined): key is string {
    return typeof key === 'string' && key.startsWith(prefix);
  }

  private async listVersions(prefix: string): Promise<PurgedObject[]> {
    const out: PurgedObject[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: this.pageSize,
          ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
          ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
        }),
      );
      // Versions and markers come in two lists; both are deleted the same way, by key and version.
      for (const v of page.Versions ?? []) {
        if (!this.inside(prefix, v.Key)) continue;
        out.push({
          key: v.Key,
          ...(v.VersionId !== undefined ? { versionId: v.VersionId } : {}),
          sizeBytes: v.Size ?? 0,
          ...(v.ETag ? { etag: v.ETag } : {}),
        });
      }
      for (const m of page.DeleteMarkers ?? []) {
        if (!this.inside(prefix, m.Key)) continue;
        out.push({
          key: m.Key,
          ...(m.VersionId !== undefined ? { versionId: m.VersionId } : {}),
          sizeBytes: 0,
          deleteMarker: true,
        });
      }
      if (!page.IsTruncated) return out;
      const nextKey = page.NextKeyMarker;
      const nextVersion = page.NextVersionIdMarker;
      // A truncated page without a way forward, or one that does not move, would loop forever.
      if (nextKey === undefined || (nextKey === keyMarker && nextVersion === versionIdMarker)) {
        throw new Error(`ListObjectVersions under ${prefix} was truncated without a new marker`);
      }
      keyMarker = nextKey;
      versionIdMarker = nextVersion;
    }
  }

  /**
   * One DeleteObjects request (at most 1000 entries). Quiet is off so S3 names each deletion;
   * only what it confirms is recorded, and any entry it refuses (or does not mention) fails the purge.
   */
  private async deleteBatch(batch: PurgedObject[], deleted: PurgedObject[]): Promise<void> {
    if (!batch.length) return;
    const objects: ObjectIdentifier[] = batch.map((o) => ({
      Key: o.key,
      ...(o.versionId !== undefined ? { VersionId: o.versionId } : {}),
    }));
    const result: DeleteObjectsCommandOutput = await this.s3.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: objects, Quiet: false },
      }),
    );
    const confirmed = new Set((result.Deleted ?? []).map((d) => versionKey(d.Key ?? '', d.VersionId)));
    const refused = new Map(
      (result.Errors ?? []).map((e) => [versionKey(e.Key ?? '', e.VersionId), e.Code ?? 'Unknown']),
    );
    const failures: { key: string; versionId?: string; code: string }[] = [];
    for (const o of batch) {
      const id = versionKey(o.key, o.versionId);
      if (confirmed.has(id) && !refused.has(id)) deleted.push(o);
      else
        failures.push({
          key: o.key,
          ...(o.versionId !== undefined ? { versionId: o.versionId } : {}),
          code: refused.get(id) ?? 'NotConfirmed',
        });
    }
    if (failures.length) throw new PurgeFailedError(failures, [...deleted]);
  }
}
