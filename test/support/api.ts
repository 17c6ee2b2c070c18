/** A small HTTP client for integration tests: they reach the local stack only over the wire. */
import { createHash } from 'node:crypto';

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export class Api {
  constructor(readonly baseUrl: string) {}

  /** A fresh token per call: another test may move the shared clock past a cached one's expiry. */
  async token(username: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    });
    if (res.status !== 200) throw new Error(`no token for ${username}: ${res.status}`);
    const { accessToken } = (await res.json()) as { accessToken: string };
    return accessToken;
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { as?: string; body?: unknown; rawBody?: string; token?: string } = {},
  ): Promise<ApiResponse<T>> {
    const token = opts.token ?? (opts.as ? await this.token(opts.as) : undefined);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.body !== undefined || opts.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
      },
      ...(opts.rawBody !== undefined
        ? { body: opts.rawBody }
        : opts.body !== undefined
          ? { body: JSON.stringify(opts.body) }
          : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }
}

export const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** PUT a body to a presigned single-upload URL with exactly the headers it was signed with. */
export const putPresigned = async (
  upload: { url: string; headers: Record<string, string> },
  body: Uint8Array,
) => {
  const headers = { ...upload.headers };
  // fetch sets content-length itself from the body.
  delete headers['content-length'];
  const res = await fetch(upload.url, { method: 'PUT', headers, body });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
};

/** Polls until `check` returns a value or the deadline passes. */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** The messages published to a topic on the local stack so far (its outbox), read once. */
export const outboxMessages = async (api: Api, topic: string) =>
  (await api.call<{ message: string }[]>('GET', `/local/outbox?topic=${topic}`)).body.map((m) => m.message);

/**
 * Waits until the topic's outbox holds a message matching `match`, and returns it. A notification
 * is published after the state change it reports (the status is written first), so a read made
 * as soon as the status shows can miss it: poll, with a bounded deadline, never read once.
 */
export const waitForOutbox = (
  api: Api,
  topic: string,
  match: (message: string) => boolean,
  timeoutMs = 15_000,
) => eventually(async () => (await outboxMessages(api, topic)).find(match), timeoutMs);
