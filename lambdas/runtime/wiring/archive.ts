import { S3ExportArchive } from '../../adapters/s3-export-archive';
import { config } from '../config';
import { once } from '../sdk/options';
import { s3Client } from '../sdk/s3';
import { clock } from './runtime';

/** Export archives: written as a streamed zip under exports/, handed out by presigned GET. */
export const archive = once(() => {
  const cfg = config();
  return new S3ExportArchive(s3Client(), cfg.buckets.caseFiles, clock());
});
