import { KMSClient } from '@aws-sdk/client-kms';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeKmsClient = (cfg: Config = config()): KMSClient => new KMSClient(clientOptions(cfg, 'kms'));

/** The process's KMS client. */
export const kmsClient = once(() => makeKmsClient());
