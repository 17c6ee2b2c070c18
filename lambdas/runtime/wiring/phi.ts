import { KmsPhiCipher } from '../../adapters/kms-phi-cipher';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** Encrypts PHI fields under their account's key, bound to their owner; decrypts under the key the blob names. */
export const phi = once(() => new KmsPhiCipher(kmsClient()));
