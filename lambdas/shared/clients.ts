/**
 * SDK clients, made once per process from the config. Adapters take them in their
 * constructors; nothing else constructs a client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, config, type Service } from './config';

const common = (cfg: Config, service: Service) => ({
  region: cfg.region,
  ...(cfg.endpoints[service] ? { endpoint: cfg.endpoints[service] } : {}),
  // A fresh object: the SDK annotates the credentials it is given, and the config is frozen.
  ...(cfg.credentials ? { credentials: { ...cfg.credentials } } : {}),
  // Lambda retries through Step Functions or the caller; keep SDK retries short so a timeout
  // budget is not spent waiting on one dependency.
  maxAttempts: 3,
});

export const makeS3Client = (cfg: Config = config()): S3Client =>
  new S3Client({
    ...common(cfg, 's3'),
    forcePathStyle: cfg.stage === 'local',
    // Checksums are sent only where S3 requires them; upload checksums are the declared SHA-256, signed into the URL.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

export const makeDocumentClient = (cfg: Config = config()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(common(cfg, 'dynamodb')), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const makeKmsClient = (cfg: Config = config()): KMSClient => new KMSClient(common(cfg, 'kms'));

export const makeSfnClient = (cfg: Config = config()): SFNClient => new SFNClient(common(cfg, 'sfn'));

export const makeSnsClient = (cfg: Config = config()): SNSClient => new SNSClient(common(cfg, 'sns'));

let shared:
  | { s3: S3Client; ddb: DynamoDBDocumentClient; kms: KMSClient; sfn: SFNClient; sns: SNSClient }
  | undefined;

/** The process-wide clients (module scope of a handler, i.e. once per cold start). */
export const clients = () => {
  shared ??= {
    s3: makeS3Client(),
    ddb: makeDocumentClient(),
    kms: makeKmsClient(),
    sfn: makeSfnClient(),
    sns: makeSnsClient(),
  };
  return shared;
};
