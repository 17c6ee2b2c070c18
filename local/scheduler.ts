/**
 * What EventBridge Scheduler does on AWS: runs each scheduled function every N minutes. Offline
 * it ticks on real time, and also runs every job when an operator advances the clock, so work
 * that fell due in the skipped time (lease expiry, purges, reminders) happens at once.
 */

import type { Clock } from '../lambdas/kernel/clock';
import { FUNCTIONS, type FunctionDefinition } from '../lib/functions';
import type { FunctionsHost } from './functions-host';

export interface JobRun {
  readonly job: string;
  readonly at: string;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly errorName?: string;
}

export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<JobRun>>();
  readonly history: JobRun[] = [];

  constructor(
    private readonly host: FunctionsHost,
    private readonly clock: Clock,
    private readonly jobs: readonly FunctionDefinition[] = FUNCTIONS.filter((f) => f.schedule),
  ) {}

  get names(): string[] {
    return this.jobs.map((j) => j.id);
  }

  start(): void {
    for (const job of this.jobs) {
      const every = (job.schedule?.everyMinutes ?? 60) * 60_000;
      const timer = setInterval(() => void this.run(job.id), every);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Runs one job now; a job already running is not started twice (EventBridge would, we need not). */
  run(id: string): Promise<JobRun> {
    const inFlight = this.running.get(id);
    if (inFlight) return inFlight;
    const job = this.jobs.find((j) => j.id === id);
    if (!job)
      return Promise.resolve({
        job: id,
        at: this.clock.now().toISOString(),
        ok: false,
        errorName: 'UnknownJob',
      });
    const at = this.clock.now().toISOString();
    const event = {
      'detail-type': 'Scheduled Event',
      source: 'caseline.local-scheduler',
      time: at,
      detail: {},
    };
    const run = this.host
      .invoke(job.id, event)
      .then((result): JobRun => ({ job: id, at, ok: true, result }))
      .catch(
        (error: unknown): JobRun => ({
          job: id,
          at,
          ok: false,
          errorName: error instanceof Error ? error.name : 'Error',
        }),
      )
      .then((r) => {
        this.history.push(r);
        if (this.history.length > 200) this.history.shift();
        this.running.delete(id);
        return r;
      });
    this.running.set(id, run);
    return run;
  }

  runAll(): Promise<JobRun[]> {
    return Promise.all(this.jobs.map((j) => this.run(j.id)));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.running.values()]);
  }
}
