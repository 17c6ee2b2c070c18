/**
 * What the staff and lab-admin screens share: a clock that ticks, the time left to a deadline,
 * field-level API messages on their fields, and a screen module loaded on first use (these
 * screens are for a few users: they stay out of the first load).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type FieldIssue } from '../api';

export const useNow = (everyMs = 1000) => {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
};

/** "1d 02:03:04 left", "02:03:04 left" or "overdue by 00:10:00". */
export const timeLeft = (ms: number): string => {
  const abs = Math.abs(Math.trunc(ms / 1000));
  const d = Math.floor(abs / 86400);
  const hms = [Math.floor((abs % 86400) / 3600), Math.floor((abs % 3600) / 60), abs % 60]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  const text = d ? `${d}d ${hms}` : hms;
  return ms >= 0 ? `${text} left` : `overdue by ${text}`;
};

export const messageOf = (e: unknown, fallback: string) =>
  e instanceof ApiError ? `${e.message}${e.code.startsWith('HTTP_') ? '' : ` (${e.code})`}` : fallback;

export const issuesOf = (e: unknown): readonly FieldIssue[] => (e instanceof ApiError ? e.fields : []);

export const FieldError = ({ id, issues }: { id: string; issues: readonly FieldIssue[] }) =>
  issues.length ? (
    <p id={id} class="field-error" role="alert">
      {issues.map((i) => i.message).join(' ')}
    </p>
  ) : null;

/** A screen module imported on first use; `load` must be a stable (module-level) function. */
export function Lazy<M>({ load, render }: { load: () => Promise<M>; render: (m: M) => ComponentChildren }) {
  const [mod, setMod] = useState<{ m: M } | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    load()
      .then((m) => live && setMod({ m }))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [load]);
  if (failed)
    return (
      <p role="alert" class="error">
        This screen could not be loaded: reload the page.
      </p>
    );
  return mod ? render(mod.m) : <p aria-busy="true">Loading…</p>;
}
