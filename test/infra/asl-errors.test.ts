/**
 * The ASL Retry/Catch blocks match errors by name. A name the ASL matches that no error class
 * has is a retry that never happens; a renamed class silently turns retries into MarkStuck.
 * Every name the state machines match is either the service's own (States.*, Lambda.*) or the
 * stable name of a domain error class, and the file check's transient fault is retried alike
 * in every task that checks stored files (Ingest and QaDesign).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOMAIN_ERRORS, TransientError } from '../../lambdas/kernel/errors';

const STATE_MACHINES_DIR = fileURLToPath(new URL('../../statemachines/', import.meta.url));

interface Matcher {
  readonly ErrorEquals: readonly string[];
  readonly MaxAttempts?: number;
}
interface State {
  readonly Type: string;
  readonly Retry?: readonly Matcher[];
  readonly Catch?: readonly Matcher[];
  readonly Branches?: readonly { readonly States: Record<string, State> }[];
  readonly Iterator?: { readonly States: Record<string, State> };
  readonly ItemProcessor?: { readonly States: Record<string, State> };
}

/** Every state of a machine, nested ones (Parallel, Map) included, by name. */
const statesOf = (states: Record<string, State>): [string, State][] =>
  Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...[...(state.Branches ?? []), state.Iterator, state.ItemProcessor].flatMap((inner) =>
      inner ? statesOf(inner.States) : [],
    ),
  ]);

const machines = readdirSync(STATE_MACHINES_DIR)
  .filter((f) => f.endsWith('.asl.json'))
  .map((file) => {
    const asl = JSON.parse(readFileSync(join(STATE_MACHINES_DIR, file), 'utf8')) as {
      States: Record<string, State>;
    };
    return { file, states: statesOf(asl.States) };
  });

const SERVICE_ERROR = /^(States|Lambda)\.[A-Za-z]+$/;
// test/unit/errors.test.ts proves each instance's `name` is its class's name.
const DOMAIN_NAMES = new Set<string>(DOMAIN_ERRORS.map((Class) => Class.name));

describe('error names the state machines match', () => {
  it('the state machines are found and match some error names', () => {
    expect(machines.length).toBeGreaterThan(0);
    expect(machines.flatMap((m) => m.states).some(([, s]) => s.Retry?.length)).toBe(true);
  });

  it.each(machines)(
    '$file: every name in Retry/Catch is a service error or a domain error class',
    ({ states }) => {
      const unknown = states.flatMap(([state, s]) =>
        [...(s.Retry ?? []), ...(s.Catch ?? [])]
          .flatMap((m) => m.ErrorEquals)
          .filter((name) => !SERVICE_ERROR.test(name) && !DOMAIN_NAMES.has(name))
          .map((name) => `${state}: ${name}`),
      );
      expect(unknown).toEqual([]);
    },
  );

  it('Ingest and QaDesign, which share the file check, both retry its TransientError the same way', () => {
    const workflow = machines.find((m) => m.file === 'order-workflow.asl.json');
    const retryOf = (state: string) => {
      const found = workflow?.states.find(([name]) => name === state)?.[1];
      return found?.Retry?.find((r) => r.ErrorEquals.includes(new TransientError('x').name));
    };
    expect(retryOf('Ingest')).toBeDefined();
    expect(retryOf('Ingest')?.MaxAttempts).toBeGreaterThan(0);
    expect(retryOf('QaDesign')).toEqual(retryOf('Ingest'));
  });
});
