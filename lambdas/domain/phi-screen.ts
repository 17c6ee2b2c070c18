/**
 * Screens what a lab types for identifiers a design service must not receive.
 *
 * Designers see the notes and references of every order they work on, so these fields must
 * carry clinical instructions and pseudonyms only (GDPR pseudonymisation, HIPAA minimum
 * necessary). The screen is a set of conservative patterns, not a classifier: it looks for the
 * shapes identifiers take (a calendar date, a phone number, an e-mail address, an SSN, a street
 * address, a name introduced by "patient", "name:" or a title) and lets clinical text through —
 * tooth numbers (36, #3, 14/15/16), shades (A3.5, 2M2), measurements (0.5 mm, 1.2mm), counts
 * and percentages. Both kinds of mistake are tested.
 *
 * Issues name the field and the kind of identifier found and never quote the text itself: the
 * text is what we must not repeat (in a response, a log line or an error report).
 *
 * A bare full name with no cue ("John Smith wants it whiter", "Smith, John") is caught with word
 * lists (common-names.ts): two capitalised words next to each other, one a common given name and
 * the other a common surname, in either order, with or without a comma or a middle initial.
 * Clinical notes are full of capitalised words (brands, "Please", "Upper"), so flagging every pair
 * would teach labs to ignore the screen; the lists keep "Nobel Biocare" and "Katana UTML" out.
 * Both rates are measured on corpora in test/unit/phi-screen-names.test.ts.
 *
 * Every check runs in time linear in the text: whitespace runs are folded to one space first
 * (so no pattern can split a run of spaces in many ways), each pattern either starts only at the
 * start of a run of the characters it repeats or repeats a bounded number of times, and the
 * bare-name check walks the words once. Callers still bound the length first (order-input.ts);
 * `npm run bench -- --only phi-screen` measures worst-case inputs at and beyond the limits.
 *
 * Known limits, on purpose:
 * - A bare name is caught only when both words are capitalised (or in capitals) and one of them
 *   is on the lists: "john smith" in lower case, or a rare name ("Oluwaseun Adeyemi") passes in
 *   notes. Words that are also colours, months or lab words ("Ivory White", "Will Call") are not
 *   read as names. In patientRef, where any two words are suspicious, every such pair is caught.
 * - Numeric dates need a four-digit year (03/02/1984) or a DOB keyword: "11/21/22" is far more
 *   often a list of teeth than a date. Day and month without a year ("March 2") are flagged
 *   only with a full month name, never "May".
 * - Bare digit runs count as a phone number only after a phone keyword (tel, cell, call…):
 *   implant lot and REF numbers are long digit runs too.
 *
 * Nothing runs at import: the patterns are compiled and the name lists decoded on the first
 * screen (`detectors()`, `nameLists()`), so a function that imports a module beside the screen
 * but never screens (listing designers, reading an order) does not ship the lists (esbuild drops
 * what is never called; `npm run check:bundles` fails a bundle that breaks this), and one that
 * screens pays for the lists only when it first screens.
 */
import type { FieldIssue } from '../kernel/errors';
import { decodeNames, GIVEN_NAMES_CODED, SURNAMES_CODED } from './common-names';

export type IdentifierKind = 'name' | 'date' | 'phone' | 'email' | 'ssn' | 'address';

/** Fixed order, so issues come out the same way every time. */
const KINDS: readonly IdentifierKind[] = ['name', 'date', 'phone', 'email', 'ssn', 'address'];

const WHAT: Readonly<Record<IdentifierKind, string>> = {
  name: 'a person\'s name (a first and last name, or a name after "patient", "pt", "name:" or a title such as Mr, Mrs, Ms or Dr)',
  date: 'a calendar date or date of birth',
  phone: 'a phone number',
  email: 'an e-mail address',
  ssn: 'a Social Security number',
  address: 'a postal address (street address, PO box or state and ZIP code)',
};

function issueFor(field: string, kind: IdentifierKind): FieldIssue {
  return {
    field,
    message:
      `Contains what looks like ${WHAT[kind]}. Remove it: Caseline must not receive patient identifiers, ` +
      'and the design team sees this field. Refer to the patient only through patientRef (initials or a pseudonym).',
  };
}

/**
 * Folds look-alike characters (full-width digits, non-breaking spaces, Unicode dashes) and
 * drops zero-width characters, so that text copied from a word processor is screened as it reads.
 * Folds every run of whitespace (line breaks included) to one space: the patterns then never
 * meet two adjacent spaces, which is what keeps `\s?`-separated parts linear.
 */
