/**
 * Live jobs: jobs whose state is computed from the time since their timeline started, so a
 * subscription (or a poll loop) can watch them advance. Each step lasts `stepMs`; the step a
 * job is at is `floor((now - start) / stepMs)`, capped at its terminal step.
 *
 * A timeline starts at the job's first request to a simulator instance (a sub-job of the live
 * CCE job shares its parent's timeline) and restarts at the first request made once the job has
 * been terminal for `restartAfterMs`, so a demo can be watched again.
 *
 * Each upstream's live job lives beside its seed (`<name>-data.ts`): nothing is stored, every
 * request builds fresh, frozen records for the instant it is served and renders them with the
 * same renderers as the seed data.
 */

export const DEFAULT_LIVE_STEP_MS = 3000;
export const DEFAULT_LIVE_RESTART_AFTER_MS = 30_000;

export interface LiveSettings {
  stepMs: number;
  restartAfterMs: number;
  now: () => number;
}

/** Where a live job is at one instant. */
export interface LiveInstant {
  /** When the current timeline started (epoch ms). */
  startMs: number;
  stepMs: number;
  /** 0 … the job's terminal step. */
  step: number;
}

/** The timelines of one simulator instance. */
export class LiveTimelines {
  private readonly starts = new Map<string, number>();

  constructor(private readonly settings: LiveSettings) {}

  /**
   * Starts the timeline of the job `key` if needed (or restarts it once it has been terminal, from
   * `terminalStep` on, long enough) and says where it is now.
   */
  touch(key: string, terminalStep: number): LiveInstant {
    const { stepMs, restartAfterMs } = this.settings;
    const now = this.settings.now();
    let start = this.starts.get(key);
    if (start === undefined || now - (start + terminalStep * stepMs) >= restartAfterMs) {
      start = now;
      this.starts.set(key, start);
    }
    // A clock that went backwards (an injected one being reset) reads as "just started".
    const elapsed = Math.max(0, now - start);
    return { startMs: start, stepMs, step: Math.min(terminalStep, Math.floor(elapsed / stepMs)) };
  }

  /** Forgets every timeline: the next request to each live job starts it afresh. */
  reset(): void {
    this.starts.clear();
  }
}
