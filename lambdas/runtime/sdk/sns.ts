import { SNSClient } from '@aws-sdk/client-sns';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeSnsClient = (cfg: Config = config()): SNSClient => new SNSClient(clientOptions(cfg, 'sns'));

/** The process's SNS client. */
export const snsClient = once(() => makeSnsClient());
