import { describe, expect, it } from 'vitest';
import {
  CASE_REF_MAX,
  MAX_ITEM_NOTES,
  MAX_ORDER_NOTES,
  PATIENT_REF_MAX,
} from '../../lambdas/domain/order-input';
import {
  findIdentifiers,
  type IdentifierKind,
  screenCaseRef,
  screenFreeText,
  screenPatientRef,
} from '../../lambdas/domain/phi-screen';
import { worstCases } from '../support/phi-worst-case';

// All names, numbers and addresses below are invented.

describe('findIdentifiers — true positives', () => {
  it.each<[IdentifierKind, string]>([
    // Dates, in the formats labs paste from practice software.
    ['date', 'Patient born 1984-03-02, please rush'],
    ['date', 'DOB 03/02/1984'],
    ['date', 'dob: 3/2/84'],
    ['date', 'D.O.B. unknown'],
    ['date', 'Date of birth on the Rx'],
    ['date', 'birthdate 12.11.1975'],
    ['date', 'seat on 2 March 1984'],
    ['date', 'seen on 2nd of March, 2024'],
    ['date', 'March 2, 1984'],
    ['date', 'Mar 2nd 1984'],
    ['date', 'since December 2023'],
    ['date', '02-MAR-84 appointment'],
    ['date', 'seat appt on March 3'],
    ['date', 'appointment 14th February'],
    ['date', 'scan 2024-03-02T10:15'],
    ['date', '03-02-1984'],
    ['date', 'born in 1984'],
    // Phones.
    ['phone', 'call (555) 123-4567'],
    ['phone', 'cell 555-123-4567 after 5'],
    ['phone', 'office 555.123.4567'],
    ['phone', 'ph 555 123 4567'],
    ['phone', '+1 555 123 4567'],
    ['phone', '1-800-555-0199 for the practice'],
    ['phone', 'reach me at +44 20 7946 0958'],
    ['phone', '+49-30-1234567'],
    ['phone', 'call 5551234567'],
    ['phone', 'Tel: 555 0199 22'],
    ['phone', '(555)123-4567'],
    // E-mail.
    ['email', 'send to jane.doe@example.com'],
    ['email', 'J.D+crowns@sub.example.co.uk'],
    // SSN.
    ['ssn', 'SSN 123-45-6789'],
    ['ssn', '123-45-6789'],
    ['ssn', '123 45 6789'],
    ['ssn', 'ssn: 123456789'],
    ['ssn', 'Social Security number 123 45 6789'],
    ['ssn', 'SS# 123-45-6789'],
    ['ssn', 'XXX-XX-6789'],
    // Addresses.
    ['address', 'ship to 1234 Elm Street'],
    ['address', '42 Oak Ave'],
    ['address', '7 Old Mill Road'],
    ['address', '100 N. Main St.'],
    ['address', '12 Sunset Blvd'],
    ['address', '5 Cherry Tree Lane'],
    ['address', '221 Baker Dr'],
    ['address', '9 Kings Ct'],
    ['address', '350 5th Ave'],
    ['address', '88 MAPLE ST'],
    ['address', 'PO Box 77'],
    ['address', 'P.O. Box 1234'],
    ['address', 'Springfield, IL 62704'],
    ['address', 'Austin TX 73301-1234'],
    // Names with a cue.
    ['name', 'patient John Smith'],
    ['name', 'Patient: John Smith'],
    ['name', 'Pt. name: Maria de la Cruz'],
    ['name', 'pt John A. Smith'],
    ['name', 'patient J. Smith, upper right'],
    ['name', "Name: Mary-Jane O'Brien"],
    ['name', 'patient Angus McDonald'],
    ['name', 'Patient: McDonald Angus'],
    ['name', 'PATIENT: JOHN SMITH'],
    ['name', 'patient is Anna Kowalski'],
    ['name', 'Mr Smith wants it whiter'],
    ['name', 'Mrs. Garcia'],
    ['name', 'Ms Lee'],
    ['name', 'Dr Jane Miller requests'],
    ['name', 'Dr. José García'],
    ['name', 'client name: Zoë Müller'],
  ])('finds %s in %j', (kind, text) => {
    // Act
    const found = findIdentifiers(text);

    // Assess
    expect(found).toContain(kind);
  });

  it('reports each kind once, in a fixed order', () => {
    const text = 'pt John Smith, DOB 1984-03-02, 1984-03-03, cell 555-123-4567, jd@example.com, 12 Elm St';

    expect(findIdentifiers(text)).toEqual(['name', 'date', 'phone', 'email', 'address']);
  });

  it('sees through full-width digits, non-breaking spaces and Unicode dashes', () => {
    expect(findIdentifiers('１２３‐４５‐６７８９')).toEqual(['ssn']);
    expect(findIdentifiers('call 555\u00a0123\u00a04567')).toEqual(['phone']);
    expect(findIdentifiers('DOB 1984–03–02')).toEqual(['date']);
  });

  it('sees through zero-width characters', () => {
    expect(findIdentifiers('jane\u200b.doe@example.com')).toEqual(['email']);
  });
});

