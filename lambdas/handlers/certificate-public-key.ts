import { publicKey } from '../domain/purge';
import { httpHandler } from '../runtime/http';
import { signer } from '../runtime/wiring/signer';

/**
 * The only adapter this unauthenticated route needs, and the only one its role may use (KMS
 * GetPublicKey on the signing key: lib/function-adapters.ts): nothing else is wired, so no code
 * path here can reach a table, a bucket or kms:Sign. The signer keeps the key for the container.
 */
export const deps = Object.freeze({ signer: signer() });

/** Public: verifying a certificate must not need an account. */
export const handler = httpHandler(async () => ({ statusCode: 200, body: await publicKey(deps) }), {
  public: true,
});
