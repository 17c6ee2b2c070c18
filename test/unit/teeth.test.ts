import { describe, expect, it } from 'vitest';
import {
  archOf,
  compareTeeth,
  formatTooth,
  isFdiTooth,
  isPrimaryTooth,
  parseTeeth,
  type TeethResult,
  toUniversal,
} from '../../lambdas/domain/teeth';

const teethOf = (result: TeethResult) => {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issues)}`);
  return result.teeth;
};
const issuesOf = (result: TeethResult) => {
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.teeth)}`);
  return result.issues;
};

describe('isFdiTooth', () => {
  it.each([11, 18, 21, 28, 31, 38, 41, 48, 51, 55, 61, 65, 71, 75, 81, 85])('accepts %i', (n) => {
    expect(isFdiTooth(n)).toBe(true);
  });

  it.each([0, 1, 10, 19, 20, 29, 30, 39, 40, 49, 50, 56, 60, 66, 76, 86, 88, 91, 99, 110, 36.5, -11])(
    'rejects %d',
    (n) => {
      expect(isFdiTooth(n)).toBe(false);
    },
  );
});

describe('parseTeeth — FDI', () => {
  it('accepts numbers and numeric strings, trimmed', () => {
    // Act
    const result = parseTeeth({ system: 'FDI', teeth: [36, ' 37 ', '46'] });

    // Assess
    expect(teethOf(result)).toEqual([46, 36, 37]);
  });

  it('returns teeth in dental-chart order: upper right to upper left, then lower right to lower left', () => {
    const result = parseTeeth({ system: 'FDI', teeth: [38, 21, 11, 48, 12, 31, 28, 41, 18] });

    expect(teethOf(result)).toEqual([18, 12, 11, 21, 28, 48, 41, 31, 38]);
  });

  it('keeps a bridge across the midline contiguous', () => {
    const result = parseTeeth({ system: 'FDI', teeth: [21, 12, 22, 11] });

    expect(teethOf(result)).toEqual([12, 11, 21, 22]);
  });

  it('accepts primary teeth and sorts a retained primary tooth right after the permanent one in its place', () => {
    const result = parseTeeth({ system: 'FDI', teeth: [75, 55, 15, 85] });

    expect(teethOf(result)).toEqual([15, 55, 85, 75]);
  });

  it.each([
    [55 + 1, 'Tooth 56 is not a tooth in FDI numbering'],
    [19, 'Tooth 19 is not a tooth in FDI numbering'],
    [99, 'Tooth 99 is not a tooth in FDI numbering'],
    ['4A', 'Tooth 4A is not a tooth in FDI numbering'],
    [36.5, 'This entry is not a tooth in FDI numbering'],
  ])('rejects %s with a message that names it and lists the valid ranges', (raw, start) => {
    const issues = issuesOf(parseTeeth({ system: 'FDI', teeth: [36, raw] }, 'items[0].teeth'));

    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('items[0].teeth[1]');
    expect(issues[0]?.message).toContain(start);
    expect(issues[0]?.message).toContain('11–18, 21–28, 31–38 or 41–48');
  });

  it.each([3, '#3', 'A', 9])('suggests Universal numbering for %s, which only makes sense there', (raw) => {
    const [issue] = issuesOf(parseTeeth({ system: 'FDI', teeth: [raw] }));

    expect(issue?.message).toContain('set toothNumbering to "Universal"');
  });

  it('does not suggest Universal for a number that is no tooth in either system', () => {
    const [issue] = issuesOf(parseTeeth({ system: 'FDI', teeth: [99] }));

    expect(issue?.message).not.toContain('Universal');
  });

  it('does not echo long free text placed in a tooth slot', () => {
    const [issue] = issuesOf(parseTeeth({ system: 'FDI', teeth: ['John Smith'] }));

    expect(issue?.message).not.toContain('John');
    expect(issue?.message).toMatch(/^This entry is not a tooth/);
  });

  it('rejects a tooth listed twice, even written differently, at the second position', () => {
    const issues = issuesOf(parseTeeth({ system: 'FDI', teeth: [36, 37, '36'] }, 'teeth'));

    expect(issues).toEqual([
      { field: 'teeth[2]', message: 'Tooth 36 is listed more than once; list each tooth once' },
    ]);
  });

  it('reports every bad entry at once', () => {
    const issues = issuesOf(parseTeeth({ system: 'FDI', teeth: [10, 36, 99, 36] }));

    expect(issues.map((i) => i.field)).toEqual(['teeth[0]', 'teeth[2]', 'teeth[3]']);
  });

  it('rejects entries that are neither numbers nor strings', () => {
    const teeth = [true, null] as unknown as (string | number)[];

    const issues = issuesOf(parseTeeth({ system: 'FDI', teeth }));

    expect(issues).toHaveLength(2);
    expect(issues[0]?.message).toContain('Each tooth must be a number');
  });
});

