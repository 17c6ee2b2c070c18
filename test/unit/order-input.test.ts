import { describe, expect, it } from 'vitest';
import { CreateOrderRequestSchema, parseCreateOrder } from '../../lambdas/domain/order-input';
import type { FieldIssue } from '../../lambdas/kernel/errors';
import { ValidationError } from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest, makeOrderItemRequest } from '../support/factories';

/** The issues parseCreateOrder throws for `body`; fails the test when it does not throw. */
function issuesFor(body: unknown): readonly FieldIssue[] {
  try {
    parseCreateOrder(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const fieldsOf = (body: unknown) => issuesFor(body).map((i) => i.field);
const messageFor = (body: unknown, field: string) => issuesFor(body).find((i) => i.field === field)?.message;
const withItem = (item: Record<string, unknown>, order: Record<string, unknown> = {}) => ({
  ...makeCreateOrderRequest(),
  items: [item],
  ...order,
});

describe('parseCreateOrder — a valid request', () => {
  it('returns the normalised order', () => {
    // Prepare
    const body = makeCreateOrderRequest({
      caseRef: '  LAB-0173 ',
      patientRef: ' PT   00123 ',
      notes: '  Light occlusion.  ',
      items: [
        makeOrderItemRequest({ type: 'Bridge', teeth: ['16', 14, 15], material: 'E.max', shade: ' a3,5 ' }),
        makeOrderItemRequest({
          type: 'splint-night-guard',
          teeth: undefined,
          arch: 'Lower',
          material: 'print resin',
          shade: undefined,
        }),
      ],
    });

    // Act
    const input = parseCreateOrder(body);

    // Assess
    expect(input).toEqual({
      caseRef: 'LAB-0173',
      patientRef: 'PT 00123',
      items: [
        { type: 'bridge', teeth: [16, 15, 14], material: 'lithium-disilicate', shade: 'A3.5' },
        { type: 'splint-night-guard', teeth: [], arch: 'lower', material: 'print-resin' },
      ],
      toothNumbering: 'FDI',
      turnaround: 'standard',
      notes: 'Light occlusion.',
      remake: false,
    });
  });

  it('fills in defaults and treats null as absent', () => {
    const input = parseCreateOrder({
      caseRef: 'LAB-1',
      patientRef: 'JD',
      items: [{ type: 'crown', teeth: [11], material: 'zirconia', shade: 'B1', notes: null, arch: null }],
      toothNumbering: null,
      turnaround: null,
      notes: null,
      remake: null,
    });

    expect(input).toEqual({
      caseRef: 'LAB-1',
      patientRef: 'JD',
      items: [{ type: 'crown', teeth: [11], material: 'zirconia', shade: 'B1' }],
      toothNumbering: 'FDI',
      turnaround: 'standard',
      remake: false,
    });
  });

  it('drops notes that are only whitespace', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({ notes: '   ', items: [makeOrderItemRequest({ notes: ' \n ' })] }),
    );

    expect(input.notes).toBeUndefined();
    expect(input.items[0]?.notes).toBeUndefined();
  });

  it('keeps rush, remake and item notes', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({
        turnaround: 'rush',
        remake: true,
        items: [makeOrderItemRequest({ notes: ' Margin on 37 is subgingival ' })],
      }),
    );

    expect(input).toMatchObject({ turnaround: 'rush', remake: true });
    expect(input.items[0]?.notes).toBe('Margin on 37 is subgingival');
  });

  it('stores Universal teeth as FDI in chart order and remembers the lab’s numbering', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({
        toothNumbering: 'Universal',
        items: [
          makeOrderItemRequest({ type: 'bridge', teeth: ['#5', 3, '4'] }),
          makeOrderItemRequest({ type: 'crown', teeth: ['K', 30] }),
        ],
      }),
    );

    expect(input.toothNumbering).toBe('Universal');
    expect(input.items.map((i) => i.teeth)).toEqual([
      [16, 15, 14],
      [46, 75],
    ]);
  });

  it.each([
    ['zirconia', 'zirconia'],
    ['Zirconium', 'zirconia'],
    ['ZrO2', 'zirconia'],
    ['e.max', 'lithium-disilicate'],
    ['EMAX', 'lithium-disilicate'],
    ['IPS e.max', 'lithium-disilicate'],
    ['Lithium Disilicate', 'lithium-disilicate'],
    ['lithium_disilicate', 'lithium-disilicate'],
    ['PFM', 'pfm'],
    ['porcelain fused to metal', 'pfm'],
    ['CoCr', 'cobalt-chrome'],
    ['Co-Cr', 'cobalt-chrome'],
    ['full cast gold', 'gold'],
    ['castable', 'wax'],
    ['composite', 'composite'],
    ['PMMA', 'pmma'],
  ])('reads material %j as %s', (material, expected) => {
    const input = parseCreateOrder(withItem(makeOrderItemRequest({ material })));

    expect(input.items[0]?.material).toBe(expected);
  });

  it.each([
    ['crown', {}, 'crown'],
    ['Inlay', {}, 'inlay-onlay'],
    ['onlay', {}, 'inlay-onlay'],
    ['Implant Crown', {}, 'implant-crown-bridge'],
    ['Custom Abutment', { material: 'titanium', shade: undefined }, 'implant-abutment'],
    ['All-on-X', { teeth: undefined, arch: 'upper' }, 'full-arch'],
    ['all on 4', { teeth: undefined, arch: 'lower' }, 'full-arch'],
    [
      'Night Guard',
      { teeth: undefined, arch: 'upper', material: 'print-resin', shade: undefined },
      'splint-night-guard',
    ],
  ])('reads type %j as %s', (type, overrides, expected) => {
    const input = parseCreateOrder(withItem({ ...makeOrderItemRequest({ type }), ...overrides }));

    expect(input.items[0]?.type).toBe(expected);
  });

  it.each([
    ['A1', 'A1'],
    ['a2', 'A2'],
    ['A3.5', 'A3.5'],
    ['a3,5', 'A3.5'],
    ['D4', 'D4'],
    ['Vita B2', 'B2'],
    ['1M1', '1M1'],
    ['2l1.5', '2L1.5'],
    ['3R2.5', '3R2.5'],
    ['4M3', '4M3'],
    ['5M1', '5M1'],
    ['3M1.5', '3M1.5'],
    ['0M1', '0M1'],
    ['0m3', '0M3'],
    [' 2 M 2 ', '2M2'],
  ])('reads shade %j as %s', (shade, expected) => {
    const input = parseCreateOrder(withItem(makeOrderItemRequest({ shade })));

    expect(input.items[0]?.shade).toBe(expected);
  });

  it.each([
    ['maxillary', 'upper'],
    ['UPPER', 'upper'],
    ['mandible', 'lower'],
  ])('reads arch %j as %s', (arch, expected) => {
    const input = parseCreateOrder(withItem({ type: 'splint-night-guard', arch, material: 'print-resin' }));

    expect(input.items[0]?.arch).toBe(expected);
  });
});

