/**
 * What every SDK client shares, from the config. No SDK import here: each client lives in its own
 * module (dynamodb.ts, s3.ts, kms.ts, sfn.ts, sns.ts), so a bundle holds only the clients its
 * function's adapters use.
 */
import type { Config, Service } from '../config';

/** Memoises a factory: one instance per process (a handler's cold start), made on first use. */
export const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
};

export const clientOptions = (cfg: Config, service: Service) => ({
  region: cfg.region,
  ...(cfg.endpoints[service] ? { endpoint: cfg.endpoints[service] } : {}),
  // Always from the config (the environment, on AWS and locally): the default chain is not bundled.
  // A fresh object: the SDK annotates the credentials it is given, and the config is frozen.
  credentials: { ...cfg.credentials },
  // Lambda retries through Step Functions or the caller; keep SDK retries short so a timeout
  // budget is not spent waiting on one dependency.
  maxAttempts: 3,
});
