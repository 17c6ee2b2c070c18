/**
 * Remembers which state machine definitions already passed asl-validator, so a start does not pay for the
 * validator's schema compilation (0.5-1.5 s) again for a definition it has already checked.
 *
 * An entry is a file named by the SHA-256 of the validator's versions and the definition's exact text: any change
 * to either is a different name, and a definition that was never validated has no entry, so it is validated (and
 * refused, if invalid) like on the first start. Only a pass is recorded; a failure is never cached.
 *
 * The default directory is node_modules/.cache/caseline (the conventional home of tool caches, removed with
 * node_modules by `npm ci`), not the stack's data dir, so `--memory` stacks and test stacks share it. A cache
 * that cannot be read or written is no cache: the definition is validated.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from './store';

export const DEFAULT_VALIDATION_CACHE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '.cache',
  'caseline',
  'asl-validated',
);

/** `name@version` of a package as installed (its exports may hide package.json, so it is found from the entry). */
const packageOf = (name: string, from: string): { id: string; entry: string } => {
  try {
    const entry = createRequire(from).resolve(name);
    for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name) return { id: `${name}@${pkg.version}`, entry };
      } catch {
        // No package.json at this level: look further up.
      }
    }
    return { id: `${name}@unknown`, entry };
  } catch {
    return { id: `${name}@unknown`, entry: from };
  }
};

/** The interpreter and the validator it runs, with their versions: a new version validates everything again. */
export const validatorVersions = (() => {
  const interpreter = packageOf('aws-local-stepfunctions', import.meta.url);
  return `${interpreter.id} ${packageOf('asl-validator', interpreter.entry).id}`;
})();

export class ValidationCache {
  constructor(private readonly dir: string) {}

  private entry(definitionText: string): string {
    return join(this.dir, sha256Hex(`${validatorVersions}\n${definitionText}`));
  }

  /** Whether this exact definition passed this validator before. */
  has(definitionText: string): boolean {
    try {
      // The entry holds the text it was made for: a name alone is not trusted.
      return readFileSync(this.entry(definitionText), 'utf8') === definitionText;
    } catch {
      return false;
    }
  }

  /** Records that this exact definition passed (call only after it did). */
  add(definitionText: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      // Written whole under a temporary name, then renamed: a reader sees no entry or a complete one.
      const file = this.entry(definitionText);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, definitionText);
      renameIfPossible(tmp, file);
    } catch {
      // A read-only node_modules: validate every start, as without a cache.
    }
  }
}

const renameIfPossible = (from: string, to: string) => {
  try {
    renameSync(from, to);
  } catch {
    rmSync(from, { force: true });
  }
};
