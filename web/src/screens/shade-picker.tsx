import { parseShade, VITA_CLASSICAL_SHADES } from '../../../lambdas/domain/catalog';

/** Approximate tab colours of the VITA Classical guide, for orientation only (the code is what is sent). */
const TAB_COLOURS: Readonly<Record<string, string>> = {
  A1: '#f3ead7',
  A2: '#efe0c2',
  A3: '#e9d3ac',
  'A3.5': '#e2c79b',
  A4: '#d6b689',
  B1: '#f5eedd',
  B2: '#f0e3c4',
  B3: '#e7d2a4',
  B4: '#dfc592',
  C1: '#e8e0cc',
  C2: '#ddd2b7',
  C3: '#d2c4a4',
  C4: '#c0ae8c',
  D2: '#e9e0cf',
  D3: '#dfd3bb',
  D4: '#d8c9ad',
};

/**
 * VITA Classical tabs as a radio group, or a VITA 3D-Master code typed in and checked with the
 * domain's own parser (the API checks it again).
 */
export const ShadePicker = ({
  value,
  onChange,
  invalid,
  describedBy,
}: {
  value: string;
  onChange: (shade: string) => void;
  invalid: boolean;
  describedBy?: string | undefined;
}) => {
  const classical = (VITA_CLASSICAL_SHADES as readonly string[]).includes(value);
  const master = value && !classical ? parseShade(value) : undefined;
  return (
    <fieldset class="shades" aria-invalid={invalid} aria-describedby={describedBy}>
      <legend>Shade (VITA Classical, or a VITA 3D-Master code)</legend>
      <div role="radiogroup" aria-label="VITA Classical shade" class="tabs">
        {VITA_CLASSICAL_SHADES.map((code) => (
          <label key={code} class={`tab${value === code ? ' on' : ''}`}>
            <input
              type="radio"
              name="shade"
              value={code}
              checked={value === code}
              onChange={() => onChange(code)}
            />
            {/* Set through the CSSOM by Preact, which the CSP allows (a style attribute in markup it would not). */}
            <span class="swatch" aria-hidden="true" style={{ background: TAB_COLOURS[code] ?? '#eee' }} />
            {code}
          </label>
        ))}
      </div>
      <label>
        3D-Master{' '}
        <input
          type="text"
          name="shade3d"
          size={6}
          maxLength={8}
          placeholder="e.g. 2M2"
          value={classical ? '' : value}
          onInput={(e) => onChange((e.target as HTMLInputElement).value.trim())}
        />
      </label>
      {master && !master.ok && <span class="hint">{master.message}</span>}
    </fieldset>
  );
};