describe('parseTeeth — Universal', () => {
  it.each([
    [1, 18],
    [8, 11],
    [9, 21],
    [16, 28],
    [17, 38],
    [24, 31],
    [25, 41],
    [32, 48],
    [3, 16],
    [14, 26],
    [19, 36],
    [30, 46],
  ])('maps permanent %i to FDI %i', (universal, fdi) => {
    expect(teethOf(parseTeeth({ system: 'Universal', teeth: [universal] }))).toEqual([fdi]);
  });

  it.each([
    ['A', 55],
    ['E', 51],
    ['F', 61],
    ['J', 65],
    ['K', 75],
    ['O', 71],
    ['P', 81],
    ['T', 85],
    ['b', 54],
    ['s', 84],
  ])('maps primary %s to FDI %i', (universal, fdi) => {
    expect(teethOf(parseTeeth({ system: 'Universal', teeth: [universal] }))).toEqual([fdi]);
  });

  it('accepts the "#3" notation US labs write and plain strings', () => {
    expect(teethOf(parseTeeth({ system: 'Universal', teeth: ['#3', ' 4 ', '#05'] }))).toEqual([16, 15, 14]);
  });

  it.each([0, 33, 'U', 'Z', '#0', 'AB'])('rejects %s and lists the valid ranges', (raw) => {
    const [issue] = issuesOf(parseTeeth({ system: 'Universal', teeth: [raw] }));

    expect(issue?.message).toContain('use 1–32 (permanent) or A–T (primary)');
  });

  it.each([36, 48, 55])('suggests FDI numbering for %i, a valid FDI tooth outside Universal', (raw) => {
    const [issue] = issuesOf(parseTeeth({ system: 'Universal', teeth: [raw] }));

    expect(issue?.message).toContain(`Tooth ${raw} is not a tooth in Universal numbering`);
    expect(issue?.message).toContain('set toothNumbering to "FDI"');
  });

  it('treats "#3" and 3 as the same tooth', () => {
    const [issue] = issuesOf(parseTeeth({ system: 'Universal', teeth: [3, '#3'] }));

    expect(issue).toEqual({
      field: 'teeth[1]',
      message: 'Tooth 3 is listed more than once; list each tooth once',
    });
  });

  it('treats "a" and "A" as the same tooth', () => {
    expect(issuesOf(parseTeeth({ system: 'Universal', teeth: ['a', 'A'] }))).toHaveLength(1);
  });
});

describe('toUniversal', () => {
  it('round-trips every permanent and primary tooth through Universal', () => {
    // Prepare
    const universal = [...Array.from({ length: 32 }, (_, i) => String(i + 1)), ...'ABCDEFGHIJKLMNOPQRST'];

    // Act
    const fdi = teethOf(parseTeeth({ system: 'Universal', teeth: universal }));

    // Assess
    expect(fdi).toHaveLength(52);
    expect(new Set(fdi.map(toUniversal))).toEqual(new Set(universal));
  });

  it.each([
    [18, '1'],
    [11, '8'],
    [21, '9'],
    [36, '19'],
    [48, '32'],
    [55, 'A'],
    [85, 'T'],
    [71, 'O'],
  ])('shows FDI %i as Universal %s', (fdi, universal) => {
    expect(toUniversal(fdi)).toBe(universal);
  });

  it('throws on a number that is not an FDI tooth', () => {
    expect(() => toUniversal(19)).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it.each([
    [11, 'upper'],
    [28, 'upper'],
    [55, 'upper'],
    [65, 'upper'],
    [31, 'lower'],
    [48, 'lower'],
    [75, 'lower'],
    [85, 'lower'],
  ])('places %i in the %s arch', (fdi, arch) => {
    expect(archOf(fdi)).toBe(arch);
  });

  it('tells primary from permanent', () => {
    expect([11, 48, 51, 85].map(isPrimaryTooth)).toEqual([false, false, true, true]);
  });

  it('formats a tooth in either system', () => {
    expect([formatTooth(36, 'FDI'), formatTooth(36, 'Universal')]).toEqual(['36', '19']);
  });

  it('orders the upper arch before the lower', () => {
    expect(compareTeeth(28, 48)).toBeLessThan(0);
    expect(compareTeeth(31, 11)).toBeGreaterThan(0);
  });
});
