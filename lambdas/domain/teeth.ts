/**
 * Tooth numbers: parsing from the two systems US labs use, one stored form (FDI), display.
 *
 * API
 * - `parseTeeth({ system, teeth }, field)` → `{ ok: true, teeth }` with FDI numbers, or
 *   `{ ok: false, issues }` with one FieldIssue per bad entry (`${field}[i]`). The order request
 *   carries `toothNumbering` once at order level and a `teeth` list per item; the validator
 *   pairs them into this `{ system, teeth }` shape, which is also what any other caller passes.
 * - `toUniversal(fdi)` and `formatTooth(fdi, system)` for display, `archOf`, `isPrimaryTooth`,
 *   `isFdiTooth`, `compareTeeth`.
 *
 * Decisions
 * - FDI (ISO 3950) two-digit numbers are the single stored form: unambiguous, and numbers
 *   rather than mixed numbers and letters.
 * - Permanent teeth are the main case; primary teeth (FDI 51–85, Universal A–T) are accepted
 *   because a design service does occasionally get a crown on a primary molar. Restoration
 *   types that make no sense on a primary tooth (bridges, implants) reject them in the catalog.
 * - Universal numbers may be written with a leading `#` ("#3"), as US labs often do; primary
 *   letters are case-insensitive.
 * - A parsed list is returned in dental-chart order (upper right → upper left, then lower
 *   right → lower left), so a bridge's units stay adjacent and the same set of teeth is always
 *   stored the same way, whatever order the lab typed it in.
 */
import type { FieldIssue } from '../kernel/errors';

export const TOOTH_NUMBERINGS = ['FDI', 'Universal'] as const;
export type ToothNumbering = (typeof TOOTH_NUMBERINGS)[number];

/** A two-digit FDI tooth number, e.g. 36 (permanent) or 75 (primary). */
export type FdiTooth = number;

export type Arch = 'upper' | 'lower';

export interface ToothList {
  readonly system: ToothNumbering;
  readonly teeth: readonly (string | number)[];
}

export type TeethResult =
  | { readonly ok: true; readonly teeth: readonly FdiTooth[] }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

const FDI_HELP = 'use 11–18, 21–28, 31–38 or 41–48 (permanent) or 51–55, 61–65, 71–75, 81–85 (primary)';
const UNIVERSAL_HELP = 'use 1–32 (permanent) or A–T (primary)';

/** Teeth per quadrant: 8 permanent (quadrants 1–4), 5 primary (quadrants 5–8). */
export function isFdiTooth(n: number): boolean {
  if (!Number.isInteger(n)) return false;
  const quadrant = Math.floor(n / 10);
  const tooth = n % 10;
  if (quadrant >= 1 && quadrant <= 4) return tooth >= 1 && tooth <= 8;
  if (quadrant >= 5 && quadrant <= 8) return tooth >= 1 && tooth <= 5;
  return false;
}

export function isPrimaryTooth(fdi: FdiTooth): boolean {
  return Math.floor(fdi / 10) >= 5;
}

/** Quadrants 1, 2 (permanent) and 5, 6 (primary) are upper; 3, 4, 7, 8 are lower. */
export function archOf(fdi: FdiTooth): Arch {
  const quadrant = Math.floor(fdi / 10);
  return quadrant === 1 || quadrant === 2 || quadrant === 5 || quadrant === 6 ? 'upper' : 'lower';
}

/** Universal permanent 1–32 → FDI. 1 is the upper right third molar, 32 the lower right. */
function universalPermanentToFdi(n: number): FdiTooth {
  if (n <= 8) return 19 - n; // 1 → 18 … 8 → 11
  if (n <= 16) return n + 12; // 9 → 21 … 16 → 28
  if (n <= 24) return 55 - n; // 17 → 38 … 24 → 31
  return n + 16; // 25 → 41 … 32 → 48
}

/** Universal primary A–T → FDI. A is the upper right second molar (55), T the lower right (85). */
function universalPrimaryToFdi(letter: string): FdiTooth {
  const i = letter.charCodeAt(0) - 'A'.charCodeAt(0); // 0–19
  if (i <= 4) return 55 - i; // A → 55 … E → 51
  if (i <= 9) return 56 + i; // F → 61 … J → 65
  if (i <= 14) return 85 - i; // K → 75 … O → 71
  return 66 + i; // P → 81 … T → 85
}

