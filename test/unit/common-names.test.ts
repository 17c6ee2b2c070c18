/**
 * The name lists, front-coded (lambdas/domain/common-names.ts), decode to the lists the screen was
 * measured with; the contact-details check for display names asks the patterns and not the lists.
 */
import { describe, expect, it } from 'vitest';
import { decodeNames, GIVEN_NAMES_CODED, SURNAMES_CODED } from '../../lambdas/domain/common-names';
import { findContactDetails, findIdentifiers } from '../../lambdas/domain/phi-screen';

describe('decodeNames', () => {
  it('gives back the 5,163 given names and 5,000 surnames, lower-case letters only', () => {
    // Act
    const given = decodeNames(GIVEN_NAMES_CODED);
    const surnames = decodeNames(SURNAMES_CODED);
    // Assess
    expect([given.size, surnames.size]).toEqual([5163, 5000]);
    for (const name of ['james', 'mary', 'jo', 'zula']) expect(given.has(name)).toBe(true);
    for (const name of ['smith', 'garcia', 'nguyen', 'hofmann']) expect(surnames.has(name)).toBe(true);
    expect([...given, ...surnames].every((w) => /^[a-z]+$/.test(w))).toBe(true);
  });

  it('reads a shared prefix and the rest of each word', () => {
    // Act / Assess: smith, smiths (5 letters shared), smyth (2 shared).
    expect([...decodeNames(['0smith5s', '2yth'])]).toEqual(['smith', 'smiths', 'smyth']);
  });
});

describe('findContactDetails', () => {
  it.each([
    ['Priya R.', []],
    ['John Smith', []],
    ['Priya priya@example.com', ['email']],
    ['Priya (555) 123-4567', ['phone']],
    ['John Smith, call 555-123-4567 or j.smith@example.com', ['phone', 'email']],
  ] as const)('%s → %j, as findIdentifiers finds them', (text, expected) => {
    // Act
    const found = findContactDetails(text);
    // Assess
    expect(found).toEqual(expected);
    expect(findIdentifiers(text).filter((k) => k === 'phone' || k === 'email')).toEqual(expected);
  });
});
