/**
 * S3 stand-in: @20minutes/s3rver, which verifies SigV4 signatures on headers and presigned query
 * strings, so tampered and expired URLs are really refused. Buckets come from lib/definitions.ts.
 * It ignores SSE-KMS, checksums and versioning (LOCAL_STACK.md): those rules are tested as code
 * and in the CDK template.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';
import { BUCKETS } from '../lib/definitions';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

export const startS3 = async (opts: { host: string; port: number; dir?: string }): Promise<LocalS3> => {
  const directory = opts.dir ?? mkdtempSync(join(tmpdir(), 'caseline-s3-'));
  const server = new S3rver({
    address: opts.host,
    port: opts.port,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: Object.values(BUCKETS).map((b) => ({ name: b.localName })),
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://${opts.host}:${address.port}`,
    close: async () => {
      await server.close();
      if (!opts.dir) rmSync(directory, { recursive: true, force: true });
    },
  };
};
