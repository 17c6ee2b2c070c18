/**
 * A real response against its schema in docs/openapi.json: every field the body holds must be
 * described there (named in `properties`, or a value of a typed map), every required field
 * present, and each value of the type the schema gives. An object whose fields the document leaves
 * open (`additionalProperties: {}`, no `properties`) is itself a finding: a client generated from
 * the document would know nothing of it. Returns the findings, one per field, by JSON path.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../../lib/project-paths';

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
  >;
  components: { schemas: Record<string, JsonSchema> };
}

let loaded: OpenApi | undefined;
const openApi = (): OpenApi => {
  loaded ??= JSON.parse(readFileSync(projectPath('docs/openapi.json'), 'utf8')) as OpenApi;
  return loaded;
};

const resolve = (schema: JsonSchema): JsonSchema => {
  let s = schema;
  for (let hops = 0; s.$ref && hops < 10; hops++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = openApi().components.schemas[name];
    if (!target) throw new Error(`docs/openapi.json: no schema ${name}`);
    s = target;
  }
  return s;
};

const typeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

const typeMatches = (want: string | string[] | undefined, value: unknown) => {
  if (want === undefined) return true;
  const got = typeOf(value);
  return [want].flat().some((t) => t === got || (t === 'number' && got === 'integer'));
};

/** An open map with no schema for its values: `{}` or `true`. */
const isOpen = (additional: JsonSchema['additionalProperties']) =>
  additional === true || (typeof additional === 'object' && Object.keys(additional).length === 0);

const check = (value: unknown, raw: JsonSchema, at: string, out: string[]): void => {
  const schema = resolve(raw);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const tries = alternatives.map((alt) => {
      const found: string[] = [];
      check(value, alt, at, found);
      return found;
    });
    if (tries.some((t) => t.length === 0)) return;
    out.push(...(tries.sort((a, b) => a.length - b.length)[0] ?? [`${at}: matches no alternative`]));
    return;
  }
  for (const part of schema.allOf ?? []) check(value, part, at, out);
  if (!typeMatches(schema.type, value)) {
    out.push(`${at}: ${typeOf(value)}, described as ${JSON.stringify(schema.type)}`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value))
    out.push(`${at}: ${JSON.stringify(value)} is not in its enum`);
  if (Array.isArray(value)) {
    const { items } = schema;
    if (items) for (const [i, item] of value.entries()) check(item, items, `${at}[${i}]`, out);
    return;
  }
  if (typeOf(value) !== 'object') return;
  const object = value as Record<string, unknown>;
  const { properties, additionalProperties } = schema;
  if (!properties && (additionalProperties === undefined || isOpen(additionalProperties))) {
    out.push(`${at}: an object whose fields are not described`);
    return;
  }
  for (const [key, field] of Object.entries(object)) {
    const described = properties?.[key];
    if (described) check(field, described, `${at}.${key}`, out);
    else if (typeof additionalProperties === 'object' && !isOpen(additionalProperties))
      check(field, additionalProperties, `${at}.${key}`, out);
    else out.push(`${at}.${key}: not described`);
  }
  for (const key of schema.required ?? []) if (!(key in object)) out.push(`${at}.${key}: required, absent`);
};

/**
 * What in `body` the document does not describe for `route` ("GET /incidents/{incidentId}") and
 * `status`; empty when it describes it all.
 */
export const undescribedFields = (route: string, status: number, body: unknown): string[] => {
  const [method = '', path = ''] = route.split(' ');
  const response = openApi().paths[path]?.[method.toLowerCase()]?.responses[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) return [`${route} ${status}: no schema in docs/openapi.json`];
  const out: string[] = [];
  check(body, schema, '$', out);
  return out;
};
