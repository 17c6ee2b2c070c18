import { S3DigestStore } from '../../adapters/s3-digest-store';
import { config } from '../config';
import { once } from '../sdk/options';
import { s3Client } from '../sdk/s3';

/** The audit-digest bucket (Object Lock). */
export const digests = once(() => new S3DigestStore(s3Client(), config().buckets.auditDigests));