describe('findIdentifiers — clinical text passes', () => {
  it.each([
    'Please open contacts on 36, light occlusion, shade match to 35, margin on 37 is subgingival',
    'Reduce occlusal by 0.5 mm, cement gap 0.08mm, minimum thickness 1.2mm',
    'Make 10% thicker at the margin, 3 units, 2x contacts',
    'A3.5 body, A2 incisal, stump shade ND3, 3D-Master 2M2 / 3L1.5',
    'Bridge 14-16, pontic 15 ovate, 21/22 veneers, teeth 11/21/22 and 14/15/16',
    '#3, #4, #5 bridge; #19 crown',
    'Nobel Active NP 3.5 x 10, torque 35 Ncm, lot 1234567890, REF 021.4510',
    'Straumann BLT 4.1 RC, Ti-base GH 1.5 mm, screw channel angled 25°',
    'Occlusal clearance 1.5-2.0 mm, contact 50 µm, 3/4 crown on 24',
    'Dr Smith prefers heavier contacts',
    'Dr. Lee: please call the lab if the margin is unclear',
    'Patient has bruxism, make it thick',
    'Pt wants whiter than A1, patient prefers 0M2',
    'PT Case 4471 remake, previous design too bulky',
    'pt UR MOD onlay, patient is a heavy grinder',
    'Patient Wants Bright White',
    'Upper and Lower models, 2 Die Dr Smith approved',
    '3 Unit Bridge Dr Smith approved',
    'PTFE Tape on the screw channel',
    'Rush: seat appointment Monday, deliver by Friday',
    'may 2 units be splinted? dec 2 mm on the lingual',
    'March the margins carefully',
    'Follow the Rx from 2024, design as last year',
    'ISO 6872 type II, CE 0123, 4-6 weeks',
    'Scan 1 of 3, 12 mm x 8 mm prep, 36 mesial root',
    'Ratio 1:2, angle 6-8 degrees, 45° chamfer',
    'Upper arch: 17 16 15 14 13 12 11',
    'Contacts 0.1-0.2, occlusion -0.05 mm, +0.1 mm on 46',
    'Use IPS e.max CAD LT A2 block size C14',
    'Mesial 2 mm, distal 1 mm, buccal 1.5 mm',
    'Ceramill Motion 2, 5-axis, 98 mm disc, 14 mm height',
    'Total 12 units; 4 implants at 12, 14, 22, 24',
    'Design as per the St. Louis workflow',
    'Nobel Biocare (Zurich) connection',
  ])('passes %j', (text) => {
    expect(findIdentifiers(text)).toEqual([]);
  });
});

describe('screenFreeText', () => {
  it('returns nothing for clinical text', () => {
    expect(screenFreeText('notes', 'Light occlusion, open contacts on 36')).toEqual([]);
  });

  it('returns one issue per kind found, on the field given', () => {
    // Act
    const issues = screenFreeText('items[2].notes', 'DOB 1984-03-02, call 555-123-4567');

    // Assess
    expect(issues.map((i) => i.field)).toEqual(['items[2].notes', 'items[2].notes']);
    expect(issues[0]?.message).toContain('a calendar date or date of birth');
    expect(issues[1]?.message).toContain('a phone number');
  });

  it('says how to fix it', () => {
    const [issue] = screenFreeText('notes', 'patient John Smith');

    expect(issue?.message).toContain('Remove it');
    expect(issue?.message).toContain('patientRef');
  });

  it.each([
    ['patient Jonathan Appleseed', ['Jonathan', 'Appleseed']],
    ['DOB 1984-03-02', ['1984', '03-02']],
    ['call 555-123-4567', ['555', '4567']],
    ['mail jane.doe@example.com', ['jane', 'example']],
    ['SSN 123-45-6789', ['6789']],
    ['1234 Elm Street', ['Elm', '1234']],
  ])('never quotes the text it flags (%s)', (text, fragments) => {
    const issues = screenFreeText('notes', text);

    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      for (const fragment of fragments) expect(issue.message).not.toContain(fragment);
    }
  });
});

