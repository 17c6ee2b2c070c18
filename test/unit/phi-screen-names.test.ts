/**
 * Bare full names in free text ("John Smith", "Smith, John"), measured on two corpora
 * (test/support/name-corpus.ts): real-looking lab notes that must pass, and notes holding a
 * patient's name that must be refused. Both rates are printed; the thresholds are what the
 * screen achieves today, so a change that costs either one fails here.
 */
import { describe, expect, it } from 'vitest';
import { findIdentifiers, screenFreeText } from '../../lambdas/domain/phi-screen';
import { LAB_NOTES, NAMED_NOTES } from '../support/name-corpus';

const flagsName = (text: string) => findIdentifiers(text).includes('name');

describe('bare names in notes', () => {
  it.each([
    'John Smith wants it whiter',
    'Smith, John - bridge 14-16',
    'Smith John bridge',
    'JOHN SMITH, crown 36',
    'John A. Smith, crown 36',
    'Garcia, Maria L.: implant 46',
    "Mary-Jane O'Brien prefers A1",
    'Crown for\nMary\nJohnson',
  ])('refuses %j', (text) => {
    expect(flagsName(text)).toBe(true);
  });

  it.each([
    'Nobel Biocare NobelActive, Screw-retained',
    'IPS e.max CAD LT A2, Katana UTML A3.5, 2M2',
    'Straumann BLT 4.1 RC, Ivoclar Variolink',
    'Mesial contact heavy, ovate pontic on 21',
    'Ivory White, Bright White, Rose Gold Ti-base',
    'Will Call, do not ship',
    'Dr Smith prefers heavier contacts',
    'john smith in lower case passes (a known limit)',
  ])('lets %j through', (text) => {
    expect(flagsName(text)).toBe(false);
  });

  it('names the field and says what to do, without quoting the name', () => {
    const [issue] = screenFreeText('items[1].notes', 'Crown 36 for Mary Johnson');

    expect(issue?.field).toBe('items[1].notes');
    expect(issue?.message).toContain("a person's name");
    expect(issue?.message).not.toContain('Johnson');
  });
});

describe('measured on the corpora', () => {
  const falsePositives = LAB_NOTES.filter((note) => findIdentifiers(note).length > 0);
  const found = NAMED_NOTES.filter(flagsName);
  const recall = found.length / NAMED_NOTES.length;
  const falsePositiveRate = falsePositives.length / LAB_NOTES.length;
  console.info(
    `bare-name screen: recall ${(recall * 100).toFixed(1)}% (${found.length}/${NAMED_NOTES.length}), ` +
      `false positives ${(falsePositiveRate * 100).toFixed(1)}% (${falsePositives.length}/${LAB_NOTES.length})`,
  );

  it('keeps corpora large enough to mean something', () => {
    expect(LAB_NOTES.length).toBeGreaterThanOrEqual(150);
    expect(NAMED_NOTES.length).toBeGreaterThanOrEqual(80);
  });

  it('refuses at least 90% of the notes holding a name', () => {
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it('refuses at most 1% of the lab notes', () => {
    expect(falsePositiveRate).toBeLessThanOrEqual(0.01);
  });
});
