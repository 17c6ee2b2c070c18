/** What every function's deps hold besides adapters: its clock and id generator (no SDK). */
import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../../domain/ports';
import { type Clock, clockFor } from '../../kernel/clock';
import { config } from '../config';
import { once } from '../sdk/options';

/** Time-ordered, unguessable ids: <prefix>_<12 hex of ms><16 hex random>. */
export const randomIds: IdGenerator = {
  next: (prefix) => `${prefix}_${Date.now().toString(16).padStart(12, '0')}${randomBytes(8).toString('hex')}`,
};

/** The adjustable clock on the local stack, the system clock on AWS. */
export const clock = once((): Clock => clockFor(config().clockAdjustable));

/** The deps a domain entry point takes: its first parameter. */
// biome-ignore lint/suspicious/noExplicitAny: matches any entry point's other parameters.
export type DepsOf<F extends (deps: never, ...rest: any[]) => unknown> = Parameters<F>[0];

/**
 * The deps of a function, holding only the adapters it is granted. `D` is what its domain entry
 * points take (`DepsOf<typeof entry>`, each a narrow `Pick` of the ports it uses, plus the
 * refusal audit of an HTTP route), so a port an entry point uses but the handler does not wire is
 * a type error, not a TypeError on a failure path at run time. Ports beyond `D` are allowed: what
 * a function may call is what lib/function-adapters.ts declares (and its IAM role allows,
 * test/infra/least-privilege.test.ts), and test/unit/wiring.test.ts checks each handler wires
 * exactly that.
 */
export const granted = <D>(deps: D & Record<string, unknown>): D => Object.freeze(deps) as D;

/**
 * `granted` for the entry points that still take a wide deps type (the purge use cases and
 * resume, whose ports depend on the path taken: a draft's cancel needs the file store, a files
 * deletion does not): only the ports given are present, as only they are granted; the
 * integration suites drive each path through these handlers.
 */
export const grantedSubset = <D>(deps: Partial<D>): D => Object.freeze(deps) as D;
