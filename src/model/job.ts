import type { JobSource } from '../generated/resolvers.js';
import { isTerminal, normalizeState, type JobState, type StateTable } from './state.js';

/** The SDL's `enum JobSource` (schema/job.graphql): the registry (src/upstreams/index.ts) has one definition per value. */
export type { JobSource };

/**
 * What every job model carries, already normalized, so the shared `Job` fields resolve with
 * graphql-js's default resolver (a property read) and cost nothing per field.
 */
export interface JobBase {
  id: string;
  source: JobSource;
  jobId: string;
  projectId: string;
  region: string;
  type: string | null;
  state: JobState;
  terminal: boolean;
  rawStatus: string;
  message: string | null;
  progress: number | null;
  createdAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
}

/** What a mapper knows about one job; `jobBase` derives the rest of the shared fields. */
export interface JobFacts {
  /** The global id (the upstream's id kind mints it). */
  id: string;
  source: JobSource;
  /** Where the job was read and the upstream's own id for it. */
  ref: { region: string; projectId: string; jobId: string };
  /** The upstream's status word, verbatim, and its table of words. */
  rawStatus: string;
  states: StateTable;
  type?: string | null;
  message?: string | null;
  progress?: number | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** When the upstream says so itself; undefined: the last update once the job is terminal. */
  finishedAt?: string | null | undefined;
}

/** The fields every `Job` shares, from a mapper's facts: state, terminal and finishedAt are derived one way for all. */
export function jobBase(facts: JobFacts): JobBase {
  const state = normalizeState(facts.states, facts.rawStatus);
  const terminal = isTerminal(state);
  return {
    id: facts.id,
    source: facts.source,
    jobId: facts.ref.jobId,
    projectId: facts.ref.projectId,
    region: facts.ref.region,
    type: facts.type ?? null,
    state,
    terminal,
    rawStatus: facts.rawStatus,
    message: facts.message ?? null,
    progress: facts.progress ?? null,
    createdAt: facts.createdAt,
    updatedAt: facts.updatedAt,
    finishedAt: finishedAtOf(facts.finishedAt, terminal, facts.updatedAt),
  };
}

/**
 * `finishedAt` as every mapper derives it: what the upstream says, or else the last update once
 * the job is terminal. For a mapper that builds its model in one literal (CCE: ten jobs a payload).
 */
export function finishedAtOf(stated: string | null | undefined, terminal: boolean, updatedAt: string | null): string | null {
  return stated !== undefined ? stated : terminal ? updatedAt : null;
}

/** Empty strings from upstreams mean "not set". */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Progress as the schema promises it: a finite number within 0..100, or null. */
export function clampPercent(value: number): number | null {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : null;
}
