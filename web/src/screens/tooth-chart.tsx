import { formatTooth, type ToothNumbering } from '../../../lambdas/domain/teeth';

/** Dental-chart order, as the dentist faces the patient: upper right → upper left, lower right → lower left. */
const UPPER = [18, 17, 16, 15, 14, 13, 12, 11, 21, 22, 23, 24, 25, 26, 27, 28];
const LOWER = [48, 47, 46, 45, 44, 43, 42, 41, 31, 32, 33, 34, 35, 36, 37, 38];

/**
 * The permanent dentition as toggle buttons, labelled in the numbering the lab chose (FDI or
 * Universal, converted by the domain's own teeth module); the selection is kept in FDI.
 */
export const ToothChart = ({
  numbering,
  selected,
  onToggle,
  invalid,
  describedBy,
}: {
  numbering: ToothNumbering;
  selected: readonly number[];
  onToggle: (fdi: number) => void;
  invalid: boolean;
  describedBy?: string | undefined;
}) => (
  <fieldset class="chart" aria-invalid={invalid} aria-describedby={describedBy}>
    <legend>Teeth ({numbering === 'FDI' ? 'FDI / ISO 3950' : 'Universal'} numbering)</legend>
    {[
      ['Upper arch', UPPER],
      ['Lower arch', LOWER],
    ].map(([label, row]) => (
      <fieldset class="arch" key={label as string}>
        <legend class="sr-only">{label as string}</legend>
        {(row as number[]).map((fdi, i) => {
          const shown = formatTooth(fdi, numbering);
          return (
            <button
              type="button"
              key={fdi}
              class={`tooth${i === 7 ? ' midline' : ''}`}
              aria-pressed={selected.includes(fdi)}
              aria-label={`Tooth ${shown}${numbering === 'Universal' ? ` (FDI ${fdi})` : ''}`}
              data-fdi={fdi}
              onClick={() => onToggle(fdi)}
            >
              {shown}
            </button>
          );
        })}
      </fieldset>
    ))}
  </fieldset>
);
