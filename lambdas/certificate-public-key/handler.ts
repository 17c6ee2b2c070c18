import { publicKey } from '../domain/purge';
import { purgeDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

const deps = purgeDeps();

/** Public: verifying a certificate must not need an account. */
export const handler = httpHandler(async () => ({ statusCode: 200, body: await publicKey(deps) }), {
  public: true,
});