function prepare(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s+/g, ' ');
}

// --- building blocks ---------------------------------------------------------------------

/** Title-case, ALL-CAPS, or mixed case; matches "patient", "Patient", "PATIENT" without the `i` flag. */
function word(w: string): string {
  const title = w.charAt(0).toUpperCase() + w.slice(1);
  return `(?:${w}|${title}|${w.toUpperCase()})`;
}

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
/** Full month names without "May", which is also a common verb. */
const FULL_MONTH = '(?:january|february|march|april|june|july|august|september|october|november|december)';
const YEAR4 = '(?:19|20)\\d{2}';
const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
const MONTH_NUM = '(?:0?[1-9]|1[0-2])';
const ORDINAL = '(?:st|nd|rd|th)?';
/** A measurement or count straight after a number means it is not a day of the month. */
const NOT_UNIT = '(?!\\s*(?:mm|cm|µm|um|%|units?|x\\b))';

/** A capitalised name word: Smith, McDonald, O'Brien, Mary-Jane, GARCÍA. */
const NAME_WORD =
  "(?:(?:\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?|\\p{Lu}['’]\\p{Lu}\\p{Ll}+)(?:['’-]\\p{Lu}?\\p{Ll}+)*|\\p{Lu}{2,}(?:['’-]\\p{Lu}{2,})*)";
const PARTICLE = '(?:de|del|della|da|di|du|dos|das|la|le|van|von|der|den|ter|bin|ibn|al|el|y)';
/** Two names, optionally with a middle initial and particles: "John Smith", "J. Smith", "Maria de la Cruz". */
const FULL_NAME = `(?:${NAME_WORD}|\\p{Lu}\\.)\\s+(?:\\p{Lu}\\.?\\s+)?(?:${PARTICLE}\\s+)*${NAME_WORD}`;

/**
 * Capitalised words that follow "patient" or a title in ordinary clinical text and are not
 * names. Matched case-insensitively against the captured words.
 */
const NOT_NAMES_WORDS = [
  'case',
  'ref',
  'reference',
  'id',
  'no',
  'number',
  'code',
  'name',
  'names',
  'notes',
  'note',
  'chart',
  'file',
  'info',
  'details',
  'pt',
  'patient',
  'anon',
  'anonymous',
  'pseudonym',
  'unknown',
  'initials',
  'wants',
  'prefers',
  'requests',
  'reports',
  'needs',
  'has',
  'is',
  'was',
  'had',
  'will',
  'please',
  'upper',
  'lower',
  'left',
  'right',
  'anterior',
  'posterior',
  'shade',
  'crown',
  'crowns',
  'bridge',
  'implant',
  'implants',
  'tooth',
  'teeth',
  'arch',
  'model',
  'splint',
  'veneer',
  'veneers',
  'the',
  'and',
  'with',
  'for',
  'to',
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'test',
  'demo',
  'lab',
  'labs',
  'dental',
  'laboratory',
  'studio',
  'clinic',
  'office',
  'practice',
  'smile',
  'smiles',
  'ceramic',
  'ceramics',
  'art',
  'arts',
  'design',
  'designs',
  'digital',
  'milling',
  'center',
  'centre',
  'group',
  // Clinical shorthand that is written in capitals: quadrants and surfaces.
  'ur',
  'ul',
  'lr',
  'll',
  'mod',
  'mo',
  'do',
  'dol',
];

// --- detectors -----------------------------------------------------------------------------

interface Detector {
  readonly kind: IdentifierKind;
  readonly pattern: RegExp;
  /** Further check on a match; the match counts when it returns true. */
  readonly accept?: (match: RegExpExecArray) => boolean;
}

const patientCue = () =>
  `(?:${word('patient')}|${word('pt')}|${word('pat')}|${word('client')})(?:\\s+${word('name')})?|${word('name')}`;

const namesAreReal = (m: RegExpExecArray): boolean => {
  const captured = m.groups?.name ?? '';
  const words = captured.split(/[\s.]+/).filter((w) => w.length > 1);
  const notNames = detectors().notNames;
  return words.length > 0 && words.every((w) => !notNames.has(w.toLowerCase()));
};