describe('parseCreateOrder — field rules', () => {
  it.each([null, [], 'caseRef=1', 42, undefined])('rejects a body that is not an object (%j)', (body) => {
    expect(issuesFor(body)).toEqual([
      { field: 'body', message: 'The request body must be a JSON object with caseRef, patientRef and items' },
    ]);
  });

  it('reports every missing required field, saying what to send', () => {
    // Act
    const issues = issuesFor({});

    // Assess
    expect(issues.map((i) => i.field)).toEqual(['caseRef', 'patientRef', 'items']);
    expect(issues[0]?.message).toMatch(/^Add caseRef/);
    expect(issues[1]?.message).toMatch(/^Add patientRef/);
    expect(issues[2]?.message).toMatch(/^Add items/);
  });

  it('rejects unknown top-level fields, naming each and listing the allowed ones', () => {
    const issues = issuesFor({ ...makeCreateOrderRequest(), colour: 'blue', priority: 1 });

    expect(issues.map((i) => i.field)).toEqual(['colour', 'priority']);
    expect(issues[0]?.message).toBe(
      'Unknown field "colour": remove it. Allowed fields: caseRef, patientRef, items, toothNumbering, turnaround, notes, remake.',
    );
  });

  it.each(['patientName', 'dob', 'phone', 'email', 'address'])(
    'warns that %s looks like patient identity and points to patientRef',
    (key) => {
      const message = messageFor({ ...makeCreateOrderRequest(), [key]: 'x' }, key);

      expect(message).toContain(`Unknown field "${key}"`);
      expect(message).toContain('identify the patient only through patientRef');
    },
  );

  it('rejects unknown item fields with their path', () => {
    const issues = issuesFor(withItem({ ...makeOrderItemRequest(), colour: 'A2' }));

    expect(issues.map((i) => i.field)).toEqual(['items[0].colour']);
    expect(issues[0]?.message).toContain('Allowed fields: type, teeth, arch, material, shade, notes');
  });

  it.each<[string, unknown, string]>([
    ['caseRef', '', 'caseRef is empty'],
    ['caseRef', '   ', 'caseRef is empty'],
    ['caseRef', 'A'.repeat(65), 'at most 64 characters'],
    ['caseRef', 'LAB 0173', "may contain only letters, digits, '-', '_', '/' and '.'"],
    ['caseRef', 'LAB#0173', "may contain only letters, digits, '-', '_', '/' and '.'"],
    ['caseRef', 173, 'caseRef must be text'],
    ['patientRef', '', 'patientRef is empty'],
    ['patientRef', 'P'.repeat(33), 'at most 32 characters'],
    ['patientRef', 'JD;', 'may contain only letters, digits, spaces'],
    ['patientRef', 12, 'patientRef must be text'],
    ['toothNumbering', 'Palmer', 'toothNumbering must be one of "FDI", "Universal"'],
    ['toothNumbering', 'fdi', 'toothNumbering must be one of "FDI", "Universal"'],
    ['turnaround', 'express', 'turnaround must be one of "standard", "rush"'],
    ['notes', 'x'.repeat(2001), 'at most 2000 characters'],
    ['notes', 42, 'notes must be text'],
    ['remake', 'yes', 'remake must be true or false'],
    ['items', [], 'items is empty'],
    ['items', { type: 'crown' }, 'Add items: a list of 1 to 16 restorations'],
  ])('rejects %s = %j: %s', (field, value, message) => {
    const issues = issuesFor({ ...makeCreateOrderRequest(), [field]: value });

    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe(field);
    expect(issues[0]?.message).toContain(message);
  });

  it('accepts caseRef at exactly 64 characters and notes at exactly 2000', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({ caseRef: 'A'.repeat(64), notes: 'x'.repeat(2000) }),
    );

    expect(input.caseRef).toHaveLength(64);
  });

  it('accepts 16 items and rejects 17', () => {
    const sixteen = Array.from({ length: 16 }, (_, i) =>
      makeOrderItemRequest({ teeth: [i < 8 ? 11 + i : 13 + i] }),
    );

    expect(parseCreateOrder(makeCreateOrderRequest({ items: sixteen })).items).toHaveLength(16);
    expect(
      issuesFor(makeCreateOrderRequest({ items: [...sixteen, makeOrderItemRequest({ teeth: [48] })] })),
    ).toEqual([
      { field: 'items', message: 'An order holds at most 16 items; split the case into several orders' },
    ]);
  });

  it('rejects an item that is not an object', () => {
    expect(fieldsOf(makeCreateOrderRequest({ items: ['crown 36' as never] }))).toEqual(['items[0]']);
  });

  it.each<[Record<string, unknown>, string, string]>([
    [
      { type: 'onlay-crown-thing' },
      'items[0].type',
      'Unknown restoration type; use one of "crown", "bridge"',
    ],
    [{ type: undefined }, 'items[0].type', 'Add type'],
    [{ material: 'unobtainium' }, 'items[0].material', 'Unknown material; use one of "zirconia"'],
    [{ material: undefined }, 'items[0].material', 'Add material'],
    [{ shade: 'A5' }, 'items[0].shade', 'Shade A5 is not recognised; use a VITA Classical shade'],
    [{ shade: 'D1' }, 'items[0].shade', 'Shade D1 is not recognised'],
    [{ shade: '6M1' }, 'items[0].shade', 'Shade 6M1 is not recognised'],
    [{ shade: '3M4' }, 'items[0].shade', 'Shade 3M4 is not recognised'],
    [{ shade: '1L1.5' }, 'items[0].shade', 'hues L and R exist only for values 2–4'],
    [{ shade: '5R1.5' }, 'items[0].shade', 'hues L and R exist only for values 2–4'],
    [{ shade: '2L2' }, 'items[0].shade', 'with chroma 1.5 or 2.5'],
    [{ shade: '0M1.5' }, 'items[0].shade', 'the bleach shades are 0M1, 0M2 and 0M3'],
    [{ shade: 'Chromascop 140' }, 'items[0].shade', 'Shade not recognised; use a VITA Classical shade'],
    [{ shade: 2 }, 'items[0].shade', 'shade must be text'],
    [{ teeth: [] }, 'items[0].teeth', 'teeth is empty'],
    [{ teeth: 36 }, 'items[0].teeth', 'teeth must be a list of tooth numbers'],
    [{ teeth: [36, true] }, 'items[0].teeth[1]', 'Each tooth must be a number'],
    [{ teeth: [36, 55 + 4] }, 'items[0].teeth[1]', 'Tooth 59 is not a tooth in FDI numbering'],
    [{ teeth: Array.from({ length: 33 }, () => 11) }, 'items[0].teeth', 'at most 32 teeth'],
    [{ arch: 'left' }, 'items[0].arch', 'arch must be one of "upper", "lower", "both"'],
    [{ notes: 'x'.repeat(501) }, 'items[0].notes', 'at most 500 characters'],
  ])('rejects item %j', (overrides, field, message) => {
    const body = withItem({ ...makeOrderItemRequest(), ...overrides });

    expect(messageFor(body, field)).toContain(message);
  });

  it('does not quote free text sent as a shade', () => {
    const message = messageFor(
      withItem(makeOrderItemRequest({ shade: 'like her sister Anna' })),
      'items[0].shade',
    );

    expect(message).not.toContain('Anna');
  });
});

