/**
 * The console's API types are generated from docs/openapi.json (`npm run web:types`), never
 * written by hand: this fails when web/src/api-schema.d.ts is not what the generator makes of the
 * committed contract (a route, a schema or a field changed without regenerating).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('web/src/api-schema.d.ts', () => {
  it('is what openapi-typescript generates from docs/openapi.json (run npm run web:types)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caseline-web-types-'));
    try {
      const out = join(dir, 'api-schema.d.ts');
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
          join(ROOT, 'docs/openapi.json'),
          '-o',
          out,
        ],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const committed = readFileSync(join(ROOT, 'web/src/api-schema.d.ts'), 'utf8');
      expect(
        committed === readFileSync(out, 'utf8'),
        'stale: run `npm run web:types` and commit the file',
      ).toBe(true);
      // The console's types cover every route of the contract.
      const contract = JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')) as {
        paths: Record<string, unknown>;
      };
      for (const path of Object.keys(contract.paths)) expect(committed).toContain(`"${path}": {`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
