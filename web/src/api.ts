/**
 * The console's only way to the API: the public routes of docs/openapi.json, typed from it
 * (api-schema.d.ts is generated from that file by `npm run web:types`; a unit test fails when it
 * is stale). A 401 (expired or revoked token) gets one refresh and one retry, then ends the
 * session; errors keep the API's code and
 * its field-level messages so a form can show each one on its field.
 */
import type { components } from './api-schema';
import { session } from './session';

export type Schemas = components['schemas'];

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

let base = '';
/** Where the API is: '' when the API serves the console (local stack), else its origin. */
export const setApiBase = (url: string) => {
  base = url.replace(/\/$/, '');
};

export const request = async <T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> => {
  const token = session.accessToken();
  if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'You are signed out.');
  const send = (bearer: string) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'omit',
      cache: 'no-store',
    });
  let res = await send(token);
  // The token expired or was revoked: one refresh, one retry (the API refuses before any handler runs).
  if (res.status === 401 && (await session.refresh())) {
    const renewed = session.accessToken();
    if (renewed) res = await send(renewed);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 401) {
    session.signOut('expired');
    throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended: sign in again.');
  }
  if (!res.ok) {
    const e = (parsed ?? {}) as Partial<Schemas['Error']>;
    throw new ApiError(
      res.status,
      e.code ?? `HTTP_${res.status}`,
      e.message ?? `The request failed (HTTP ${res.status}).`,
      (e.fields ?? []).map((f) => ({ field: f.field ?? '', message: f.message ?? '' })),
    );
  }
  return { status: res.status, body: parsed as T };
};

export const get = <T>(path: string) => request<T>('GET', path).then((r) => r.body);
export const post = <T>(path: string, body?: unknown) =>
  request<T>('POST', path, body ?? {}).then((r) => r.body);
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body).then((r) => r.body);
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body).then((r) => r.body);
export const del = <T>(path: string) => request<T>('DELETE', path).then((r) => r.body);

/** Unauthenticated reads (the public key, the local IdP's user list). */
export const publicGet = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${base}${path}`, { credentials: 'omit', cache: 'no-store' });
  if (!res.ok)
    throw new ApiError(res.status, `HTTP_${res.status}`, `The request failed (HTTP ${res.status}).`);
  return (await res.json()) as T;
};

export const publicPost = async <T>(path: string, body: unknown): Promise<T> => {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const parsed = (await res.json().catch(() => ({}))) as T & Partial<Schemas['Error']>;
  if (!res.ok)
    throw new ApiError(
      res.status,
      parsed.code ?? `HTTP_${res.status}`,
      parsed.message ?? 'The request failed.',
    );
  return parsed;
};
