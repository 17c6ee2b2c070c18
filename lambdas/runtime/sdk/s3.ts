import { S3Client } from '@aws-sdk/client-s3';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeS3Client = (cfg: Config = config()): S3Client =>
  new S3Client({
    ...clientOptions(cfg, 's3'),
    forcePathStyle: cfg.stage === 'local',
    // Checksums are sent only where S3 requires them; upload checksums are the declared SHA-256, signed into the URL.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

/** The process's S3 client. */
export const s3Client = once(() => makeS3Client());
