import { S3Purger } from '../../adapters/s3-purger';
import { config } from '../config';
import { once } from '../sdk/options';
import { s3Client } from '../sdk/s3';

/** Deletes every version of an order's objects. */
export const purger = once(() => new S3Purger(s3Client(), config().buckets.caseFiles));
