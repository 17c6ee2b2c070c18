/**
 * Builds docs/openapi.json in memory from three inputs, so the document cannot drift from the
 * code: the route catalogue (lib/functions.ts: which routes exist, which are public), the
 * request and response schemas (zod 4 `toJSONSchema`), and the human text (./text.ts).
 *
 * `npm run openapi` writes it; test/unit/openapi.test.ts fails when the committed file says
 * anything else (formatting aside).
 * Anything that does not line up (a route without text, a field note on a field the schema does
 * not have, a success code without a schema) throws rather than being left out.
 */
import * as z from 'zod/mini';
import {
  CloseIncidentRequestSchema,
  ContainmentRequestSchema,
  EditNoticeRequestSchema,
  ReportIncidentRequestSchema,
  TriageRequestSchema,
} from '../../lambdas/domain/incidents/schemas';
import { CreateOrderRequestSchema } from '../../lambdas/domain/order-input';
import {
  CreateAccountRequestSchema,
  InviteUserRequestSchema,
  UpdateAccountRequestSchema,
} from '../../lambdas/domain/schemas/accounts';
import { AccountPolicyRequestSchema, RevisionRequestSchema } from '../../lambdas/domain/schemas/decisions';
import {
  CreateDesignerRequestSchema,
  UpdateDesignerRequestSchema,
} from '../../lambdas/domain/schemas/designers';
import {
  CompleteUploadRequestSchema,
  DeclareOutputRequestSchema,
  DeclareUploadRequestSchema,
  PresignPartsRequestSchema,
} from '../../lambdas/domain/schemas/files';
import { INCIDENT_SUCCESS } from '../../lambdas/domain/schemas/incident-responses';
import { docs, SUCCESS } from '../../lambdas/domain/schemas/responses';
import { routesOf } from '../../lib/functions';
import { INCIDENT_OPERATIONS } from './incidents-text';
import { OPERATIONS as BASE_OPERATIONS, DOCUMENT, SECURITY_SCHEMES } from './text';

// The incident routes keep their text and schemas in files of their own (issue 13).
const OPERATIONS = { ...BASE_OPERATIONS, ...INCIDENT_OPERATIONS };
const ALL_SUCCESS = { ...SUCCESS, ...INCIDENT_SUCCESS };

type Json = Record<string, unknown>;

/** The body each route takes, under its component name; `extra` adds what zod cannot say. */
const REQUESTS: Readonly<Record<string, { id: string; schema: z.ZodMiniType; extra?: Json }>> = {
  'POST /orders': { id: 'CreateOrderRequest', schema: CreateOrderRequestSchema },
  'POST /orders/{orderId}/uploads': { id: 'DeclareUploadRequest', schema: DeclareUploadRequestSchema },
  'POST /orders/{orderId}/uploads/{fileId}/parts': {
    id: 'PresignPartsRequest',
    schema: PresignPartsRequestSchema,
  },
  'POST /orders/{orderId}/uploads/{fileId}/complete': {
    id: 'CompleteUploadRequest',
    schema: CompleteUploadRequestSchema,
  },
  'POST /orders/{orderId}/revisions': { id: 'RevisionRequest', schema: RevisionRequestSchema },
  'POST /assignments/{orderId}/uploads': { id: 'DeclareOutputRequest', schema: DeclareOutputRequestSchema },
  'POST /designers': { id: 'CreateDesignerRequest', schema: CreateDesignerRequestSchema },
  'PATCH /designers/{designerId}': {
    id: 'UpdateDesignerRequest',
    schema: UpdateDesignerRequestSchema,
    // parseUpdateDesigner refuses an empty change.
    extra: { minProperties: 1 },
  },
  'PUT /accounts/{accountId}/policy': { id: 'AccountPolicyRequest', schema: AccountPolicyRequestSchema },
  'POST /accounts': { id: 'CreateAccountRequest', schema: CreateAccountRequestSchema },
  'PATCH /accounts/{accountId}': { id: 'UpdateAccountRequest', schema: UpdateAccountRequestSchema },
  'POST /accounts/{accountId}/users': { id: 'InviteUserRequest', schema: InviteUserRequestSchema },
  // Checked field by field in the domain (auditExportRange, domain/audit-export.ts).
  'POST /accounts/{accountId}/audit-exports': {
    id: 'AuditExportRequest',
    schema: z.object({ from: z.string(), to: z.string() }),
    extra: { additionalProperties: false },
  },
  'POST /incidents/reports': { id: 'ReportIncidentRequest', schema: ReportIncidentRequestSchema },
  'POST /incidents/{incidentId}/triage': { id: 'TriageRequest', schema: TriageRequestSchema },
  'PUT /incidents/{incidentId}/notices/{accountId}': {
    id: 'EditNoticeRequest',
    schema: EditNoticeRequestSchema,
    extra: { minProperties: 1 },
  },
  'POST /incidents/{incidentId}/close': { id: 'CloseIncidentRequest', schema: CloseIncidentRequestSchema },
  'POST /incidents/{incidentId}/containment': { id: 'ContainmentRequest', schema: ContainmentRequestSchema },
};

