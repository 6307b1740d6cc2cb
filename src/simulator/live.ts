/**
 * Live jobs: jobs whose state is computed from the time since their timeline started, so a
 * subscription (or a poll loop) can watch them advance. Each step lasts `stepMs`; the step a
 * job is at is `floor((now - start) / stepMs)`, capped at its terminal step.
 *
 * A timeline starts at the job's first request to a simulator instance (a sub-job of the live
 * CCE job shares its parent's timeline) and restarts at the first request made once the job has
 * been terminal for `restartAfterMs`, so a demo can be watched again.
 *
 * Nothing here is stored: every request builds fresh, frozen records for the instant it is
 * served and renders them with the same renderers as the seed data.
 */
import {
  LIVE_CAE_ID,
  LIVE_CCE_ID,
  LIVE_CCE_SUB_IDS,
  LIVE_DB_ID,
  deepFreeze,
  goTimeString,
  type CaeJobRecord,
  type CaeTaskRecord,
  type CceJobRecord,
  type DbJobRecord,
} from './data.js';

export type LiveKey = 'cce' | 'cae' | 'db';

export const DEFAULT_LIVE_STEP_MS = 3000;
export const DEFAULT_LIVE_RESTART_AFTER_MS = 30_000;

const CCE_SUB_TYPES = ['CreatePSMCert', 'InstallMaster', 'InstallAddons'] as const;
const CAE_TASKS = ['build', 'deploy', 'healthcheck'] as const;

/**
 * The step at which each live job turns terminal (and stays):
 * - CCE: 0 Initializing; step i+1 runs sub-job i; sub-job i succeeds at step i+2; the last one
 *   succeeds together with the parent.
 * - CAE: 0 init; 1 running at 0 %; each later step finishes one task (33, 66, 100 %).
 * - DB: 0 Pending; 1 Running "20%"; 2 Running "60%"; 3 Completed.
 */
export const LIVE_TERMINAL_STEP: Readonly<Record<LiveKey, number>> = Object.freeze({
  cce: CCE_SUB_TYPES.length + 1,
  cae: CAE_TASKS.length + 1,
  db: 3,
});

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
  /** 0 … LIVE_TERMINAL_STEP[key]. */
  step: number;
}

/** The timelines of one simulator instance. */
export class LiveTimelines {
  private readonly starts = new Map<LiveKey, number>();

  constructor(private readonly settings: LiveSettings) {}

  /** Starts the timeline if needed (or restarts it once it has been terminal long enough) and says where it is now. */
  touch(key: LiveKey): LiveInstant {
    const { stepMs, restartAfterMs } = this.settings;
    const now = this.settings.now();
    const terminalStep = LIVE_TERMINAL_STEP[key];
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

/** `2021-07-12T09:22:04+0800`: RDS's local time with an offset without a colon. */
function rdsTime(epochMs: number, offsetMinutes = 480): string {
  const d = new Date(epochMs + offsetMinutes * 60_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/* ------------------------------------------------------------------------------------------ */
/* CCE CreateCluster                                                                           */
/* ------------------------------------------------------------------------------------------ */

const LIVE_CLUSTER = '6c1e09f0-b1a1-11f0-9f3c-0255ac1000a1';

export const LIVE_CCE_IDS: ReadonlySet<string> = new Set([LIVE_CCE_ID, ...LIVE_CCE_SUB_IDS]);

/** The live CreateCluster job (with its sub-jobs) as it is at `at`. */
export function liveCceJob(at: LiveInstant): CceJobRecord {
  const { startMs, stepMs, step } = at;
  const time = (s: number): string => goTimeString(startMs + s * stepMs);
  const created = goTimeString(startMs);
  const subJobs = CCE_SUB_TYPES.map((type, i): CceJobRecord => {
    // Sub-job i runs during step i+1 and has succeeded from step i+2 on.
    const phase = step >= i + 2 ? 'Success' : step === i + 1 ? 'Running' : 'Initializing';
    return {
      uid: LIVE_CCE_SUB_IDS[i] ?? '',
      type,
      clusterUID: LIVE_CLUSTER,
      resourceID: LIVE_CLUSTER,
      phase,
      reason: '',
      creationTimestamp: created,
      updateTimestamp: phase === 'Success' ? time(i + 2) : phase === 'Running' ? time(i + 1) : '',
    };
  });
  const terminal = step >= LIVE_TERMINAL_STEP.cce;
  return deepFreeze({
    uid: LIVE_CCE_ID,
    type: 'CreateCluster',
    clusterUID: LIVE_CLUSTER,
    resourceID: LIVE_CLUSTER,
    resourceName: 'cluster-live-demo',
    extendParam: { clusterVersion: 'v1.31', flavor: 'cce.s1.small' },
    phase: step === 0 ? 'Initializing' : terminal ? 'Success' : 'Running',
    reason: '',
    creationTimestamp: created,
    updateTimestamp: step === 0 ? '' : time(step),
    subJobs,
  });
}

/** The live CCE job or one of its sub-jobs, by uid, as it is at `at`. */
export function findLiveCce(uid: string, at: LiveInstant): CceJobRecord | undefined {
  const root = liveCceJob(at);
  if (uid === root.uid) return root;
  return root.subJobs?.find((s) => s.uid === uid);
}

/* ------------------------------------------------------------------------------------------ */
/* CAE upgrade                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const CAE_PROGRESS = [0, 0, 33, 66, 100] as const;

/** The live CAE upgrade job as it is at `at`. */
export function liveCaeJob(at: LiveInstant): CaeJobRecord {
  const { startMs, stepMs, step } = at;
  const time = (s: number): string => new Date(startMs + s * stepMs).toISOString();
  const tasks = CAE_TASKS.map((name, i): CaeTaskRecord => {
    const status = step >= i + 2 ? 'success' : step === i + 1 ? 'running' : 'init';
    return {
      index: i + 1,
      name,
      status,
      detail: status === 'running' && name === 'deploy' ? 'rolling update of 2 instances' : '',
      created_at: time(0),
      updated_at: status === 'success' ? time(i + 2) : status === 'running' ? time(i + 1) : '',
    };
  });
  const terminal = step >= LIVE_TERMINAL_STEP.cae;
  return deepFreeze({
    id: LIVE_CAE_ID,
    progress: CAE_PROGRESS[Math.min(step, CAE_PROGRESS.length - 1)] ?? 100,
    status: step === 0 ? 'init' : terminal ? 'success' : 'running',
    tasks,
  });
}

/* ------------------------------------------------------------------------------------------ */
/* RDS                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/** The live RDS job as it is at `at`. */
export function liveDbJob(at: LiveInstant): DbJobRecord {
  const { startMs, stepMs, step } = at;
  const terminal = step >= LIVE_TERMINAL_STEP.db;
  return deepFreeze({
    id: LIVE_DB_ID,
    name: 'CreateMysqlInstance',
    status: step === 0 ? 'Pending' : terminal ? 'Completed' : 'Running',
    created: rdsTime(startMs),
    ended: terminal ? rdsTime(startMs + LIVE_TERMINAL_STEP.db * stepMs) : '',
    progress: step === 1 ? '20%' : step === 2 ? '60%' : '',
    instance: { id: '6c1e0b10a1b24c3d8e9f0a1b2c3d4e5fin01', name: 'mysql-live-demo' },
    fail_reason: null,
  });
}
