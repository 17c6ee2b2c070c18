/**
 * What a lab can order: restoration types, materials and shades.
 *
 * Plain data plus two small parsers. Identifiers are lower-case kebab strings and are what is
 * stored; labels are for people. Input is matched leniently (case, spaces, hyphens and a few
 * well-known trade names such as "e.max") because labs type these by hand, but only the
 * canonical id is ever stored. Adding a material or a type is a data change here: the order
 * validator reads every rule from these tables.
 */

export const RESTORATION_TYPES = [
  'crown',
  'bridge',
  'inlay-onlay',
  'veneer',
  'implant-abutment',
  'implant-crown-bridge',
  'full-arch',
  'denture',
  'splint-night-guard',
  'model',
] as const;
export type RestorationType = (typeof RESTORATION_TYPES)[number];

export const ARCH_SELECTIONS = ['upper', 'lower', 'both'] as const;
export type ArchSelection = (typeof ARCH_SELECTIONS)[number];

export const MATERIAL_IDS = [
  'zirconia',
  'lithium-disilicate',
  'feldspathic',
  'hybrid-ceramic',
  'pmma',
  'composite',
  'pfm',
  'cobalt-chrome',
  'titanium',
  'gold',
  'wax',
  'print-resin',
] as const;
export type MaterialId = (typeof MATERIAL_IDS)[number];

export interface MaterialSpec {
  readonly label: string;
  /**
   * A tooth-coloured material shows in the mouth, so the designer needs a shade to pick the
   * right block or layering. Metals, wax and model/splint resin do not.
   */
  readonly toothColoured: boolean;
  /** Other spellings labs use; matched after normalisation (see normaliseTerm). */
  readonly aliases: readonly string[];
}

export const MATERIALS: Readonly<Record<MaterialId, MaterialSpec>> = {
  zirconia: {
    label: 'Zirconia',
    toothColoured: true,
    aliases: ['zirconium', 'zirconium oxide', 'zro2', 'zr'],
  },
  'lithium-disilicate': {
    label: 'Lithium disilicate (e.max)',
    toothColoured: true,
    aliases: ['e.max', 'emax', 'e max', 'ips e.max', 'lds'],
  },
  feldspathic: {
    label: 'Feldspathic ceramic',
    toothColoured: true,
    aliases: ['feldspathic porcelain', 'feldspar'],
  },
  'hybrid-ceramic': {
    label: 'Hybrid ceramic / resin-nano ceramic',
    toothColoured: true,
    aliases: ['resin nano ceramic', 'resin-nano ceramic', 'enamic'],
  },
  pmma: {
    label: 'PMMA (milled or printed provisional / denture resin)',
    toothColoured: true,
    aliases: ['acrylic'],
  },
  composite: { label: 'Composite', toothColoured: true, aliases: ['resin composite'] },
  pfm: {
    label: 'Porcelain fused to metal',
    toothColoured: true,
    aliases: ['porcelain fused to metal', 'metal ceramic', 'pfm'],
  },
  'cobalt-chrome': {
    label: 'Cobalt-chrome (non-precious)',
    toothColoured: false,
    aliases: ['cocr', 'co cr', 'cobalt chromium', 'non precious'],
  },
  titanium: { label: 'Titanium', toothColoured: false, aliases: ['ti', 'titan'] },
  gold: {
    label: 'Gold / high-noble alloy',
    toothColoured: false,
    aliases: ['high noble', 'full cast gold', 'fcg'],
  },
  wax: {
    label: 'Castable wax / burnout resin',
    toothColoured: false,
    aliases: ['castable', 'burnout resin'],
  },
  'print-resin': {
    label: 'Print resin (models, splints)',
    toothColoured: false,
    aliases: ['model resin', 'splint resin', '3d print resin', 'printed resin'],
  },
};

/**
 * - `tooth-coloured`: a shade is required when the chosen material is tooth-coloured, allowed otherwise.
 * - `optional`: allowed, never required (a zirconia abutment may have one).
 * - `none`: rejected; the item has no visible tooth surface (splint, model).
 */
export type ShadePolicy = 'tooth-coloured' | 'optional' | 'none';

/**
 * - `required` / `forbidden`: as named.
 * - `optional`: teeth may be given (implant positions of a full arch, dies on a model).
 */
export type TeethPolicy = 'required' | 'optional' | 'forbidden';

/**
 * - `required` / `forbidden`: as named.
 * - `required-or-teeth`: give `arch`, or teeth from which the arch is inferred, or both.
 */
export type ArchPolicy = 'required' | 'forbidden' | 'required-or-teeth';

export interface RestorationRule {
  readonly label: string;
  readonly teeth: TeethPolicy;
  /** Fewest teeth when teeth are given. */
  readonly minTeeth: number;
  /** All teeth must lie in one arch: a bridge or a full arch cannot cross from upper to lower. */
  readonly singleArch: boolean;
  /** Primary (deciduous) teeth make sense only for restorations placed on natural teeth. */
  readonly primaryTeeth: boolean;
  readonly arch: ArchPolicy;
  /** Accepted values of `arch` when the type takes one. */
  readonly arches: readonly ArchSelection[];
  readonly shade: ShadePolicy;
  readonly materials: readonly MaterialId[];
  /** Other names labs use for the type. */
  readonly aliases: readonly string[];
}

