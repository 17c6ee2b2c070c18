import { KmsKeyedHasher } from '../../adapters/kms-keyed-hasher';
import { config } from '../config';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** Keyed hashes of case references (the duplicate-case guard). */
export const hasher = once(() => new KmsKeyedHasher(kmsClient(), config().keys.caseRefMac));
