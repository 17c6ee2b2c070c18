/**
 * The local stack: every AWS stand-in Caseline needs, in one process, on loopback ports, with
 * the same handlers and the same ASL files as the CDK app. SDK clients reach it over the wire;
 * only endpoints and credentials differ from AWS (lambdas/runtime/config.ts).
 *
 * One local stack per process: handlers read their configuration from process.env once.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONSOLE_HEADERS, consoleCorsRule, consoleCsp } from '../common/console';
import {
  ACCOUNT_KEYS,
  BUCKETS,
  KMS_KEYS,
  localTableName,
  STATE_MACHINES,
  type StateMachineId,
  TABLES,
  TOPICS,
  USER_POOL,
} from '../common/definitions';
import { securityRules } from '../common/security-events';
import { KmsAccountKeys } from '../lambdas/adapters/kms-account-keys';
import { adjustableClock } from '../lambdas/kernel/clock';
import { FUNCTIONS, functionArnPlaceholder } from '../lib/functions';
import { loadDefinition } from './asl';
import { startCognito, UserDirectory } from './cognito';
import { startDynamo } from './dynamo';
import { startEventBridge } from './eventbridge';
import { FunctionsHost, localFunctionArn } from './functions-host';
import { type HttpApi, type LocalRoute, startHttpApi } from './http-api';
import { CLIENT_ID, createIdp, TokenGrantError } from './idp';
import { startKmsServer } from './kms/server';
import { type Outbox, startOutbox } from './outbox';
import { S3_CREDENTIALS, startS3 } from './s3';
import { Scheduler } from './scheduler';
import { seedAccountKeys, seedAccounts } from './seed';
import { seedDesigners } from './seed-designers';
import { startSfnServer } from './sfn/server';
import { writeFileAtomic } from './sfn/store';
import { DEFAULT_VALIDATION_CACHE_DIR } from './sfn/validation-cache';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export interface LocalStackOptions {
  /** Directory for persistent data; omit to keep everything in memory. */
  readonly dataDir?: string;
  /** Port of the HTTP API; the stand-ins take the next six. 0 = random ports for everything. */
  readonly port?: number;
  readonly host?: string;
  /** Step Functions retry intervals in seconds by state name (tests make retries instant). */
  readonly retryIntervalOverrides?: Record<string, number | number[]>;
  /** Start the real-time scheduler ticks (off in tests, which run jobs explicitly). */
  readonly scheduler?: boolean;
  /** Where ASL definitions that passed validation are remembered (default: node_modules/.cache/caseline). */
  readonly validationCacheDir?: string;
  /**
   * Run the functions from their built bundles in this directory (`<dir>/<id>/index.mjs`, built
   * by scripts/bundles.ts as `cdk synth` builds them) instead of the TypeScript sources.
   */
  readonly bundleDir?: string;
  /** The built web console served at `/` (default web/dist, built by `npm run build:web`). */
  readonly consoleDir?: string;
}

const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../web/dist', import.meta.url));