export const RESTORATIONS: Readonly<Record<RestorationType, RestorationRule>> = {
  crown: {
    label: 'crown',
    teeth: 'required',
    minTeeth: 1,
    // Several teeth in one crown item are several single crowns, so they may be in both arches.
    singleArch: false,
    primaryTeeth: true,
    arch: 'forbidden',
    arches: [],
    shade: 'tooth-coloured',
    materials: [
      'zirconia',
      'lithium-disilicate',
      'hybrid-ceramic',
      'pmma',
      'composite',
      'pfm',
      'cobalt-chrome',
      'gold',
      'wax',
    ],
    aliases: ['single crown', 'coping'],
  },
  bridge: {
    label: 'bridge',
    teeth: 'required',
    minTeeth: 2,
    singleArch: true,
    primaryTeeth: false,
    arch: 'forbidden',
    arches: [],
    shade: 'tooth-coloured',
    materials: ['zirconia', 'lithium-disilicate', 'pmma', 'pfm', 'cobalt-chrome', 'gold', 'wax'],
    aliases: ['fpd', 'fixed partial denture'],
  },
  'inlay-onlay': {
    label: 'inlay/onlay',
    teeth: 'required',
    minTeeth: 1,
    singleArch: false,
    primaryTeeth: true,
    arch: 'forbidden',
    arches: [],
    shade: 'tooth-coloured',
    materials: [
      'lithium-disilicate',
      'zirconia',
      'feldspathic',
      'hybrid-ceramic',
      'composite',
      'gold',
      'wax',
    ],
    aliases: ['inlay', 'onlay', 'inlay onlay', 'overlay'],
  },
  veneer: {
    label: 'veneer',
    teeth: 'required',
    minTeeth: 1,
    singleArch: false,
    primaryTeeth: false,
    arch: 'forbidden',
    arches: [],
    shade: 'tooth-coloured',
    materials: ['lithium-disilicate', 'feldspathic', 'hybrid-ceramic', 'composite', 'zirconia', 'wax'],
    aliases: ['laminate veneer'],
  },
  'implant-abutment': {
    label: 'implant abutment',
    teeth: 'required',
    minTeeth: 1,
    singleArch: false,
    primaryTeeth: false,
    arch: 'forbidden',
    arches: [],
    shade: 'optional',
    materials: ['titanium', 'zirconia', 'cobalt-chrome'],
    aliases: ['abutment', 'custom abutment'],
  },
  'implant-crown-bridge': {
    label: 'implant crown/bridge',
    teeth: 'required',
    minTeeth: 1,
    // Several teeth here may form one implant bridge: keep them in one arch (one item per arch).
    singleArch: true,
    primaryTeeth: false,
    arch: 'forbidden',
    arches: [],
    shade: 'tooth-coloured',
    materials: ['zirconia', 'lithium-disilicate', 'pmma', 'composite', 'pfm', 'cobalt-chrome'],
    aliases: ['implant crown', 'implant bridge', 'screw retained crown'],
  },
  'full-arch': {
    label: 'full-arch (All-on-X)',
    teeth: 'optional',
    minTeeth: 1,
    singleArch: true,
    primaryTeeth: false,
    arch: 'required-or-teeth',
    arches: ['upper', 'lower'],
    shade: 'tooth-coloured',
    materials: ['zirconia', 'pmma', 'titanium', 'cobalt-chrome'],
    aliases: ['all on x', 'all on 4', 'all on 6', 'full arch implant', 'hybrid denture'],
  },
  denture: {
    label: 'denture',
    teeth: 'optional',
    minTeeth: 1,
    singleArch: true,
    primaryTeeth: false,
    arch: 'required-or-teeth',
    arches: ['upper', 'lower'],
    shade: 'tooth-coloured',
    materials: ['pmma', 'cobalt-chrome'],
    aliases: ['full denture', 'partial denture'],
  },
  'splint-night-guard': {
    label: 'splint/night guard',
    teeth: 'forbidden',
    minTeeth: 0,
    singleArch: true,
    primaryTeeth: false,
    arch: 'required',
    arches: ['upper', 'lower'],
    shade: 'none',
    materials: ['print-resin', 'pmma'],
    aliases: ['splint', 'night guard', 'nightguard', 'occlusal splint', 'bite splint'],
  },
  model: {
    label: 'model',
    // Teeth on a model are the removable dies.
    teeth: 'optional',
    minTeeth: 1,
    singleArch: false,
    primaryTeeth: true,
    arch: 'required',
    arches: ['upper', 'lower', 'both'],
    shade: 'none',
    materials: ['print-resin'],
    aliases: ['printed model', 'study model'],
  },
};

