import { S3FileStore } from '../../adapters/s3-file-store';
import { config } from '../config';
import { once } from '../sdk/options';
import { s3Client } from '../sdk/s3';
import { clock } from './runtime';

/** The case files: presigned uploads and downloads, heads, reads and deletes under an order's prefix. */
export const files = once(() => {
  const cfg = config();
  return new S3FileStore(s3Client(), cfg.buckets.caseFiles, cfg.keys.caseData, clock());
});
