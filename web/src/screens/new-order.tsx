import { useState } from 'preact/hooks';
import {
  MATERIALS,
  RESTORATION_TYPES,
  RESTORATIONS,
  type RestorationType,
} from '../../../lambdas/domain/catalog';
import { formatTooth, TOOTH_NUMBERINGS, type ToothNumbering } from '../../../lambdas/domain/teeth';
import { ApiError, type FieldIssue, post, type Schemas } from '../api';
import { navigate } from '../router';
import { Failure } from './common';
import { ShadePicker } from './shade-picker';
import { ToothChart } from './tooth-chart';

type Draft = Schemas['CreateOrderRequest'];

/** The message(s) the API gave for a field, shown on that field (aria-describedby). */
const FieldError = ({ id, issues }: { id: string; issues: readonly FieldIssue[] }) =>
  issues.length ? (
    <p id={id} class="field-error" role="alert" data-testid={`error-${id}`}>
      {issues.map((i) => i.message).join(' ')}
    </p>
  ) : null;

/**
 * A new order: case and patient references, one restoration item picked on the tooth chart with
 * its material and shade, notes. The form checks nothing the API checks (PHI screening, the
 * catalog's rules): it sends, and shows each field-level message the API returns on its field.
 */
export const NewOrder = () => {
  const [caseRef, setCaseRef] = useState('');
  const [patientRef, setPatientRef] = useState('');
  const [numbering, setNumbering] = useState<ToothNumbering>('FDI');
  const [turnaround, setTurnaround] = useState<'standard' | 'rush'>('standard');
  const [type, setType] = useState<RestorationType>('crown');
  const [material, setMaterial] = useState('zirconia');
  const [shade, setShade] = useState('A2');
  const [teeth, setTeeth] = useState<number[]>([]);
  const [itemNotes, setItemNotes] = useState('');
  const [notes, setNotes] = useState('');
  const [issues, setIssues] = useState<readonly FieldIssue[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const rule = RESTORATIONS[type];
  const issuesOf = (...fields: string[]) => issues.filter((i) => fields.includes(i.field));
  const described = (id: string, ...fields: string[]) => (issuesOf(...fields).length ? id : undefined);
  const needsShade = rule.shade !== 'none';

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setIssues([]);
    setError(undefined);
    const body: Draft = {
      caseRef: caseRef.trim(),
      patientRef: patientRef.trim(),
      toothNumbering: numbering,
      turnaround,
      remake: false,
      ...(notes.trim() ? { notes: notes.trim() } : {}),
      items: [
        {
          type,
          material,
          // Sent in the numbering the lab chose; the API normalises to FDI.
          ...(teeth.length ? { teeth: teeth.map((t) => formatTooth(t, numbering)) } : {}),
          ...(needsShade && shade ? { shade } : {}),
          ...(itemNotes.trim() ? { notes: itemNotes.trim() } : {}),
        },
      ],
    };
    try {
      const created = await post<Schemas['DraftOrder']>('/orders', body);
      navigate(`/orders/${encodeURIComponent(created.orderId)}`);
    } catch (err) {
      if (err instanceof ApiError && err.fields.length) {
        setIssues(err.fields);
        setError('Some fields need a change: see the messages on them.');
      } else setError(err instanceof Error ? err.message : 'The order could not be created.');
    } finally {
      setBusy(false);
    }
  };

  const item = 'items[0]';
  const teethError = described('err-teeth', `${item}.teeth`, `${item}`);
  const shadeError = described('err-shade', `${item}.shade`);
  // Issues for fields the form has no input of are listed at the top, so none is lost.
  const known = new Set([
    'caseRef',
    'patientRef',
    'notes',
    'turnaround',
    'toothNumbering',
    item,
    `${item}.type`,
    `${item}.teeth`,
    `${item}.material`,
    `${item}.shade`,
    `${item}.notes`,
  ]);
  const others = issues.filter((i) => !known.has(i.field));

  return (
    <form class="new-order" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="new-title">
      <h1 id="new-title">New order</h1>
      <Failure error={error} />
      {others.length > 0 && (
        <ul class="field-error" role="alert">
          {others.map((i) => (
            <li key={i.field}>
              {i.field}: {i.message}
            </li>
          ))}
        </ul>
      )}
      <div class="row">
        <label>
          Case reference
          <input
            name="caseRef"
            required
            maxLength={256}
            value={caseRef}
            aria-invalid={issuesOf('caseRef').length > 0}
            aria-describedby={described('err-caseRef', 'caseRef')}
            onInput={(e) => setCaseRef((e.target as HTMLInputElement).value)}
          />
        </label>
        <FieldError id="err-caseRef" issues={issuesOf('caseRef')} />
        <label>
          Patient (initials or pseudonym, never a name)
          <input
            name="patientRef"
            required
            maxLength={128}
            value={patientRef}
            aria-invalid={issuesOf('patientRef').length > 0}
            aria-describedby={described('err-patientRef', 'patientRef')}
            onInput={(e) => setPatientRef((e.target as HTMLInputElement).value)}
          />
        </label>
        <FieldError id="err-patientRef" issues={issuesOf('patientRef')} />
      </div>
      <div class="row">
        <fieldset>
          <legend>Turnaround</legend>
          {(['standard', 'rush'] as const).map((t) => (
            <label key={t} class="inline">
              <input
                type="radio"
                name="turnaround"
                checked={turnaround === t}
                onChange={() => setTurnaround(t)}
              />{' '}
              {t === 'rush' ? 'Rush (8 business hours)' : 'Standard (24 business hours)'}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Tooth numbering</legend>
          {TOOTH_NUMBERINGS.map((n) => (
            <label key={n} class="inline">
              <input
                type="radio"
                name="numbering"
                checked={numbering === n}
                data-testid={`numbering-${n}`}
                onChange={() => setNumbering(n)}
              />{' '}
              {n}
            </label>
          ))}
        </fieldset>
      </div>
      <div class="row">
        <label>
          Restoration
          <select
            name="type"
            value={type}
            onChange={(e) => {
              const next = (e.target as HTMLSelectElement).value as RestorationType;
              setType(next);
              const allowed = RESTORATIONS[next].materials as readonly string[];
              if (!allowed.includes(material)) setMaterial(allowed[0] ?? '');
            }}
          >
            {RESTORATION_TYPES.map((t) => (
              <option key={t} value={t}>
                {RESTORATIONS[t].label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Material
          <select
            name="material"
            value={material}
            aria-invalid={issuesOf(`${item}.material`).length > 0}
            aria-describedby={described('err-material', `${item}.material`)}
            onChange={(e) => setMaterial((e.target as HTMLSelectElement).value)}
          >
            {rule.materials.map((m) => (
              <option key={m} value={m}>
                {MATERIALS[m].label}
              </option>
            ))}
          </select>
        </label>
        <FieldError id="err-material" issues={issuesOf(`${item}.material`)} />
      </div>
      {rule.teeth !== 'forbidden' && (
        <>
          <ToothChart
            numbering={numbering}
            selected={teeth}
            invalid={Boolean(teethError)}
            describedBy={teethError}
            onToggle={(fdi) => setTeeth((t) => (t.includes(fdi) ? t.filter((x) => x !== fdi) : [...t, fdi]))}
          />
          <p class="hint" data-testid="teeth-selected">
            Selected: {teeth.length ? teeth.map((t) => formatTooth(t, numbering)).join(', ') : 'none'}
          </p>
          <FieldError id="err-teeth" issues={issuesOf(`${item}.teeth`, item)} />
        </>
      )}
      {needsShade && (
        <>
          <ShadePicker
            value={shade}
            onChange={setShade}
            invalid={Boolean(shadeError)}
            describedBy={shadeError}
          />
          <FieldError id="err-shade" issues={issuesOf(`${item}.shade`)} />
        </>
      )}
      <label>
        Item notes
        <textarea
          name="itemNotes"
          maxLength={2000}
          value={itemNotes}
          aria-invalid={issuesOf(`${item}.notes`).length > 0}
          aria-describedby={described('err-itemNotes', `${item}.notes`)}
          onInput={(e) => setItemNotes((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <FieldError id="err-itemNotes" issues={issuesOf(`${item}.notes`)} />
      <label>
        Notes for the designer (no patient names, dates of birth or contact details)
        <textarea
          name="notes"
          maxLength={8000}
          value={notes}
          aria-invalid={issuesOf('notes').length > 0}
          aria-describedby={described('err-notes', 'notes')}
          onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <FieldError id="err-notes" issues={issuesOf('notes')} />
      <button type="submit" disabled={busy}>
        Create draft order
      </button>
    </form>
  );
};
