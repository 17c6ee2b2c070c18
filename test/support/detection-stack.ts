/**
 * A local stack of a test file's own for breach detection (its incidents are counted, so no other
 * file may share it), with the workflow retries that would only slow it down set to 0, and the
 * clock advance that runs the scheduled detector.
 */
import { expect } from 'vitest';
import { startLocalStack } from '../../local/stack';
import type { Api } from './api';

export const startDetectionStack = () =>
  startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0, PageOfficers: 0, ScopeIncident: 0 },
  });

interface JobRun {
  readonly job: string;
  readonly ok: boolean;
  readonly result?: { ran: boolean; events: number; signals: Record<string, number> };
}

/** Moves the stack's clock; every scheduled job runs on it. Returns the detector's run. */
export const advanceDetector = async (api: Api, minutes: number) => {
  const moved = await api.call<{ jobs: JobRun[] }>('POST', '/local/clock/advance', {
    as: 'operator.omar',
    body: { minutes },
  });
  expect(moved.status).toBe(200);
  const run = moved.body.jobs.find((j) => j.job === 'detectBreaches');
  expect(run?.ok).toBe(true);
  return run?.result;
};