/** "Dr" is a suffix only when no name follows it: "12 Oak Dr" is an address, "Dr Lee" a title. */
const streetSuffixes = () =>
  [
    'Street',
    'St',
    'Avenue',
    'Ave',
    'Av',
    'Road',
    'Rd',
    'Boulevard',
    'Blvd',
    'Lane',
    'Ln',
    'Drive',
    'Court',
    'Ct',
    'Way',
    'Place',
    'Pl',
    'Terrace',
    'Ter',
    'Circle',
    'Cir',
    'Parkway',
    'Pkwy',
    'Highway',
    'Hwy',
    'Square',
    'Sq',
    'Trail',
    'Trl',
  ]
    .map((s) => `${s}|${s.toUpperCase()}|${s.toLowerCase()}`)
    .concat('(?:Dr|DR|dr)(?!\\.?\\s+\\p{Lu}\\p{Ll})')
    .join('|');

const US_STATES =
  'AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|PR|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY';

function digitCount(s: string): number {
  return s.replace(/\D/g, '').length;
}

const makeDetectors = (): readonly Detector[] => [
  // Names with a cue: "patient John Smith", "Pt. name: Maria de la Cruz", "Name - J. Smith".
  {
    kind: 'name',
    pattern: new RegExp(
      `(?<![\\p{L}])(?:${patientCue()})(?![\\p{L}])\\.?\\s?(?:[:#=-]\\s?|(?:is|IS)\\s)?(?<name>${FULL_NAME})`,
      'u',
    ),
    accept: namesAreReal,
  },
  // Mr/Mrs/Ms/Miss/Mx and one name: a surname alone identifies a patient.
  {
    kind: 'name',
    pattern: new RegExp(
      `(?<![\\p{L}])(?:Mr|Mrs|Ms|Miss|Mx|MR|MRS|MS|MISS)\\.?\\s+(?<name>(?:\\p{Lu}\\.?\\s+)?${NAME_WORD})`,
      'u',
    ),
    accept: namesAreReal,
  },
  // Dr and two names: "Dr Smith" (the prescribing dentist, by surname) is everyday lab talk.
  {
    kind: 'name',
    pattern: new RegExp(`(?<![\\p{L}])(?:Dr|DR)\\.?\\s+(?<name>${FULL_NAME})`, 'u'),
    accept: namesAreReal,
  },

  // Dates. Any keyword for a birth date counts on its own.
  {
    kind: 'date',
    pattern: /\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born\s+(?:on\s+|in\s+)?\d)/i,
  },
  // 1984-03-02, 1984/3/2, 2024-03-02T10:00
  { kind: 'date', pattern: new RegExp(`(?<![\\d.])${YEAR4}([-/.])${MONTH_NUM}\\1${DAY}(?!\\d)`) },
  // 03/02/1984, 3-2-1984, 2.3.1984 (either day or month first)
  { kind: 'date', pattern: new RegExp(`(?<![\\d.])${DAY}([-/.])${DAY}\\1${YEAR4}(?![\\d])`) },
  // 2 March 1984, 2nd of March, 1984, 02-Mar-84
  {
    kind: 'date',
    pattern: new RegExp(`\\b${DAY}${ORDINAL}(?:\\s+of)?[\\s-]+${MONTH}\\.?,?[\\s-]+${YEAR4}\\b`, 'i'),
  },
  { kind: 'date', pattern: new RegExp(`\\b${DAY}-${MONTH}-\\d{2}\\b`, 'i') },
  // March 2, 1984 / Mar 2nd 1984 / March 1984
  { kind: 'date', pattern: new RegExp(`\\b${MONTH}\\.?\\s+(?:${DAY}${ORDINAL},?\\s+)?${YEAR4}\\b`, 'i') },
  // March 2 / 2 March (no year; full month names only, never units)
  { kind: 'date', pattern: new RegExp(`\\b${FULL_MONTH}\\s+${DAY}${ORDINAL}\\b${NOT_UNIT}`, 'i') },
  { kind: 'date', pattern: new RegExp(`\\b${DAY}${ORDINAL}\\s+(?:of\\s+)?${FULL_MONTH}\\b`, 'i') },

  // Phones. US: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, +1 555 123 4567, 1-800-555-1234
  {
    kind: 'phone',
    pattern: /(?<![\w+.])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d.]\d)/,
  },
  // International with a +: +44 20 7946 0958, +49-30-1234567
  {
    kind: 'phone',
    pattern: /(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}(?![\d])/,
    accept: (m) => {
      const n = digitCount(m[0]);
      return n >= 8 && n <= 15;
    },
  },
  // After a phone keyword, any run of 7+ digits: "call 5551234567", "tel: 555 1234".
  {
    kind: 'phone',
    pattern:
      /\b(?:phone|tel|telephone|cell|mobile|mob|fax|call|contact\s(?:no|number))\b\.?\s?(?:(?:no\.?|number|#)\s?)?(?:[:#-]\s?)?(?<digits>\+?\d[\d\s().-]{5,}\d)/i,
    accept: (m) => digitCount(m.groups?.digits ?? '') >= 7,
  },

  {
    kind: 'email',
    // The look-behind starts a match only where a run of local-part characters starts: without
    // it, a long run with no "@" is re-scanned from each of its characters (quadratic).
    pattern: /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/u,
  },

  // SSN: 123-45-6789, 123 45 6789, a masked one (XXX-XX-6789), or 9 digits after the keyword.
  { kind: 'ssn', pattern: /(?<![\d.-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])/ },
  { kind: 'ssn', pattern: /(?<![\w-])[xX*]{3}-[xX*]{2}-\d{4}\b/ },
  {
    kind: 'ssn',
    pattern:
      /\b(?:ssn|ss#|s\.s\.n\.?|social\s+security(?:\s+(?:no\.?|number|#))?)\W{0,4}\d{3}[\s-]?\d{2}[\s-]?\d{4}(?!\d)/i,
  },

  // Street address: number, one to four capitalised words (or 5th), a suffix. "1234 Elm St", "12 N. Oak Avenue".
  {
    kind: 'address',
    pattern: new RegExp(
      `(?<![\\d.])\\d{1,6}[A-Za-z]?\\s+(?:(?:[NSEW]|North|South|East|West)\\.?\\s+)?` +
        `(?:(?:\\p{Lu}[\\p{L}'’-]*|\\d+(?:st|nd|rd|th))\\s+){1,4}(?:${streetSuffixes()})\\b`,
      'u',
    ),
  },
  { kind: 'address', pattern: /\b(?:p\.?\s?o\.?\s?box|post\soffice\sbox)\s?#?\s?\d+/i },
  { kind: 'address', pattern: new RegExp(`(?<![\\w])(?:${US_STATES}),?\\s+\\d{5}(?:-\\d{4})?(?![\\d-])`) },
];

interface Compiled {
  readonly notNames: ReadonlySet<string>;
  /** With global copies for matchAll, which needs the `g` flag (and clones the regex, so no lastIndex leaks). */
  readonly detectors: readonly (Detector & { readonly global: RegExp })[];
}
let compiled: Compiled | undefined;

/** The patterns, compiled on first use (nothing runs at import; see the top of the file). */
function detectors(): Compiled {
  compiled ??= {
    notNames: new Set(NOT_NAMES_WORDS),
    detectors: makeDetectors().map((d) => ({
      ...d,
      global: new RegExp(d.pattern.source, `${d.pattern.flags}g`),
    })),
  };
  return compiled;
}

// --- bare names: "John Smith", "Smith, John", "JOHN A. SMITH" ----------------------------------

/**
 * Words on the name lists that lab notes use as words: colours and shade talk ("Ivory White",
 * "Pearl"), months and days ("June", "Monday"), and lab vocabulary ("Will Call", "Crown", "Post").
 * A pair of them is never a name ("Rose Gold", "Bright White"); one of them next to a listed name
 * that is not one of them still is ("Patricia Brown", "Mark Hall"). Lower case.
 */
const NOT_BARE_NAMES_WORDS = [
  // colours and shade talk
  'white black brown green gray grey blue gold silver ivory pearl crystal amber ruby jade opal coral',
  'rose violet olive hazel honey cherry ginger golden bright light dark hue noble',
  // months, days, holidays
  'january february march april may june july august september october november december',
  'monday tuesday wednesday thursday friday saturday sunday christmas easter',
  // lab and everyday words
  'will mark call case rush low high main north south east west best short long edge page cross day',
  'post bond stone shade body press glaze stain model cast bar guard night wax try mill fast price cash',
  'square round ridge sharp deep line angle lower upper crown bridge star sun moon king queen prince',
  'royal major grant chase miles summer winter dawn hope joy faith grace sterling',
];

interface NameLists {
  readonly given: ReadonlySet<string>;
  readonly surnames: ReadonlySet<string>;
  readonly notBareNames: ReadonlySet<string>;
}
let lists: NameLists | undefined;

/** The name lists, decoded on the first bare-name check (a few milliseconds, once per process). */
function nameLists(): NameLists {
  lists ??= {
    given: decodeNames(GIVEN_NAMES_CODED),
    surnames: decodeNames(SURNAMES_CODED),
    notBareNames: new Set(NOT_BARE_NAMES_WORDS.join(' ').split(' ')),
  };
  return lists;
}

/** Longer words are not looked up: no listed name is this long, and the lookup stays cheap. */
const MAX_NAME_WORD = 20;

type BareToken =
  | { readonly kind: 'word'; readonly given: boolean; readonly surname: boolean; readonly common: boolean }
  | { readonly kind: 'initial' | 'comma' | 'dot' | 'other' };

/** A word, or one character that is neither a letter nor a space. One pass, no backtracking. */
const BARE_TOKEN = /\p{L}[\p{L}'’-]*|[^\s\p{L}]/gu;
const CAPITALISED = /^\p{Lu}(?:\p{Ll}|['’]\p{Lu}|\p{Lu}+(?:['’-]\p{Lu}+)*$)/u;

function bareToken(text: string): BareToken {
  if (text === ',') return { kind: 'comma' };
  if (text === '.') return { kind: 'dot' };
  if (text.length === 1) return { kind: /\p{Lu}/u.test(text) ? 'initial' : 'other' };
  if (!/^\p{L}/u.test(text)) return { kind: 'other' };
  if (text.length > MAX_NAME_WORD || !CAPITALISED.test(text)) return { kind: 'other' };
  const lower = text.toLowerCase().replace(/['’]/g, '');
  if (detectors().notNames.has(lower)) return { kind: 'other' };
  // Mary-Jane, Smith-Jones: a part on a list is enough.
  const parts = lower.split('-').filter((p) => p.length > 1);
  const names = nameLists();
  const given = parts.some((p) => names.given.has(p));
  const surname = parts.some((p) => names.surnames.has(p));
  return given || surname
    ? { kind: 'word', given, surname, common: names.notBareNames.has(lower) }
    : { kind: 'other' };
}

/**
 * Two listed words next to each other, one a given name and the other a surname: "John Smith",
 * "Smith John", "John A. Smith", "Smith, John", unless both are also common words. Walks the
 * words once, looking at most four tokens ahead.
 */
function hasBareName(prepared: string): boolean {
  const tokens = Array.from(prepared.matchAll(BARE_TOKEN), (m) => bareToken(m[0]));
  for (let i = 0; i < tokens.length; i++) {
    const first = tokens[i];
    if (first?.kind !== 'word') continue;
    let j = i + 1;
    const comma = tokens[j]?.kind === 'comma';
    if (comma) j++;
    else if (tokens[j]?.kind === 'initial') {
      j++;
      if (tokens[j]?.kind === 'dot') j++;
    }
    const second = tokens[j];
    if (second?.kind !== 'word' || (first.common && second.common)) continue;
    if (
      comma
        ? first.surname && second.given
        : (first.given && second.surname) || (first.surname && second.given)
    )
      return true;
  }
  return false;
}

/** Kinds the patterns find in prepared text (all but the bare-name check), added to `found`. */
function matchPatterns(prepared: string, kinds: readonly IdentifierKind[], found: Set<IdentifierKind>): void {
  for (const detector of detectors().detectors) {
    if (found.has(detector.kind) || !kinds.includes(detector.kind)) continue;
    for (const match of prepared.matchAll(detector.global)) {
      if (!detector.accept || detector.accept(match as RegExpExecArray)) {
        found.add(detector.kind);
        break;
      }
    }
  }
}

/** Kinds of identifier found in `text`, in a fixed order, each at most once. */
export function findIdentifiers(text: string): readonly IdentifierKind[] {
  const prepared = prepare(text);
  const found = new Set<IdentifierKind>();
  if (hasBareName(prepared)) found.add('name');
  matchPatterns(prepared, KINDS, found);
  return KINDS.filter((k) => found.has(k));
}

/**
 * Only e-mail addresses and phone numbers, as findIdentifiers finds them, without the name
 * lists: for text that is a name by design (a designer's display name), where only contact
 * details are refused. A bundle that calls only this ships no name list.
 */
export function findContactDetails(text: string): readonly ('email' | 'phone')[] {
  const found = new Set<IdentifierKind>();
  matchPatterns(prepare(text), ['phone', 'email'], found);
  return (['phone', 'email'] as const).filter((k) => found.has(k));
}

/** One issue per kind of identifier found in a free-text field (order or item notes). */
export function screenFreeText(field: string, text: string): FieldIssue[] {
  return findIdentifiers(text).map((kind) => issueFor(field, kind));
}

// --- references: patientRef and caseRef -------------------------------------------------------

type TokenClass = 'name' | 'initial' | 'title' | 'neutral';

const TITLES = ['mr', 'mrs', 'ms', 'miss', 'mx', 'dr'];
const VOWEL = /[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿ]/i;
const LETTERS_ONLY = /^\p{L}+(?:['’]\p{L}+)*$/u;

/**
 * Splits a reference into letter runs. Separators are spaces and . , _ - / #; a CamelCase word
 * ("JohnSmith") is split in two, since that is a common way to squeeze a name into a code.
 */
function tokenise(text: string): string[] {
  return prepare(text)
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .split(/[\s.,_\-/#]+/)
    .filter((t) => t.length > 0);
}

function classify(token: string, titleCaseOnly: boolean): TokenClass {
  if (!LETTERS_ONLY.test(token)) return 'neutral';
  const lower = token.toLowerCase();
  if (TITLES.includes(lower)) return 'title';
  if (token.length === 1) return 'initial';
  if (detectors().notNames.has(lower) || !VOWEL.test(token)) return 'neutral';
  const allCaps = token === token.toUpperCase();
  const titleCase = /^\p{Lu}\p{Ll}/u.test(token);
  if (titleCaseOnly) return titleCase ? 'name' : 'neutral';
  // Short all-caps tokens are initials or codes: JD, ANN, PT.
  if (allCaps && token.length <= 3) return 'neutral';
  return 'name';
}

/** Runs of adjacent letter-only tokens; a token with a digit ends a run. */
function letterRuns(tokens: readonly string[], titleCaseOnly: boolean): TokenClass[][] {
  const runs: TokenClass[][] = [];
  let current: TokenClass[] = [];
  for (const token of tokens) {
    if (LETTERS_ONLY.test(token)) {
      current.push(classify(token, titleCaseOnly));
    } else {
      if (current.length > 0) runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/**
 * patientRef: two or more words next to each other, at least one of which reads as a name, is
 * treated as a full name ("John Smith", "maria de la cruz", "J Smith", "Mr Smith", "JOHN S").
 * Initials and codes pass ("JD", "J.D.", "J-D", "PT-00123", "case 4471", "ANON-7F3K", "PT Case").
 * A single word cannot be told apart from a pseudonym and passes.
 */
function looksLikeFullName(text: string): boolean {
  return letterRuns(tokenise(text), false).some((run) => run.length >= 2 && run.includes('name'));
}

/**
 * caseRef: stricter evidence, because a lab's case number may carry its own name ("ACME-LAB-0423",
 * "Acme-Dental-17"). Flags two Title-case name words, or one with an initial ("Smith-John-0423",
 * "Smith_J_17", "JohnSmith-5"). All-caps or lower-case words are not read as names here.
 */
function caseRefHasName(text: string): boolean {
  return letterRuns(tokenise(text), true).some((run) => {
    const names = run.filter((c) => c === 'name').length;
    const initials = run.filter((c) => c === 'initial').length;
    return names >= 2 || (names >= 1 && initials >= 1);
  });
}

/**
 * patientRef must be a pseudonym or initials. Returns issues for a full name and for any
 * identifier the free-text screen finds (a date of birth, a phone number…).
 */
export function screenPatientRef(text: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (looksLikeFullName(text)) {
    issues.push({
      field: 'patientRef',
      message:
        "Looks like a full name. Use the patient's initials (e.g. J.D.) or your lab's pseudonymous patient code " +
        '(e.g. PT-00123): Caseline must not receive patient names.',
    });
  }
  const kinds = findIdentifiers(text).filter((k) => !(k === 'name' && issues.length > 0));
  return [...issues, ...kinds.map((kind) => issueFor('patientRef', kind))];
}

/**
 * caseRef is the lab's case number and is shown to designers. It is screened for names,
 * e-mail addresses, phone numbers and SSNs (and addresses, though its character set leaves no
 * room for one), but not for dates: lab case numbers routinely embed the order date
 * (2024-03-02-017), and flagging those would reject legitimate numbering schemes.
 */
export function screenCaseRef(text: string): FieldIssue[] {
  const kinds = new Set<IdentifierKind>(findIdentifiers(text).filter((k) => k !== 'date'));
  if (caseRefHasName(text)) kinds.add('name');
  return KINDS.filter((k) => kinds.has(k)).map((kind) => ({
    field: 'caseRef',
    message:
      `Looks like it contains ${kind === 'name' ? "a person's name" : WHAT[kind]}. ` +
      "Use your lab's own case number only (letters, digits, '-', '_', '/' or '.'): the design team sees it.",
  }));
}
