import { S3FileStore } from '../../adapters/s3-file-store';
import { config } from '../config';
import { once } from '../sdk/options';
import { s3Client } from '../sdk/s3';
import { clock } from './runtime';

/** The case files: presigned uploads (under the account's key) and downloads, heads, reads and deletes under an order's prefix. */
export const files = once(() => new S3FileStore(s3Client(), config().buckets.caseFiles, clock()));
