import { publicKey } from '../domain/purge';
import { httpHandler } from '../runtime/http';
import { auditSigner } from '../runtime/wiring/audit-signer';

/**
 * The public key that verifies audit digests: only GetPublicKey on the audit-signing key is wired
 * and granted, so no path here can sign or read data.
 */
export const deps = Object.freeze({ auditSigner: auditSigner() });

/** Public: an auditor verifying digests offline needs no account. */
export const handler = httpHandler(
  async () => ({ statusCode: 200, body: await publicKey({ signer: deps.auditSigner }) }),
  { public: true },
);
