import { httpHandler } from '../runtime/http';

/** Liveness only: touches no data, needs no token. */
export const handler = httpHandler(
  async () => ({ statusCode: 200, body: { status: 'ok', service: 'caseline' } }),
  {
    public: true,
  },
);