/** Lower-cases and folds spaces, hyphens and underscores, so "Lithium-Disilicate" meets "lithium disilicate". */
export function normaliseTerm(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

function buildLookup<K extends string>(table: Readonly<Record<K, { readonly aliases: readonly string[] }>>) {
  const lookup = new Map<string, K>();
  for (const id of Object.keys(table) as K[]) {
    lookup.set(normaliseTerm(id), id);
    for (const alias of table[id].aliases) lookup.set(normaliseTerm(alias), id);
  }
  return lookup;
}

const TYPE_LOOKUP = buildLookup(RESTORATIONS);
const MATERIAL_LOOKUP = buildLookup(MATERIALS);

export function findRestorationType(raw: string): RestorationType | undefined {
  return TYPE_LOOKUP.get(normaliseTerm(raw));
}

export function findMaterial(raw: string): MaterialId | undefined {
  return MATERIAL_LOOKUP.get(normaliseTerm(raw));
}

// ---------------------------------------------------------------------------------------------
// Shades
//
// Only the two VITA guides are accepted, and there is deliberately no free `other` shade: the
// shade is a machine-read design parameter (it picks the block or material library in the CAD
// software), and a free-text field here would be one more unscreened place for stray text.
// A lab that uses another guide (Chromascop, bleach BL1–BL4, a stump shade) writes it in the
// item's notes, which are PHI-screened, and picks the nearest VITA shade.
// ---------------------------------------------------------------------------------------------

export const SHADE_SYSTEMS = ['vita-classical', 'vita-3d-master'] as const;
export type ShadeSystem = (typeof SHADE_SYSTEMS)[number];

export interface Shade {
  readonly system: ShadeSystem;
  /** Canonical code: `A3.5`, `2L1.5`, `0M1`. */
  readonly code: string;
}

/** The 16 tabs of the VITA Classical guide; A3.5 is a real tab between A3 and A4. */
export const VITA_CLASSICAL_SHADES = [
  'A1',
  'A2',
  'A3',
  'A3.5',
  'A4',
  'B1',
  'B2',
  'B3',
  'B4',
  'C1',
  'C2',
  'C3',
  'C4',
  'D2',
  'D3',
  'D4',
] as const;

const SHADE_HELP =
  'use a VITA Classical shade (A1–A4 incl. A3.5, B1–B4, C1–C4, D2–D4) or a VITA 3D-Master shade ' +
  '(value 0–5, hue L/M/R, chroma: e.g. 1M1, 2L1.5, 3M2, 3R2.5; bleach 0M1–0M3); ' +
  'describe other shade guides in the item notes';

export type ShadeResult =
  | { readonly ok: true; readonly shade: Shade }
  | { readonly ok: false; readonly message: string };

/**
 * Parses a shade written as a lab would ("A2", "a3,5", "VITA 3M2", "2l1.5").
 *
 * VITA 3D-Master grammar: value (lightness) 0–5, hue L (yellowish), M (medium) or R (reddish),
 * chroma 1, 1.5, 2, 2.5 or 3. Accepted combinations follow the physical guide: L and R exist
 * only for values 2–4 with chroma 1.5 or 2.5; value 0 is the bleach group 0M1–0M3; M takes
 * any chroma for values 1–5, the half steps (e.g. 3M1.5) being the intermediate shades VITA
 * documents as mixes of their neighbours.
 */
export function parseShade(raw: string): ShadeResult {
  const compact = raw
    .trim()
    .toUpperCase()
    .replace(/^VITA\b/, '')
    .replace(/\s+/g, '')
    .replace(',', '.');
  if ((VITA_CLASSICAL_SHADES as readonly string[]).includes(compact)) {
    return { ok: true, shade: { system: 'vita-classical', code: compact } };
  }
  const master = /^([0-5])([LMR])(1|1\.5|2|2\.5|3)$/.exec(compact);
  if (master) {
    const [, valueText, hue, chroma] = master;
    const value = Number(valueText);
    const halfStep = chroma === '1.5' || chroma === '2.5';
    if (hue !== 'M' && (value < 2 || value > 4 || !halfStep)) {
      return {
        ok: false,
        message: `Shade ${compact} is not in VITA 3D-Master: hues L and R exist only for values 2–4 with chroma 1.5 or 2.5 (e.g. 2L1.5, 3R2.5)`,
      };
    }
    if (value === 0 && halfStep) {
      return {
        ok: false,
        message: `Shade ${compact} is not in VITA 3D-Master: the bleach shades are 0M1, 0M2 and 0M3`,
      };
    }
    return { ok: true, shade: { system: 'vita-3d-master', code: compact } };
  }
  // Echo the input only when it is short and code-like: anything else may be free text.
  const echo = /^[0-9A-Z.]{1,6}$/.test(compact)
    ? `Shade ${compact} is not recognised; `
    : 'Shade not recognised; ';
  return { ok: false, message: `${echo}${SHADE_HELP}` };
}