describe('screenPatientRef', () => {
  it.each([
    'JD',
    'J.D.',
    'J-D',
    'J D',
    'jd',
    'J.D.S.',
    'PT-00123',
    'PT 00123',
    'case 4471',
    'Case #4471',
    'ANON-7F3K',
    'PT Case',
    'Pt case 12',
    'Anon Patient',
    'JD MK',
    'JDM-17',
    'P-1984',
    'X7K2Q',
    'patient 12',
    'Falcon',
    'AB/12',
  ])('accepts the pseudonym or initials %j', (ref) => {
    expect(screenPatientRef(ref)).toEqual([]);
  });

  it.each([
    'John Smith',
    'maria de la cruz',
    'JOHN SMITH',
    'Smith, John',
    'John S',
    'J Smith',
    'J. Smith',
    'Mr Smith',
    'Mrs. Garcia',
    'JohnSmith',
    'John.Smith',
    'john_smith',
    'Mary-Jane Smith',
    'Li Wu',
    'Anna Kowalski 12',
    'PT John Smith',
    'José García',
  ])('rejects the full name %j', (ref) => {
    // Act
    const issues = screenPatientRef(ref);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('patientRef');
    expect(issues[0]?.message).toMatch(/^Looks like a full name/);
    expect(issues[0]?.message).toContain('initials');
  });

  it.each<[string, string]>([
    ['JD 1984-03-02', 'a calendar date'],
    ['JD DOB', 'a calendar date'],
    ['555-123-4567', 'a phone number'],
    ['jd@example.com', 'an e-mail address'],
    ['123-45-6789', 'a Social Security number'],
  ])('rejects %j, which holds an identifier', (ref, what) => {
    const issues = screenPatientRef(ref);

    expect(issues.map((i) => i.field)).toEqual(['patientRef']);
    expect(issues[0]?.message).toContain(what);
  });

  it('does not report a name twice when a cue introduces it', () => {
    expect(screenPatientRef('pt John Smith')).toHaveLength(1);
  });

  it('does not quote the name it rejects', () => {
    const [issue] = screenPatientRef('Jonathan Appleseed');

    expect(issue?.message).not.toMatch(/Jonathan|Appleseed/);
  });
});

describe('screenCaseRef', () => {
  it.each([
    '2024-0173',
    'LAB-2024-0173',
    'CR/2024/17',
    'ACME-LAB-0423',
    'Acme-Dental-17',
    'BrightSmile-17',
    'case_4471',
    'A.17.B',
    '2024-03-02-017',
    '20240302017',
    '5551234567',
    'Case-A',
  ])('accepts the lab case number %j', (ref) => {
    expect(screenCaseRef(ref)).toEqual([]);
  });

  it.each<[string, string]>([
    ['Smith-John-0423', "a person's name"],
    ['Smith_J_17', "a person's name"],
    ['JohnSmith-5', "a person's name"],
    ['555-123-4567', 'a phone number'],
    ['555.123.4567', 'a phone number'],
    ['123-45-6789', 'a Social Security number'],
    ['jd@example.com', 'an e-mail address'],
  ])('rejects %j, which holds %s', (ref, what) => {
    // Act
    const issues = screenCaseRef(ref);

    // Assess
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('caseRef');
    expect(issues[0]?.message).toContain(what);
    expect(issues[0]?.message).not.toContain(ref);
  });
});

describe('bounded cost: worst-case input at each field limit', () => {
  // Each input repeats the characters one pattern backtracks on; with a quadratic pattern the
  // notes cases took seconds (a "tel" and 2,000 spaces: 3.5 s). Time is measured by
  // `npm run bench -- --only phi-screen`; here each must finish and still find what it holds.
  describe.each([
    ['notes', MAX_ORDER_NOTES],
    ['items[0].notes', MAX_ITEM_NOTES],
  ])('%s at %i characters', (field, limit) => {
    it.each(worstCases(limit).map((c) => [c.name, c] as const))('%s', (_name, worst) => {
      // Prepare
      const text = worst.text.slice(-limit);

      // Act
      const issues = screenFreeText(field, text);

      // Assess
      expect(text.length).toBeLessThanOrEqual(limit);
      expect(issues.map((i) => i.field)).toEqual(worst.kinds.map(() => field));
      expect(findIdentifiers(text)).toEqual(worst.kinds);
    });
  });

  it.each(worstCases(CASE_REF_MAX).map((c) => [c.name, c.text.slice(0, CASE_REF_MAX)] as const))(
    'caseRef at its limit: %s',
    (_name, text) => {
      const issues = screenCaseRef(text);

      expect(issues.every((i) => i.field === 'caseRef')).toBe(true);
      // Dates are never reported for a case number.
      expect(issues.map((i) => i.message).join(' ')).not.toContain('calendar date');
    },
  );

  it.each(worstCases(PATIENT_REF_MAX).map((c) => [c.name, c.text.slice(0, PATIENT_REF_MAX)] as const))(
    'patientRef at its limit: %s',
    (_name, text) => {
      const issues = screenPatientRef(text);

      expect(issues.every((i) => i.field === 'patientRef')).toBe(true);
      expect(new Set(issues.map((i) => i.message)).size).toBe(issues.length);
    },
  );
});
