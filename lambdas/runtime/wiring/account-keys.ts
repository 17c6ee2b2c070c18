import { KmsAccountKeys } from '../../adapters/kms-account-keys';
import { config } from '../config';
import { kmsClient } from '../sdk/kms';
import { once } from '../sdk/options';

/** The partner accounts' own keys: created at onboarding, shredded at termination. */
export const accountKeys = once(() => {
  const cfg = config();
  return new KmsAccountKeys(kmsClient(), {
    users: cfg.accountKeyUsers,
    region: cfg.region,
    bucket: cfg.buckets.caseFiles,
  });
});
