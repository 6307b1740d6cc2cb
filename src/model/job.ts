import type { JobState } from './state.js';

export type JobSource = 'CCE' | 'CAE' | 'CFW' | 'DB';

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

/** Empty strings from upstreams mean "not set". */
export function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Progress as the schema promises it: a finite number within 0..100, or null. */
export function clampPercent(value: number): number | null {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : null;
}
