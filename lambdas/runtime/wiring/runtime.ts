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

/**
 * The deps a domain entry point takes, holding only the adapters this function is granted.
 * Several entry points still take the wide types (Deps, DesignDeps, PurgeDeps) rather than the
 * ports they use; what a function may call is what lib/function-adapters.ts declares (and its IAM
 * role allows, test/infra/least-privilege.test.ts), test/unit/wiring.test.ts checks each handler
 * wires exactly that, and the integration suites drive the routes through these handlers. A port
 * left out is absent at run time, as its IAM grant is.
 */
export const granted = <D>(deps: Partial<D>): D => Object.freeze(deps) as D;