export function toUniversal(fdi: FdiTooth): string {
  if (!isFdiTooth(fdi)) throw new RangeError(`Not an FDI tooth number: ${fdi}`);
  const quadrant = Math.floor(fdi / 10);
  const tooth = fdi % 10;
  switch (quadrant) {
    case 1:
      return String(9 - tooth);
    case 2:
      return String(8 + tooth);
    case 3:
      return String(25 - tooth);
    case 4:
      return String(24 + tooth);
    case 5:
      return String.fromCharCode(70 - tooth); // 51 → E … 55 → A
    case 6:
      return String.fromCharCode(69 + tooth); // 61 → F … 65 → J
    case 7:
      return String.fromCharCode(80 - tooth); // 71 → O … 75 → K
    default:
      return String.fromCharCode(79 + tooth); // 81 → P … 85 → T
  }
}

export function formatTooth(fdi: FdiTooth, system: ToothNumbering): string {
  return system === 'FDI' ? String(fdi) : toUniversal(fdi);
}

/**
 * Dental-chart order: upper arch from the patient's right (18) to left (28), then lower arch
 * from right (48) to left (38). A retained primary tooth sorts just after the permanent tooth
 * in the same position.
 */
export function compareTeeth(a: FdiTooth, b: FdiTooth): number {
  return chartPosition(a) - chartPosition(b);
}

function chartPosition(fdi: FdiTooth): number {
  const quadrant = Math.floor(fdi / 10);
  const tooth = fdi % 10;
  const primary = quadrant >= 5 ? 0.5 : 0;
  const side = ((quadrant - 1) % 4) + 1; // 1–4 for both dentitions
  const archOffset = side <= 2 ? 0 : 100;
  // Right-hand quadrants (1, 4) count down towards the midline, left-hand ones (2, 3) count up.
  const fromRight = side === 1 || side === 4 ? 9 - tooth : 8 + tooth;
  return archOffset + fromRight * 2 + primary;
}

type OneTooth = { ok: true; tooth: FdiTooth; label: string } | { ok: false; message: string };

/** Echo what the lab sent only when it is short and tooth-like; anything longer may be free text. */
function describe(raw: string | number): string {
  const text = String(raw).trim();
  return /^#?[0-9A-Za-z]{1,3}$/.test(text) ? `Tooth ${text}` : 'This entry';
}

function parseFdi(raw: string | number): OneTooth {
  const text = typeof raw === 'number' ? String(raw) : raw.trim();
  const n = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (isFdiTooth(n)) return { ok: true, tooth: n, label: String(n) };
  const looksUniversal = (n >= 1 && n <= 32) || /^#\d{1,2}$|^[A-Ta-t]$/.test(text);
  const hint = looksUniversal ? '. If these are Universal numbers, set toothNumbering to "Universal"' : '';
  return { ok: false, message: `${describe(raw)} is not a tooth in FDI numbering; ${FDI_HELP}${hint}` };
}

function parseUniversal(raw: string | number): OneTooth {
  const text = typeof raw === 'number' ? String(raw) : raw.trim();
  const digits = /^#?(\d{1,2})$/.exec(text)?.[1];
  if (digits !== undefined) {
    const n = Number(digits);
    if (n >= 1 && n <= 32) return { ok: true, tooth: universalPermanentToFdi(n), label: String(n) };
    const hint = isFdiTooth(n) ? '. If these are FDI numbers, set toothNumbering to "FDI"' : '';
    return {
      ok: false,
      message: `${describe(raw)} is not a tooth in Universal numbering; ${UNIVERSAL_HELP}${hint}`,
    };
  }
  if (/^[A-Ta-t]$/.test(text)) {
    const letter = text.toUpperCase();
    return { ok: true, tooth: universalPrimaryToFdi(letter), label: letter };
  }
  return { ok: false, message: `${describe(raw)} is not a tooth in Universal numbering; ${UNIVERSAL_HELP}` };
}

export function parseTeeth(input: ToothList, field = 'teeth'): TeethResult {
  const issues: FieldIssue[] = [];
  const seen = new Set<FdiTooth>();
  const teeth: FdiTooth[] = [];
  input.teeth.forEach((raw, i) => {
    const at = `${field}[${i}]`;
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      issues.push({
        field: at,
        message: 'Each tooth must be a number (e.g. 36) or a string (e.g. "36", "#3", "A")',
      });
      return;
    }
    const parsed = input.system === 'FDI' ? parseFdi(raw) : parseUniversal(raw);
    if (!parsed.ok) {
      issues.push({ field: at, message: parsed.message });
      return;
    }
    if (seen.has(parsed.tooth)) {
      issues.push({
        field: at,
        message: `Tooth ${parsed.label} is listed more than once; list each tooth once`,
      });
      return;
    }
    seen.add(parsed.tooth);
    teeth.push(parsed.tooth);
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, teeth: teeth.sort(compareTeeth) };
}