describe('parseCreateOrder — restoration rules', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a crown without teeth', { type: 'crown', teeth: undefined }, 'items[0].teeth', 'A crown needs teeth'],
    [
      'a one-tooth bridge',
      { type: 'bridge', teeth: [14] },
      'items[0].teeth',
      'A bridge needs at least 2 teeth',
    ],
    [
      'a bridge across arches',
      { type: 'bridge', teeth: [14, 15, 44] },
      'items[0].teeth',
      'A bridge cannot span the upper and lower arch',
    ],
    [
      'an implant bridge across arches',
      { type: 'implant-crown-bridge', teeth: [36, 26] },
      'items[0].teeth',
      'cannot span the upper and lower arch',
    ],
    [
      'an implant abutment on a primary tooth',
      { type: 'implant-abutment', teeth: [75], material: 'titanium', shade: undefined },
      'items[0].teeth',
      'An implant abutment needs permanent teeth; 75 is a primary tooth',
    ],
    [
      'a bridge on primary teeth',
      { type: 'bridge', teeth: [84, 85] },
      'items[0].teeth',
      '85, 84 are primary teeth',
    ],
    [
      'a crown with an arch',
      { type: 'crown', arch: 'upper' },
      'items[0].arch',
      'A crown is placed on teeth, not on an arch',
    ],
    [
      'a splint with teeth',
      { type: 'splint-night-guard', teeth: [16], arch: 'upper', material: 'print-resin', shade: undefined },
      'items[0].teeth',
      'covers a whole arch: remove teeth',
    ],
    [
      'a splint without an arch',
      { type: 'splint-night-guard', teeth: undefined, material: 'print-resin', shade: undefined },
      'items[0].arch',
      'needs arch: one of "upper", "lower"',
    ],
    [
      'a splint on both arches',
      {
        type: 'splint-night-guard',
        teeth: undefined,
        arch: 'both',
        material: 'print-resin',
        shade: undefined,
      },
      'items[0].arch',
      'takes one arch: use "upper", "lower"',
    ],
    [
      'a model without an arch',
      { type: 'model', teeth: undefined, material: 'print-resin', shade: undefined },
      'items[0].arch',
      'A model needs arch: one of "upper", "lower", "both"',
    ],
    [
      'a full arch with neither arch nor teeth',
      { type: 'full-arch', teeth: undefined, material: 'zirconia' },
      'items[0].arch',
      'needs arch ("upper", "lower"), or the tooth positions in teeth',
    ],
    [
      'a full arch whose teeth are outside its arch',
      { type: 'full-arch', teeth: [12, 34], arch: 'upper', material: 'zirconia' },
      'items[0].teeth',
      '34 is not in the upper arch given in arch',
    ],
    [
      'a denture on both arches',
      { type: 'denture', teeth: undefined, arch: 'both', material: 'pmma' },
      'items[0].arch',
      'A denture takes one arch',
    ],
    [
      'a model whose dies are outside its arch',
      { type: 'model', teeth: [36, 46], arch: 'upper', material: 'print-resin', shade: undefined },
      'items[0].teeth',
      '46, 36 are not in the upper arch',
    ],
    [
      'a material the type is not made in',
      { type: 'splint-night-guard', teeth: undefined, arch: 'upper', material: 'zirconia', shade: undefined },
      'items[0].material',
      'Zirconia is not offered for a splint/night guard; use one of "print-resin", "pmma"',
    ],
    [
      'a titanium veneer',
      { type: 'veneer', material: 'titanium' },
      'items[0].material',
      'Titanium is not offered for a veneer',
    ],
    [
      'a tooth-coloured crown without a shade',
      { type: 'crown', material: 'zirconia', shade: undefined },
      'items[0].shade',
      'A crown in zirconia is tooth-coloured and needs a shade, e.g. "A2"',
    ],
    [
      'a PFM bridge without a shade',
      { type: 'bridge', teeth: [34, 35, 36], material: 'pfm', shade: undefined },
      'items[0].shade',
      'needs a shade',
    ],
    [
      'a splint with a shade',
      { type: 'splint-night-guard', teeth: undefined, arch: 'upper', material: 'pmma', shade: 'A2' },
      'items[0].shade',
      'A splint/night guard has no shade: remove shade',
    ],
    [
      'a model with a shade',
      { type: 'model', teeth: undefined, arch: 'both', material: 'print-resin', shade: 'A2' },
      'items[0].shade',
      'A model has no shade',
    ],
  ])('rejects %s', (_name, overrides, field, message) => {
    // Prepare
    const body = withItem({ ...makeOrderItemRequest(), ...overrides });

    // Act
    const issues = issuesFor(body);

    // Assess
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0]?.message).toContain(message);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a gold crown without a shade', { type: 'crown', material: 'gold', shade: undefined }],
    ['a gold crown with a shade', { type: 'crown', material: 'gold', shade: 'A2' }],
    [
      'a titanium abutment without a shade',
      { type: 'implant-abutment', material: 'titanium', shade: undefined },
    ],
    ['a zirconia abutment with a shade', { type: 'implant-abutment', material: 'zirconia', shade: 'A1' }],
    ['a wax-up crown without a shade', { type: 'crown', material: 'wax', shade: undefined }],
    ['single crowns in both arches', { type: 'crown', teeth: [16, 46] }],
    ['a crown on a primary molar', { type: 'crown', teeth: [75] }],
    ['a bridge across the midline', { type: 'bridge', teeth: [12, 11, 21, 22] }],
    [
      'a model of both arches with dies',
      { type: 'model', teeth: [16, 46], arch: 'both', material: 'print-resin', shade: undefined },
    ],
    [
      'a model of one arch',
      { type: 'model', teeth: undefined, arch: 'lower', material: 'print-resin', shade: undefined },
    ],
    [
      'a titanium full-arch bar without a shade',
      { type: 'full-arch', teeth: undefined, arch: 'lower', material: 'titanium', shade: undefined },
    ],
    [
      'a partial denture framework',
      { type: 'denture', teeth: [35, 36], material: 'cobalt-chrome', shade: undefined },
    ],
  ])('accepts %s', (_name, overrides) => {
    const input = parseCreateOrder(withItem({ ...makeOrderItemRequest(), ...overrides }));

    expect(input.items).toHaveLength(1);
  });

  it('infers the arch of a full arch from its implant positions', () => {
    const input = parseCreateOrder(
      withItem({ type: 'full-arch', teeth: [36, 32, 42, 46], material: 'zirconia', shade: 'A2' }),
    );

    expect(input.items[0]).toEqual({
      type: 'full-arch',
      teeth: [46, 42, 32, 36],
      arch: 'lower',
      material: 'zirconia',
      shade: 'A2',
    });
  });

  it('does not infer an arch for a full arch that mixes arches', () => {
    const issues = issuesFor(
      withItem({ type: 'full-arch', teeth: [16, 46], material: 'zirconia', shade: 'A2' }),
    );

    expect(issues.map((i) => i.message)).toEqual([
      'A full-arch (All-on-X) cannot span the upper and lower arch; make one item per arch',
    ]);
  });

  it('names teeth in the lab’s numbering in cross-field messages', () => {
    const message = messageFor(
      withItem(
        { type: 'bridge', teeth: ['T', 'S'], material: 'zirconia', shade: 'A2' },
        { toothNumbering: 'Universal' },
      ),
      'items[0].teeth',
    );

    // Chart order: the lower right runs from the back (T) towards the midline (S).
    expect(message).toContain('T, S are primary teeth');
  });

  it('rejects the same tooth under the same type in two items', () => {
    const body = makeCreateOrderRequest({
      items: [makeOrderItemRequest({ teeth: [36, 37] }), makeOrderItemRequest({ teeth: [46, 36] })],
    });

    expect(issuesFor(body)).toEqual([
      {
        field: 'items[1].teeth',
        message: 'Tooth 36 already has a crown in items[0]; list each tooth once per restoration type',
      },
    ]);
  });

  it('allows an abutment and an implant crown on the same tooth', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({
        items: [
          makeOrderItemRequest({
            type: 'implant-abutment',
            teeth: [36],
            material: 'titanium',
            shade: undefined,
          }),
          makeOrderItemRequest({ type: 'implant-crown-bridge', teeth: [36] }),
        ],
      }),
    );

    expect(input.items.map((i) => i.type)).toEqual(['implant-abutment', 'implant-crown-bridge']);
  });
});

