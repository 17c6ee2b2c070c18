/**
 * Every environment variable a handler reads, read once at cold start into a frozen object.
 * A missing variable fails the cold start, not the first request that needs it.
 *
 * The local stack and AWS differ only here: on the local stack CASELINE_STAGE=local and the
 * CASELINE_ENDPOINT_* variables point the SDK clients at loopback stand-ins.
 *
 * Credentials come from the environment on both, read here and handed to every client: Lambda
 * puts the role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
 * and the local stack sets the first two. The SDK's default credential chain is therefore not
 * bundled (lib/bundling.ts, docs/infrastructure.md).
 */
import {
  ACCOUNT_KEYS,
  BUCKETS,
  type BucketId,
  type KeyId,
  KMS_KEYS,
  STATE_MACHINES,
  type StateMachineId,
  TABLES,
  type TableId,
  TOPICS,
  type TopicId,
  USER_POOL,
} from '../../common/definitions';

export type Stage = 'aws' | 'local';
export type Service = 'dynamodb' | 's3' | 'kms' | 'sfn' | 'sns' | 'cognito';

export interface Config {
  readonly stage: Stage;
  readonly region: string;
  /** Loopback endpoints on the local stack; absent on AWS (the SDK's defaults apply). */
  readonly endpoints: Readonly<Partial<Record<Service, string>>>;
  /**
   * From the environment, on AWS (the function role's, which Lambda sets for the life of the
   * execution environment) and on the local stack alike.
   */
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  readonly tables: Readonly<Record<TableId, string>>;
  readonly buckets: Readonly<Record<BucketId, string>>;
  readonly keys: Readonly<Record<KeyId, string>>;
  readonly stateMachines: Readonly<Record<StateMachineId, string>>;
  readonly topics: Readonly<Record<TopicId, string>>;
  /** This stack's role ARN pattern, the principals a partner account's new key admits (common/key-policy.ts). */
  readonly accountKeyUsers: string;
  /** The Cognito user pool partners' users are invited to and removed from. */
  readonly userPoolId: string;
  /** Only the local stack may move time; AWS always runs on the system clock. */
  readonly clockAdjustable: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const required = (env: Env, name: string): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`Missing environment variable ${name}`);
  return value;
};

const fromDefinitions = <K extends string>(env: Env, defs: Readonly<Record<K, { envVar: string }>>) =>
  Object.freeze(
    Object.fromEntries(
      Object.entries<{ envVar: string }>(defs).map(([id, d]) => [id, required(env, d.envVar)]),
    ),
  ) as Readonly<Record<K, string>>;

export const readConfig = (env: Env): Config => {
  const stage = (env.CASELINE_STAGE ?? 'aws') as Stage;
  if (stage !== 'aws' && stage !== 'local') throw new ConfigError('CASELINE_STAGE must be aws or local');
  const endpoints: Partial<Record<Service, string>> = {};
  if (stage === 'local') {
    for (const service of ['dynamodb', 's3', 'kms', 'sfn', 'sns', 'cognito'] as const) {
      endpoints[service] = required(env, `CASELINE_ENDPOINT_${service.toUpperCase()}`);
    }
  }
  return Object.freeze({
    stage,
    region: required(env, 'AWS_REGION'),
    endpoints: Object.freeze(endpoints),
    credentials: Object.freeze({
      accessKeyId: required(env, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: required(env, 'AWS_SECRET_ACCESS_KEY'),
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    }),
    tables: fromDefinitions(env, TABLES),
    buckets: fromDefinitions(env, BUCKETS),
    keys: fromDefinitions(env, KMS_KEYS),
    stateMachines: fromDefinitions(env, STATE_MACHINES),
    topics: fromDefinitions(env, TOPICS),
    accountKeyUsers: required(env, ACCOUNT_KEYS.usersEnvVar),
    userPoolId: required(env, USER_POOL.envVar),
    clockAdjustable: stage === 'local',
  });
};

let cached: Config | undefined;

/** The process's configuration, read on first use (module scope of a handler = cold start). */
export const config = (): Config => {
  cached ??= readConfig(process.env);
  return cached;
};
