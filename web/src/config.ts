/** Where the console runs: /config.json, written by the local stack or by the CDK deployment. */
import { setApiBase } from './api';
import type { AuthConfig } from './auth';

export interface ConsoleConfig {
  readonly stage: string;
  /** '' when the API serves the console (local stack). */
  readonly apiUrl: string;
  readonly auth: AuthConfig;
}

export const loadConfig = async (): Promise<ConsoleConfig> => {
  const res = await fetch('/config.json', { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error('The console has no configuration (config.json).');
  const config = (await res.json()) as ConsoleConfig;
  setApiBase(config.apiUrl);
  return config;
};