export interface LocalStack {
  readonly apiUrl: string;
  readonly endpoints: Readonly<
    Record<'dynamodb' | 's3' | 'kms' | 'sfn' | 'sns' | 'cognito' | 'eventbridge', string>
  >;
  readonly env: Readonly<Record<string, string>>;
  readonly outbox: Outbox;
  readonly scheduler: Scheduler;
  /** From this call until ready; `npm start` prints the time from process start, imports included. */
  /** Where each function invoked so far was loaded from (a handler source, or its bundle). */
  readonly loadedFunctions: () => ReadonlyMap<string, string>;
  readonly startupMs: number;
  /** Resolves when no workflow execution is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** An OAuth endpoint's form fields, or undefined when the body is not form-encoded (Cognito refuses it). */
const oauthForm = (body: unknown, contentType: string): Record<string, string | undefined> | undefined =>
  contentType === 'application/x-www-form-urlencoded' &&
  typeof body === 'object' &&
  body !== null &&
  // Bounded before any token is hashed or split: a Cognito refresh token is under 2 KB.
  Object.values(body).every((v) => typeof v === 'string' && v.length <= MAX_OAUTH_FIELD_CHARS)
    ? (body as Record<string, string>)
    : undefined;

const MAX_OAUTH_FIELD_CHARS = 4096;

// Cognito answers every refused grant or request with 400 and an OAuth error code.
const oauthError = (error: string) => ({ status: 400, body: { error } });

const parseDuration = (body: unknown): number | undefined => {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const n = (k: string) => (typeof b[k] === 'number' ? (b[k] as number) : 0);
  const ms = n('ms') + n('seconds') * 1e3 + n('minutes') * 6e4 + n('hours') * 36e5 + n('days') * 864e5;
  return ms > 0 ? ms : undefined;
};

export const startLocalStack = async (opts: LocalStackOptions = {}): Promise<LocalStack> => {
  const started = performance.now();
  // Node 20 is what this machine has; the SDK's notice about its future Node 22 floor is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const host = opts.host ?? '127.0.0.1';
  const base = opts.port ?? 4000;
  const portFor = (i: number) => (base === 0 ? 0 : base + i);
  const dir = opts.dataDir;
  if (dir) mkdirSync(dir, { recursive: true });

  // The clock first: tokens, outbox timestamps and handlers all read it.
  const clockFile = dir ? join(dir, 'clock.json') : undefined;
  adjustableClock.setOffset(
    clockFile && existsSync(clockFile)
      ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs: number }).offsetMs
      : 0,
  );
  // The IdP's RSA key pair is generated (or read) off the main thread while the stand-ins start. Handled here so
  // an early failure elsewhere leaves no unhandled rejection; awaited (and rethrown) below.
  // The user pool: the seeded users and everyone invited since (.data/users.json when on disk).
  const directory = new UserDirectory(
    USER_POOL.localId,
    adjustableClock,
    dir ? join(dir, 'users.json') : undefined,
  );
  const idpStarting = createIdp({
    directory,
    issuer: `http://${host}:${base === 0 ? 'local' : base}/local-idp`,
    clock: adjustableClock,
    ...(dir ? { keyFile: join(dir, 'idp-key.json') } : {}),
  });
  idpStarting.catch(() => undefined);

  const startKms = async () => {
    const kms = await startKmsServer({
      host,
      port: portFor(3),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      ...(dir ? { stateFile: join(dir, 'kms-keys.json') } : {}),
      // Pending deletions end on the stack's clock (an operator advancing it past the window deletes the key).
      clock: adjustableClock,
      keys: Object.values(KMS_KEYS).map((k) => ({
        alias: k.alias,
        keySpec: k.keySpec,
        keyUsage: k.keyUsage,
      })),
    });
    // S3 encrypts through KMS over the wire, so it starts once KMS answers.
    const s3 = await startS3({
      host,
      port: portFor(2),
      region: LOCAL_REGION,
      clock: adjustableClock,
      kmsEndpoint: kms.endpoint,
      kmsKeyArn: kms.keyArnForAlias(KMS_KEYS.caseData.alias),
      ...(dir ? { dir: join(dir, 's3') } : {}),
    }).catch(async (error: unknown) => {
      await kms.close();
      throw error;
    });
    return { kms, s3 };
  };
  const [dynamo, { kms, s3 }, outbox] = await Promise.all([
    startDynamo({
      host,
      port: portFor(1),
      ...(dir ? { dir: join(dir, 'dynamodb') } : {}),
      credentials: S3_CREDENTIALS,
      region: LOCAL_REGION,
    }),
    startKms(),
    startOutbox({
      host,
      port: portFor(5),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      topics: Object.values(TOPICS).map((t) => t.localName),
      clock: adjustableClock,
      ...(dir ? { file: join(dir, 'outbox.jsonl') } : {}),
    }),
  ]);

  const functions = new FunctionsHost(LOCAL_REGION, LOCAL_ACCOUNT, undefined, opts.bundleDir);
  const stateMachineNames = Object.fromEntries(
    Object.values(STATE_MACHINES).map((sm) => [sm.id, sm.localName]),
  ) as Record<StateMachineId, string>;
  const substitutions = Object.fromEntries(
    FUNCTIONS.filter((f) => f.task).map((f) => [
      functionArnPlaceholder(f.id),
      localFunctionArn(LOCAL_REGION, LOCAL_ACCOUNT, f.id),
    ]),
  );
  const sfn = await startSfnServer({
    host,
    port: portFor(4),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    stateMachines: Object.values(STATE_MACHINES).map((sm) => ({
      name: sm.localName,
      definition: loadDefinition(sm.file, substitutions),
    })),
    invokeFunction: (name, payload) => functions.invoke(name, payload),
    clock: adjustableClock,
    ...(dir ? { dataDir: join(dir, 'stepfunctions') } : {}),
    validationCacheDir: opts.validationCacheDir ?? DEFAULT_VALIDATION_CACHE_DIR,
    ...(opts.retryIntervalOverrides ? { retryIntervalOverrides: opts.retryIntervalOverrides } : {}),
  });

  const cognito = await startCognito({ host, port: portFor(6), directory });
  // The security rules of the CDK app, on local names, invoking the same handler (common/security-events.ts).
  const eventBridge = await startEventBridge({
    host,
    port: portFor(7),
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    clock: adjustableClock,
    rules: securityRules({
      caseFilesBucket: BUCKETS.caseFiles.localName,
      buckets: Object.values(BUCKETS).map((b) => b.localName),
      keyShredderRoles: FUNCTIONS.filter((f) => f.access.accountKeys?.includes('shred')).map(
        (f) => `arn:aws:iam::${LOCAL_ACCOUNT}:role/caseline-${f.id}`,
      ),
    }),
    invoke: (_rule, event) => functions.invoke('securitySignal', event),
  });
  const endpoints = {
    eventbridge: eventBridge.endpoint,
    cognito: cognito.endpoint,
    dynamodb: dynamo.endpoint,
    s3: s3.endpoint,
    kms: kms.endpoint,
    sfn: sfn.endpoint,
    sns: outbox.endpoint,
  };
  const env: Record<string, string> = {
    CASELINE_STAGE: 'local',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    ...Object.fromEntries(
      Object.entries(endpoints).map(([k, v]) => [`CASELINE_ENDPOINT_${k.toUpperCase()}`, v]),
    ),
    [USER_POOL.envVar]: USER_POOL.localId,
    ...Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, localTableName(t.id)])),
    ...Object.fromEntries(Object.values(BUCKETS).map((b) => [b.envVar, b.localName])),
    ...Object.fromEntries(Object.values(KMS_KEYS).map((k) => [k.envVar, kms.keyArnForAlias(k.alias)])),
    // The principals an account key's policy names (not evaluated here: the stand-in has no IAM).
    [ACCOUNT_KEYS.usersEnvVar]: `arn:aws:iam::${LOCAL_ACCOUNT}:role/caseline-*`,
    ...Object.fromEntries(
      Object.values(STATE_MACHINES).map((sm) => [sm.envVar, sfn.stateMachineArn(stateMachineNames[sm.id])]),
    ),
    ...Object.fromEntries(
      Object.values(TOPICS).map((t) => [
        t.envVar,
        `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${t.localName}`,
      ]),
    ),
  };
  // Handlers are imported lazily, after this: their config reads these at cold start.
  Object.assign(process.env, env);

  // The designer registry starts with the seeded designers (idempotent across restarts). A client of its own,
  // with the handlers' marshalling: the SDK clients the handlers use are loaded with the first handler.
  const seedClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: LOCAL_REGION,
      endpoint: dynamo.endpoint,
      credentials: { ...S3_CREDENTIALS },
    }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );
  await seedDesigners(seedClient, localTableName('designers'), adjustableClock.now().toISOString());
  await seedAccounts(seedClient, localTableName('accounts'), adjustableClock.now().toISOString());
  // Every seeded partner account gets its own key, as onboarding gives one (idempotent on .data/),
  // through the same adapter onboarding uses, over the wire.
  const seedKms = new KMSClient({
    region: LOCAL_REGION,
    endpoint: kms.endpoint,
    credentials: { ...S3_CREDENTIALS },
  });
  try {
    await seedAccountKeys(
      seedClient,
      localTableName('accounts'),
      new KmsAccountKeys(seedKms, {
        users: env[ACCOUNT_KEYS.usersEnvVar] ?? '',
        region: LOCAL_REGION,
        bucket: BUCKETS.caseFiles.localName,
      }),
    );
  } finally {
    seedKms.destroy();
    seedClient.destroy();
  }
  // Workflows a previous run left waiting (or mid-Task) carry on, now that their handlers can load.
  sfn.resume();

  const idp = await idpStarting;
  const scheduler = new Scheduler(functions, adjustableClock);
  if (opts.scheduler) scheduler.start();

  const isOperator = (claims?: Record<string, unknown>) => {
    const groups = claims?.['cognito:groups'];
    return Array.isArray(groups) && groups.includes('operator');
  };
  // No token at all is 401, like the authorizer; a valid token of another role is 403. (A token
  // that does not verify is answered 401 by the HTTP API before the route runs.)
  const operatorOnly = (claims?: Record<string, unknown>) => ({
    status: claims ? 403 : 401,
    body: {
      code: claims ? 'FORBIDDEN' : 'UNAUTHORIZED',
      message: 'Sign in as an operator (operator.omar).',
    },
  });
  const localRoutes: Record<string, LocalRoute> = {
    'GET /local/users': async () => ({
      status: 200,
      body: directory.all().map(({ username, sub, roles, accountId, description }) => ({
        username,
        sub,
        roles,
        accountId,
        description,
      })),
    }),
    'POST /local/token': async ({ body }) => {
      const username = (body as { username?: unknown } | undefined)?.username;
      // A seeded user by name, an invited one by name or e-mail; a deleted user gets none.
      const user =
        typeof username === 'string' && username.length <= 254 ? directory.find(username) : undefined;
      if (!user)
        return {
          status: 400,
          body: {
            code: 'VALIDATION_FAILED',
            message: 'username: name one of the users of GET /local/users (or an invited user’s e-mail).',
          },
        };
      return { status: 200, body: await idp.issue(user) };
    },
    // Cognito's token endpoint (POST /oauth2/token) for the refresh grant, with its shape: a form
    // body, a public client named by client_id, snake_case tokens, OAuth errors. No new refresh token.
    'POST /local/oauth2/token': async ({ body, contentType }) => {
      const form = oauthForm(body, contentType);
      if (!form?.grant_type) return oauthError('invalid_request');
      if (form.grant_type !== 'refresh_token') return oauthError('unsupported_grant_type');
      if (!form.client_id || !form.refresh_token) return oauthError('invalid_request');
      try {
        const tokens = await idp.refresh(form.refresh_token, form.client_id);
        return {
          status: 200,
          body: {
            access_token: tokens.accessToken,
            id_token: tokens.idToken,
            token_type: tokens.tokenType,
            expires_in: tokens.expiresIn,
          },
        };
      } catch (error) {
        if (error instanceof TokenGrantError) return oauthError(error.error);
        throw error;
      }
    },
    // Cognito's /oauth2/revoke: the refresh token and every token of its session. An unknown or
    // already revoked token is 200 too (RFC 7009 §2.2); an access token is not revocable here.
    'POST /local/oauth2/revoke': async ({ body, contentType }) => {
      const form = oauthForm(body, contentType);
      if (!form?.token || !form.client_id) return oauthError('invalid_request');
      if (form.client_id !== CLIENT_ID) return oauthError('invalid_client');
      if (form.token.split('.').length === 3) return oauthError('unsupported_token_type');
      idp.revoke(form.token, form.client_id);
      return { status: 200 };
    },
    'GET /.well-known/jwks.json': async () => ({ status: 200, body: idp.jwks }),
    'GET /local/clock': async () => ({
      status: 200,
      body: { now: adjustableClock.now().toISOString(), offsetMs: adjustableClock.offset },
    }),
    'POST /local/clock/advance': async ({ body, claims }) => {
      if (!isOperator(claims)) return operatorOnly(claims);
      const ms = parseDuration(body);
      if (!ms)
        return {
          status: 400,
          body: {
            code: 'VALIDATION_FAILED',
            message: 'Give a positive ms, seconds, minutes, hours or days.',
          },
        };
      const now = adjustableClock.advance(ms);
      // Atomic: a kill mid-write must not leave a clock.json the next start cannot read.
      if (clockFile) writeFileAtomic(clockFile, JSON.stringify({ offsetMs: adjustableClock.offset }));
      sfn.clockMoved();
      const jobs = await scheduler.runAll();
      return { status: 200, body: { now: now.toISOString(), offsetMs: adjustableClock.offset, jobs } };
    },
    'GET /local/outbox': async ({ query }) => ({
      status: 200,
      body: outbox.messages({
        ...(query.get('topic') ? { topic: query.get('topic') as string } : {}),
        ...(query.get('since') ? { since: query.get('since') as string } : {}),
      }),
    }),
    'GET /local/jobs': async () => ({
      status: 200,
      body: { jobs: scheduler.names, history: scheduler.history },
    }),
    'POST /local/jobs/*': async ({ path, claims }) => {
      if (!isOperator(claims)) return operatorOnly(claims);
      const name = path.split('/').pop() ?? '';
      if (!scheduler.names.includes(name))
        return { status: 404, body: { code: 'NOT_FOUND', message: `No job ${name}; see GET /local/jobs.` } };
      return { status: 200, body: await scheduler.run(name) };
    },
  };

  let api: HttpApi;
  try {
    api = await startHttpApi({
      host,
      port: base,
      idp,
      functions,
      clock: adjustableClock,
      localRoutes,
      console: {
        dir: opts.consoleDir ?? DEFAULT_CONSOLE_DIR,
        // The API serves the app, so the API's origin is the page's own ('self').
        headers: () => ({
          'content-security-policy': consoleCsp({ api: "'self'", bucket: s3.endpoint }),
          ...CONSOLE_HEADERS,
        }),
        // The token endpoints on the API's own origin ('self' in the CSP), as Cognito's are at its domain.
        config: () => ({
          stage: 'local',
          apiUrl: '',
          auth: { kind: 'local', domain: '/local', clientId: CLIENT_ID },
        }),
      },
    });
    // The case-files bucket admits the console's origin only, as its CORS rule does on AWS
    // (lib/console.ts); the audit-digests bucket has no rule, so no browser reads it.
    const consoleOrigins = [api.url, api.url.replace('//127.0.0.1:', '//localhost:')];
    s3.setCors(BUCKETS.caseFiles.localName, [consoleCorsRule(consoleOrigins)]);
  } catch (error) {
    await Promise.allSettled([
      dynamo.close(),
      s3.close(),
      kms.close(),
      sfn.close(),
      outbox.close(),
      cognito.close(),
      eventBridge.close(),
    ]);
    throw error;
  }

  return {
    apiUrl: api.url,
    endpoints,
    env,
    outbox,
    scheduler,
    loadedFunctions: () => functions.loadedFrom,
    startupMs: Math.round(performance.now() - started),
    idle: () => sfn.idle(),
    stop: async () => {
      await scheduler.stop();
      await api.close();
      await eventBridge.close();
      await sfn.close();
      await Promise.allSettled([dynamo.close(), s3.close(), kms.close(), outbox.close(), cognito.close()]);
    },
  };
};
