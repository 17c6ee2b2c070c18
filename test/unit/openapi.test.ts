/** The published OpenAPI document describes exactly the routes the app has, no more, no fewer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routesOf } from '../../lib/functions';

const doc = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; parameters?: { name: string; in: string }[] }>
  >;
};

const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
);
const real = routesOf().map((r) => `${r.method} ${r.path}`);

describe('docs/openapi.json', () => {
  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('documents every route the app has and no other', () => {
    expect([...documented].sort()).toEqual([...real].sort());
  });

  it('marks exactly the public routes as needing no token', () => {
    for (const route of routesOf()) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      const isPublic = Array.isArray(op?.security) && op.security.length === 0;
      expect({ route: `${route.method} ${route.path}`, isPublic }).toEqual({
        route: `${route.method} ${route.path}`,
        isPublic: route.roles.length === 0,
      });
    }
  });

  it('declares every path parameter', () => {
    for (const route of routesOf()) {
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      const declared = (op?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort()).toEqual(names.sort());
    }
  });
});
