import { KmsCertificateSigner } from '../../adapters/kms-certificate-signer';
import { config } from '../config';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** Signs purge certificates; keeps the key's identity for the container. */
export const signer = once(() => new KmsCertificateSigner(kmsClient(), config().keys.certificateSigning));
