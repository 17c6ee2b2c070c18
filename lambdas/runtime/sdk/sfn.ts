import { SFNClient } from '@aws-sdk/client-sfn';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeSfnClient = (cfg: Config = config()): SFNClient => new SFNClient(clientOptions(cfg, 'sfn'));

/** The process's Step Functions client. */
export const sfnClient = once(() => makeSfnClient());
