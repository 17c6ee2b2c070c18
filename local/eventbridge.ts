/**
 * What EventBridge does for Caseline, offline: `PutEvents` on the default bus (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.PutEvents`, as @aws-sdk/client-eventbridge sends it), each event
 * matched against the security rules' patterns (common/security-events.ts, the same data the CDK
 * rules are made from) and handed to the rule's target function, as EventBridge would.
 *
 * As strict as AWS where it can be: a signed request; 1 to 10 entries; 256 KB in all, counted as AWS
 * counts (Time 14 bytes, Source, DetailType, Detail, each Resources entry, in UTF-8); Source,
 * DetailType and Detail required, Detail a JSON object; the default bus only. What it does not do
 * (README, "AWS security signals"): it accepts sources beginning `aws.` (AWS refuses them to
 * callers: here the stand-in also plays GuardDuty and CloudTrail delivering their events); it
 * checks no signature or IAM; a failed invocation is not retried (AWS retries for 24 hours).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type EventPattern,
  type PatternValue,
  PUT_EVENTS_LIMITS,
  type SecurityRule,
} from '../common/security-events';
import type { Clock } from '../lambdas/kernel/clock';

export interface EventBridgeOptions {
  readonly host: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly rules: readonly SecurityRule[];
  /** Invokes a rule's target with the event (the functions host). */
  readonly invoke: (rule: SecurityRule, event: Record<string, unknown>) => Promise<unknown>;
}

export interface EventBridge {
  readonly endpoint: string;
  /** Resolves when every invocation started so far has ended. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The most a request body may be before it is read (the entries' 256 KB plus JSON's overhead). */
const MAX_BODY_BYTES = 1024 * 1024;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const matchesLeaf = (value: Json, matchers: readonly Json[]): boolean => {
  const values = Array.isArray(value) ? value : [value];
  return values.some(
    (v) =>
      (typeof v === 'string' || typeof v === 'number') &&
      matchers.some((m) =>
        isObject(m) && Array.isArray(m['anything-but'])
          ? !(m['anything-but'] as Json[]).includes(v)
          : m === v,
      ),
  );
};

/** EventBridge's matching for the pattern forms the rules use: values, anything-but, nesting, $or. */
export const matchesPattern = (pattern: EventPattern, event: Json): boolean => {
  if (!isObject(event)) return Array.isArray(event) && event.some((e) => matchesPattern(pattern, e));
  return Object.entries(pattern).every(([key, expected]: [string, PatternValue]) => {
    if (key === '$or')
      return (expected as readonly EventPattern[]).some((alternative) => matchesPattern(alternative, event));
    const value = event[key];
    if (value === undefined) return false;
    if (Array.isArray(expected)) return matchesLeaf(value, expected as readonly Json[]);
    return matchesPattern(expected as EventPattern, value);
  });
};

class RequestError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new RequestError(
            'ValidationException',
            'Total size of the entries in the request is over the limit.',
            413,
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const utf8 = (v: Json) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);

/** AWS's count of an entry's size (PutEvents quotas: "Calculating PutEvents event entry size"). */
const entrySize = (entry: Record<string, Json>) =>
  (entry.Time !== undefined ? 14 : 0) +
  utf8(entry.Source) +
  utf8(entry.DetailType) +
  utf8(entry.Detail) +
  (Array.isArray(entry.Resources) ? entry.Resources.reduce<number>((n, r) => n + utf8(r), 0) : 0);

const timeOf = (v: Json, now: Date): string => {
  // The SDK sends a Date as epoch seconds; a string is accepted as ISO 8601.
  const t = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return (Number.isFinite(t) ? new Date(t) : now).toISOString().replace(/\.\d{3}Z$/, 'Z');
};

export const startEventBridge = async (opts: EventBridgeOptions): Promise<EventBridge> => {
  const inFlight = new Set<Promise<unknown>>();

  const putEvents = (body: Json) => {
    if (!isObject(body) || !Array.isArray(body.Entries))
      throw new RequestError(
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    const entries = body.Entries as Json[];
    if (entries.length < 1 || entries.length > PUT_EVENTS_LIMITS.maxEntries)
      throw new RequestError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_LIMITS.maxEntries} and greater than or equal to 1`,
      );
    const total = entries.reduce<number>((n, e) => n + (isObject(e) ? entrySize(e) : 0), 0);
    if (total > PUT_EVENTS_LIMITS.maxBytes)
      throw new RequestError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );

    const now = opts.clock.now();
    const results = entries.map((raw) => {
      const entry = isObject(raw) ? raw : {};
      for (const field of ['Source', 'DetailType', 'Detail'] as const)
        if (typeof entry[field] !== 'string' || entry[field] === '')
          return {
            ErrorCode: 'InvalidArgument',
            ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
          };
      const bus = entry.EventBusName;
      if (
        bus !== undefined &&
        bus !== 'default' &&
        bus !== `arn:aws:events:${opts.region}:${opts.accountId}:event-bus/default`
      )
        return {
          ErrorCode: 'NotAuthorizedForResourceException',
          ErrorMessage: `Event bus ${String(bus)} does not exist.`,
        };
      let detail: Json;
      try {
        detail = JSON.parse(entry.Detail as string);
      } catch {
        detail = undefined;
      }
      if (!isObject(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      const id = randomUUID();
      const event: Record<string, unknown> = {
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: opts.accountId,
        time: timeOf(entry.Time, now),
        region: opts.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.filter((r) => typeof r === 'string') : [],
        detail,
      };
      for (const rule of opts.rules) {
        if (!matchesPattern(rule.pattern, event)) continue;
        // Asynchronous, as on AWS: PutEvents answers before any target has run.
        const run: Promise<unknown> = opts.invoke(rule, event).catch(() => undefined);
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
      }
      return { EventId: id };
    });
    return {
      FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
      Entries: results,
    };
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const send = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      try {
        if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/')
          throw new RequestError('UnknownOperationException', 'Only POST / is served', 404);
        // Signatures are not verified, but AWS refuses an unsigned request, so it is refused here too.
        if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
          throw new RequestError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
        const target = String(req.headers['x-amz-target'] ?? '');
        if (target !== 'AWSEvents.PutEvents')
          throw new RequestError(
            'UnknownOperationException',
            `The local EventBridge serves PutEvents only, not ${target}`,
          );
        const raw = await readBody(req);
        let body: Json;
        try {
          body = raw === '' ? {} : JSON.parse(raw);
        } catch {
          throw new RequestError('SerializationException', 'Request body is not valid JSON');
        }
        send(200, putEvents(body));
      } catch (error) {
        if (error instanceof RequestError)
          send(error.status, { __type: error.type, message: error.message }, error.type);
        else send(500, { __type: 'InternalException', message: 'Internal failure' }, 'InternalException');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    idle: async () => {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    close: async () => {
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