describe('parseCreateOrder — every issue at once', () => {
  it('reports field errors and cross-field errors of the same item together', () => {
    // Prepare: a misspelt material does not hide that the bridge is one tooth short.
    const body = withItem({ type: 'bridge', teeth: [14], material: 'unobtainium', shade: 'A2' });

    // Act
    const fields = fieldsOf(body);

    // Assess
    expect(fields).toEqual(['items[0].material', 'items[0].teeth']);
  });

  it('reports problems across the order, its items and the PHI screen in one error', () => {
    // Prepare
    const body = {
      caseRef: 'LAB 0173',
      patientRef: 'John Smith',
      toothNumbering: 'FDI',
      turnaround: 'soon',
      notes: 'DOB 1984-03-02',
      items: [
        { type: 'bridge', teeth: [14, 44], material: 'zirconia' },
        { type: 'crown', teeth: [36, 36], material: 'e.max', shade: 'Z9', notes: 'call 555-123-4567' },
        { type: 'splint', arch: 'upper', material: 'print-resin' },
      ],
      extra: true,
    };

    // Act
    const issues = issuesFor(body);

    // Assess
    expect(issues.map((i) => i.field).sort()).toEqual(
      [
        'extra',
        'caseRef',
        'turnaround',
        'patientRef',
        'notes',
        'items[0].teeth',
        'items[0].shade',
        'items[1].shade',
        'items[1].teeth[1]',
        'items[1].notes',
      ].sort(),
    );
  });

  it('throws a ValidationError a handler can map to HTTP 400', () => {
    // Act
    let caught: unknown;
    try {
      parseCreateOrder(makeCreateOrderRequest({ caseRef: '', patientRef: '' }));
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({ name: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect((caught as ValidationError).message).toBe('2 fields need attention: caseRef, patientRef');
  });

  it('does not interpret teeth when toothNumbering itself is invalid, and reports that once', () => {
    const issues = issuesFor(makeCreateOrderRequest({ toothNumbering: 'Palmer' as never }));

    expect(issues.map((i) => i.field)).toEqual(['toothNumbering']);
  });
});

describe('parseCreateOrder — PHI screen', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a full name in patientRef', { patientRef: 'Maria Garcia' }, 'patientRef', 'Looks like a full name'],
    ['a date of birth in patientRef', { patientRef: 'JD 03/02/1984' }, 'patientRef', 'a calendar date'],
    [
      'a name in the order notes',
      { notes: 'Patient: Maria Garcia, light occlusion' },
      'notes',
      "a person's name",
    ],
    [
      'a phone number in the order notes',
      { notes: 'Call (555) 123-4567 with questions' },
      'notes',
      'a phone number',
    ],
    ['an SSN in the order notes', { notes: 'SSN 123-45-6789' }, 'notes', 'a Social Security number'],
    ['an address in the order notes', { notes: 'Ship to 12 Elm Street' }, 'notes', 'a postal address'],
    ['a name in caseRef', { caseRef: 'Garcia-Maria-17' }, 'caseRef', "a person's name"],
    ['a phone number in caseRef', { caseRef: '555-123-4567' }, 'caseRef', 'a phone number'],
  ])('rejects %s', (_name, overrides, field, what) => {
    // Act
    const issues = issuesFor({ ...makeCreateOrderRequest(), ...overrides });

    // Assess
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0]?.message).toContain(what);
  });

  it('screens item notes under their own path', () => {
    const body = makeCreateOrderRequest({
      items: [makeOrderItemRequest(), makeOrderItemRequest({ teeth: [46], notes: 'email jd@example.com' })],
    });

    expect(issuesFor(body)).toEqual([expect.objectContaining({ field: 'items[1].notes' })]);
  });

  it('screens patientRef even when it also breaks the format rules', () => {
    const issues = issuesFor({
      ...makeCreateOrderRequest(),
      patientRef: 'Jonathan Appleseed <j@example.com>',
    });

    expect(issues.map((i) => i.message)).toEqual([
      expect.stringContaining('at most 32 characters'),
      expect.stringContaining('may contain only letters, digits, spaces'),
      expect.stringContaining('Looks like a full name'),
      expect.stringContaining('an e-mail address'),
    ]);
  });

  it('never quotes the screened text in any message', () => {
    const body = {
      ...makeCreateOrderRequest(),
      patientRef: 'Jonathan Appleseed',
      notes: 'pt Jonathan Appleseed, DOB 1984-03-02, cell 555-123-4567',
      items: [makeOrderItemRequest({ notes: 'ship to 12 Appleseed Lane' })],
    };

    const issues = issuesFor(body);

    expect(issues.length).toBeGreaterThanOrEqual(5);
    for (const issue of issues) expect(issue.message).not.toMatch(/Jonathan|Appleseed|1984|555/);
  });

  it('lets clinical notes through', () => {
    const input = parseCreateOrder(
      makeCreateOrderRequest({
        notes: 'Please open contacts on 36, light occlusion, shade match to 35, margin on 37 is subgingival',
        items: [
          makeOrderItemRequest({ notes: 'Reduce 0.5 mm occlusal, 1.2mm buccal, 10% thicker, A3.5 incisal' }),
        ],
      }),
    );

    expect(input.items[0]?.notes).toContain('0.5 mm');
  });
});

describe('CreateOrderRequestSchema', () => {
  it('accepts the factory request', () => {
    expect(CreateOrderRequestSchema.safeParse(makeCreateOrderRequest()).success).toBe(true);
  });

  it('rejects unknown fields, as parseCreateOrder does', () => {
    expect(
      CreateOrderRequestSchema.safeParse({ ...makeCreateOrderRequest(), patientName: 'x' }).success,
    ).toBe(false);
  });
});
