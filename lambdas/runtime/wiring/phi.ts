import { KmsPhiCipher } from '../../adapters/kms-phi-cipher';
import { config } from '../config';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** Encrypts and decrypts PHI fields under the case-data key, bound to their owner. */
export const phi = once(() => new KmsPhiCipher(kmsClient(), config().keys.caseData));
