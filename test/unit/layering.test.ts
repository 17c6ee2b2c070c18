/**
 * The layers read top-down and never the other way: `common/` is plain data both the CDK app
 * and the functions read; `lambdas/kernel/` (errors, identity, clock) is all the domain may use
 * besides `common/`; `lambdas/domain/` never sits above an adapter, the SDK or the composition
 * root (`lambdas/runtime/`); nothing under `lambdas/` imports `lib/`, and `lib/` imports no
 * function code. Each rule reads the import specifiers of every file it covers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/project-paths';

const ROOT = projectPath('.');

const filesUnder = (dir: string): string[] =>
  readdirSync(projectPath(dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));

/** Every `from '…'` and `import('…')` specifier, resolved to a project path when relative. */
const importsOf = (file: string): string[] => {
  const source = readFileSync(projectPath(file), 'utf8');
  const specs = [...source.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'([^']+)'/gm)].map(
    (m) => m[1] ?? '',
  );
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s));
};

/** Files under `dir` with an import that `allowed` refuses, as `file → import`. */
const violations = (dir: string, allowed: (spec: string) => boolean): string[] =>
  filesUnder(dir).flatMap((file) =>
    importsOf(file)
      .filter((spec) => !allowed(spec))
      .map((spec) => `${file} → ${spec}`),
  );

const within =
  (...prefixes: string[]) =>
  (spec: string) =>
    prefixes.some((p) => spec === p || spec.startsWith(`${p}/`));

describe('layering', () => {
  it('common/ is plain data: it imports nothing but itself', () => {
    expect(violations('common', within('common'))).toEqual([]);
  });

  it('the kernel imports only itself, common/ and types', () => {
    expect(violations('lambdas/kernel', within('lambdas/kernel', 'common', 'aws-lambda'))).toEqual([]);
  });

  it('the domain imports only the domain, the kernel, common/, zod/mini and node built-ins', () => {
    const allowed = within('lambdas/domain', 'lambdas/kernel', 'common', 'zod/mini', 'aws-lambda');
    expect(violations('lambdas/domain', (s) => allowed(s) || s.startsWith('node:'))).toEqual([]);
  });

  it('adapters implement domain ports: never the runtime (but its logger), handlers or lib/', () => {
    const refused = within('lambdas/runtime', 'lambdas/handlers', 'lib');
    expect(violations('lambdas/adapters', (s) => s === 'lambdas/runtime/logger' || !refused(s))).toEqual([]);
  });

  it('nothing under lambdas/ imports lib/, and lib/ imports no function code', () => {
    expect(violations('lambdas', (s) => !within('lib')(s))).toEqual([]);
    expect(violations('lib', (s) => !within('lambdas')(s))).toEqual([]);
  });

  it('the rules see real imports (a handler imports the runtime and the domain)', () => {
    const imports = importsOf('lambdas/handlers/create-order.ts');
    expect(imports.some(within('lambdas/runtime'))).toBe(true);
    expect(imports.some(within('lambdas/domain'))).toBe(true);
  });
});
