/**
 * The published OpenAPI document describes exactly the routes the app has, no more, no fewer,
 * and is what `npm run openapi` makes from the schemas today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routesOf } from '../../lib/functions';
import { buildOpenApi } from '../../scripts/openapi/build';

const doc = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        parameters?: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
        responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
      }
    >
  >;
  components: { schemas: Record<string, Record<string, unknown>> };
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

  it('is what npm run openapi generates from the schemas and the catalogue (run it after a change)', () => {
    expect(doc).toEqual(buildOpenApi());
  });

  it('gives every success response with a body, and every request body, a typed schema', () => {
    const untyped: string[] = [];
    const typed = (where: string, schema: { $ref?: string } | undefined) => {
      const id = schema?.$ref?.replace('#/components/schemas/', '');
      const target = id ? doc.components.schemas[id] : undefined;
      if (!target?.properties) untyped.push(where);
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [code, response] of Object.entries(op.responses)) {
          if (code.startsWith('2') && code !== '204')
            typed(`${method} ${path} ${code}`, response.content?.['application/json']?.schema);
        }
        if (op.requestBody)
          typed(`${method} ${path} body`, op.requestBody.content['application/json']?.schema);
      }
    }
    expect(untyped).toEqual([]);
  });
});
