import type { ComponentChildren } from 'preact';
import type { Progress } from '../upload';

export const StatusBadge = ({ status }: { status: string }) => (
  <span class={`badge s-${status.toLowerCase()}`} data-testid="status">
    {status}
  </span>
);

export const ProgressBar = ({ label, progress }: { label: string; progress: Progress }) => {
  const pct = progress.total ? Math.floor((progress.sent / progress.total) * 100) : 100;
  return (
    <div class="progress">
      <label>
        {label}{' '}
        <progress max={100} value={pct} aria-valuetext={`${pct}%`}>
          {pct}%
        </progress>{' '}
        <span data-testid="progress-pct">{pct}%</span>
      </label>
    </div>
  );
};

export const Failure = ({ error }: { error: string | undefined }) =>
  error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;

export const Section = ({ title, children }: { title: string; children: ComponentChildren }) => (
  <section aria-label={title}>
    <h2>{title}</h2>
    {children}
  </section>
);

export const when = (iso: string | undefined) =>
  iso ? `${new Date(iso).toLocaleString('en-US', { timeZone: 'UTC' })} UTC` : '–';

export const size = (bytes: number) =>
  bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