const fail = (message: string): never => {
  throw new Error(`openapi: ${message}`);
};

/** zod's integers carry the safe-integer range; within JSON that says nothing, so it is left out. */
const dropSafeIntegerBounds = (node: unknown): void => {
  if (Array.isArray(node)) node.forEach(dropSafeIntegerBounds);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    if (o.maximum === Number.MAX_SAFE_INTEGER) delete o.maximum;
    if (o.minimum === Number.MIN_SAFE_INTEGER) delete o.minimum;
    Object.values(o).forEach(dropSafeIntegerBounds);
  }
};

/** toJSONSchema's per-schema wrapper (`$schema`, `$id`) is not wanted inside components. */
const componentsOf = (
  registry: z.core.$ZodRegistry<{ id?: string }>,
  io: 'input' | 'output',
): Record<string, Json> => {
  const { schemas } = z.toJSONSchema(registry, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    uri: (id) => `#/components/schemas/${id}`,
    // Names and notes both live in the registry given (not zod's global one).
    metadata: registry,
  }) as { schemas: Record<string, Json> };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    if ('$defs' in rest) fail(`${id} has $defs: name the shared part in the responses registry`);
    dropSafeIntegerBounds(rest);
    out[id] = rest;
  }
  return out;
};

/** Puts a field note at `path` (`items.teeth`), stepping into array items on the way. */
const describeField = (schema: Json, path: string, description: string, where: string) => {
  let node: Json | undefined = schema;
  for (const segment of path.split('.')) {
    while (node?.type === 'array') node = node.items as Json | undefined;
    node = (node?.properties as Record<string, Json> | undefined)?.[segment];
    if (!node) return fail(`${where}: no field ${path} in the request schema`);
  }
  node.description = description;
};

const errorResponse = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

export function buildOpenApi(): Json {
  const requests = z.registry<{ id: string }>();
  for (const { id, schema } of Object.values(REQUESTS)) requests.add(schema, { id });
  const requestSchemas = componentsOf(requests, 'input');
  const responseSchemas = componentsOf(docs, 'output');

  const paths: Record<string, Record<string, Json>> = {};
  const routes = routesOf();
  for (const key of Object.keys(OPERATIONS)) {
    if (!routes.some((r) => `${r.method} ${r.path}` === key)) fail(`text for ${key}, which is no route`);
  }
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const text = OPERATIONS[key] ?? fail(`no text for ${key} in scripts/openapi/text.ts`);
    const success = ALL_SUCCESS[key] ?? fail(`no success response for ${key} in responses.ts`);

    for (const name of route.path.matchAll(/\{([^}]+)\}/g)) {
      if (!text.parameters?.some((p) => p.in === 'path' && p.name === name[1]))
        fail(`${key}: path parameter ${name[1]} is not described`);
    }

    const responses: Record<string, Json> = {};
    for (const [code, description] of Object.entries(text.responses)) {
      if (code.startsWith('2')) {
        if (!(code in success)) fail(`${key}: ${code} has no schema in responses.ts`);
        const schema = success[code];
        const id = schema ? (docs.get(schema)?.id ?? fail(`${key}: ${code} schema has no name`)) : undefined;
        responses[code] = {
          description,
          ...(id
            ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } } }
            : {}),
        };
      } else {
        responses[code] = { description, ...(code === '401' ? {} : errorResponse) };
      }
    }
    for (const code of Object.keys(success))
      if (!(code in text.responses)) fail(`${key}: ${code} has a schema but no description`);

    const request = REQUESTS[key];
    if (request) {
      const schema = requestSchemas[request.id] ?? fail(`${request.id} missing`);
      Object.assign(schema, request.extra);
      for (const [path, description] of Object.entries(text.fields ?? {}))
        describeField(schema, path, description, key);
    } else if (text.fields) fail(`${key}: field notes but no request schema`);

    const operations = paths[route.path] ?? {};
    paths[route.path] = operations;
    operations[route.method.toLowerCase()] = {
      summary: text.summary,
      ...(text.description ? { description: text.description } : {}),
      ...(route.roles.length === 0 ? { security: [] } : {}),
      ...(text.parameters ? { parameters: text.parameters } : {}),
      ...(request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: `#/components/schemas/${request.id}` } } },
            },
          }
        : {}),
      responses,
    };
  }
  for (const key of Object.keys(REQUESTS))
    if (!routes.some((r) => `${r.method} ${r.path}` === key))
      fail(`request schema for ${key}, which is no route`);

  return {
    ...DOCUMENT,
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: { ...responseSchemas, ...requestSchemas },
    },
  };
}
