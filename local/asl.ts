/**
 * Loads a state machine definition the way CloudFormation applies DefinitionSubstitutions:
 * every ${Name} replaced, and an unknown placeholder is an error rather than a silent hole.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATEMACHINES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'statemachines');

export const placeholdersIn = (text: string): Set<string> =>
  new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? ''));

export const loadDefinition = (file: string, substitutions: Readonly<Record<string, string>>): object => {
  const text = readFileSync(resolve(STATEMACHINES_DIR, file), 'utf8');
  const missing = [...placeholdersIn(text)].filter((p) => !(p in substitutions));
  if (missing.length) throw new Error(`${file}: no substitution for ${missing.join(', ')}`);
  return JSON.parse(text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => substitutions[name] ?? ''));
};
