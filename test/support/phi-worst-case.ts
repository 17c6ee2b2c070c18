/**
 * Worst-case inputs for the PHI screen (lambdas/domain/phi-screen.ts): for each pattern, the
 * characters it repeats, as one long run that almost matches, so a backtracking pattern would
 * try each start and each split. Each input ends with (or holds) what it should find, so a test
 * can assert the screen both finishes and still works at that length.
 * Used by test/unit/phi-screen.test.ts (at the field limits) and bench/phi-screen.ts (timed).
 */
import type { IdentifierKind } from '../../lambdas/domain/phi-screen';

export interface WorstCase {
  /** The pattern it aims at, and the shape of the run. */
  readonly name: string;
  readonly text: string;
  /** What the screen must report for it. */
  readonly kinds: readonly IdentifierKind[];
}

/** `unit` repeated to fill `length` characters once `tail` is added (at least the tail). */
const fill = (unit: string, length: number, tail = '', head = '') => {
  const room = Math.max(0, length - head.length - tail.length);
  return head + unit.repeat(Math.floor(room / unit.length)) + tail;
};

export const worstCases = (length: number): WorstCase[] => [
  // E-mail: a local-part run with no "@", then one real address.
  { name: 'email: local-part run', text: fill('a', length, ' jd@example.com'), kinds: ['email'] },
  { name: 'email: dotted run', text: fill('a.', length, ' jd@example.com'), kinds: ['email'] },
  { name: 'email: many "@"', text: fill('a@', length), kinds: [] },
  { name: 'email: long domain', text: fill('.a', length, '@', 'a@a'), kinds: ['email'] },
  // Phone after a keyword: spaces and digit groups that never make 7 digits, then a number.
  { name: 'phone keyword: spaces', text: fill(' ', length, '5551234567', 'tel'), kinds: ['phone'] },
  { name: 'phone keyword: digit run', text: fill(' 1', length, '', 'tel'), kinds: ['phone'] },
  { name: 'phone: international groups', text: fill('+1 ', length), kinds: [] },
  { name: 'phone: digits and dashes', text: fill('1-', length), kinds: [] },
  { name: 'digits', text: fill('1', length), kinds: [] },
  // Address: a number, capitalised words, never a street suffix.
  { name: 'address: words', text: fill('1 Aa ', length), kinds: [] },
  { name: 'address: PO box spaces', text: fill(' ', length, '12', 'po box'), kinds: ['address'] },
  // Names: a cue, particles and capitals.
  { name: 'name: cue and spaces', text: fill(' ', length, 'John Smith', 'patient'), kinds: ['name'] },
  { name: 'name: title and particles', text: fill('Dr Aa de ', length), kinds: [] },
  { name: 'name: capitals', text: fill('A', length), kinds: [] },
  { name: 'name: listed words', text: fill('Smith ', length), kinds: [] },
  { name: 'name: listed pairs', text: fill('Crown John, ', length), kinds: [] },
  // Dates: a day and spaces before a month that never comes.
  { name: 'date: day and spaces', text: fill(' ', length, 'of', '1'), kinds: [] },
  { name: 'date: born and spaces', text: fill(' ', length, 'x', 'born'), kinds: [] },
];
