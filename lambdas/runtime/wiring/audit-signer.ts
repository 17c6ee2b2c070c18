import { KmsCertificateSigner } from '../../adapters/kms-certificate-signer';
import { config } from '../config';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** Signs audit digests with the audit-signing key (not the certificate key): same KMS calls, another key. */
export const auditSigner = once(() => new KmsCertificateSigner(kmsClient(), config().keys.auditSigning));
