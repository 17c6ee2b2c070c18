/**
 * Benchmark part, phi-screen: the PHI screen on worst-case input (test/support/phi-worst-case.ts:
 * for each pattern, a long run of the characters it repeats). Reports, per case, the time to
 * screen it at the notes limit (2,000 characters) and at 10x and 100x that length, and the
 * growth from 10x to 100x (about 10 for a linear pattern, about 100 for a quadratic one).
 * Then the whole create-order parse of a body with a 9 MB notes, which the length check must
 * refuse before the screen reads more than the limit. No local stack: the screen is pure code.
 * Run alone: `npx tsx bench/phi-screen.ts`; `npm run bench -- --only phi-screen`.
 *   --repeat N     runs per measurement, the median is reported (default 5)
 *   --budget-ms N  the most one screen at the limit may take before the part fails (default 50)
 */
import { parseArgs } from 'node:util';
import { MAX_ORDER_NOTES, parseCreateOrder } from '../lambdas/domain/order-input';
import { findIdentifiers } from '../lambdas/domain/phi-screen';
import { makeCreateOrderRequest } from '../test/support/factories';
import { worstCases } from '../test/support/phi-worst-case';
import { emit, percentile } from './support';

const { values } = parseArgs({
  options: {
    repeat: { type: 'string', default: '5' },
    'budget-ms': { type: 'string', default: '50' },
  },
});
const repeat = Number(values.repeat);
const budgetMs = Number(values['budget-ms']);

/** Median milliseconds of `repeat` runs of `fn`. */
const median = (fn: () => void) => {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return percentile(
    times.sort((a, b) => a - b),
    50,
  );
};

const round = (ms: number) => Number(ms.toFixed(2));

// Warm the JIT on ordinary text so the first case does not pay for compilation.
for (let i = 0; i < 50; i++)
  findIdentifiers('Light occlusion, John Smith, call 555-123-4567, jd@example.com');

const at = (length: number) => new Map(worstCases(length).map((c) => [c.name, c.text]));
const limit = at(MAX_ORDER_NOTES);
const ten = at(MAX_ORDER_NOTES * 10);
const hundred = at(MAX_ORDER_NOTES * 100);

const cases = [...limit.keys()].map((name) => {
  const atLimit = median(() => findIdentifiers((limit.get(name) ?? '').slice(-MAX_ORDER_NOTES)));
  const at10 = median(() => findIdentifiers(ten.get(name) ?? ''));
  const at100 = median(() => findIdentifiers(hundred.get(name) ?? ''));
  return {
    name,
    atLimitMs: round(atLimit),
    at10xMs: round(at10),
    at100xMs: round(at100),
    growth10xTo100x: Number((at100 / Math.max(at10, 0.01)).toFixed(1)),
  };
});

const nineMb = makeCreateOrderRequest({ notes: 'a'.repeat(9 * 1024 * 1024) });
const createOrder9MbMs = median(() => {
  try {
    parseCreateOrder(nineMb);
  } catch {
    // A ValidationError (notes too long) is the expected answer.
  }
});

const slowest = cases.reduce((a, b) => (b.atLimitMs > a.atLimitMs ? b : a));
const overBudget = cases.filter((c) => c.atLimitMs > budgetMs).map((c) => c.name);
emit({
  limitChars: MAX_ORDER_NOTES,
  repeat,
  budgetMs,
  slowestAtLimit: { name: slowest.name, ms: slowest.atLimitMs },
  createOrder9MbNotesMs: round(createOrder9MbMs),
  cases,
  ...(overBudget.length ? { overBudget } : {}),
});
if (overBudget.length) process.exitCode = 1;
