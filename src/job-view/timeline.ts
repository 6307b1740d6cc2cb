/**
 * The job tree as rows of a timeline, and what a person wants to know at the end (how long it
 * took, which step failed). Pure functions shared by the browser page and the `watch` command.
 */
import { JOB_STATES, type JobNode, type JobState } from './document.js';

export interface Row {
  job: JobNode;
  /** 0 for the watched job, 1 for its sub-jobs, ... */
  depth: number;
}

/** The tree in display order: each job, then its sub-jobs. */
export function flatten(root: JobNode): Row[] {
  const rows: Row[] = [];
  const walk = (job: JobNode, depth: number): void => {
    rows.push({ job, depth });
    for (const sub of job.subJobs ?? []) walk(sub, depth + 1);
  };
  walk(root, 0);
  return rows;
}

/** What a row is called: the job's type (a CAE task's name), else the upstream's id. */
export function labelOf(job: JobNode): string {
  return job.type ?? job.name ?? job.jobId;
}

/** The resource a job acts on, where the upstream names one. */
export function resourceOf(job: JobNode): string | undefined {
  return job.resourceName ?? job.instanceName ?? undefined;
}

/** A state to style by: anything the page does not know is shown as UNKNOWN. */
export function knownState(state: string): JobState {
  return (JOB_STATES as readonly string[]).includes(state) ? (state as JobState) : 'UNKNOWN';
}

export function timeOf(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Where a job's bar ends: when it finished, else (still going) now. */
export function endOf(job: JobNode, now: number): number | undefined {
  const finished = timeOf(job.finishedAt) ?? (job.terminal ? timeOf(job.updatedAt) : undefined);
  if (finished !== undefined) return finished;
  return job.terminal ? undefined : now;
}

export interface Span {
  start: number;
  end: number;
}

/** The time the whole timeline covers; undefined when no job has a time at all. */
export function spanOf(rows: readonly Row[], now: number): Span | undefined {
  let start = Infinity;
  let end = -Infinity;
  for (const { job } of rows) {
    const s = timeOf(job.createdAt);
    if (s === undefined) continue;
    start = Math.min(start, s);
    end = Math.max(end, s, endOf(job, now) ?? s);
  }
  if (start === Infinity) return undefined;
  // A zero-length span (everything at one instant) still gets a visible width.
  return { start, end: Math.max(end, start + 1000) };
}

/**
 * The steps that failed: failed (or cancelled) jobs none of whose sub-jobs failed, so a failure
 * that bubbled up to every ancestor is reported once, at the step where it happened.
 */
export function failedSteps(root: JobNode): JobNode[] {
  const bad = (job: JobNode): boolean => job.state === 'FAILED' || job.state === 'CANCELLED';
  const found: JobNode[] = [];
  const walk = (job: JobNode): boolean => {
    let below = false;
    for (const sub of job.subJobs ?? []) below = walk(sub) || below;
    if (bad(job) && !below) found.push(job);
    return below || bad(job);
  };
  walk(root);
  return found;
}

export interface Summary {
  state: JobState;
  terminal: boolean;
  /** From the job's creation to its end (or now); undefined without a creation time. */
  durationMs: number | undefined;
  failed: JobNode[];
}

export function summarize(root: JobNode, now: number): Summary {
  const start = timeOf(root.createdAt);
  const end = endOf(root, now);
  return {
    state: knownState(root.state),
    terminal: root.terminal,
    durationMs: start !== undefined && end !== undefined ? Math.max(0, end - start) : undefined,
    failed: failedSteps(root),
  };
}

/** `850 ms`, `12 s`, `3 min 10 s`, `2 h 05 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Each state as a person reads it (UNKNOWN: the page shows the raw status beside it). */
export const STATE_WORDS: Record<JobState, string> = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
  SKIPPED: 'Skipped',
  UNKNOWN: 'Unknown',
};

/** One line saying how the job ended (or where it is). */
export function summaryLine(root: JobNode, now: number): string {
  const { state, terminal, durationMs, failed } = summarize(root, now);
  const took = durationMs === undefined ? '' : terminal ? ` in ${formatDuration(durationMs)}` : ` for ${formatDuration(durationMs)}`;
  const word = state === 'UNKNOWN' ? `Status "${root.rawStatus}"` : STATE_WORDS[state];
  const failure = failed
    .map((job) => `${labelOf(job)} ${job.state === 'CANCELLED' ? 'was cancelled' : 'failed'}${job.message ? `: ${job.message}` : ''}`)
    .join('; ');
  return `${word}${took}${failure ? ` (${failure})` : ''}`;
}
