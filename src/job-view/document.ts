/**
 * What the job page and `job-gateway watch` ask for: one subscription, the job and its sub-jobs
 * to SUBJOB_LEVELS levels. Shared by the browser bundle and the CLI, so it imports types only.
 */
import type { JobBase } from '../model/job.js';
import type { JobState } from '../model/state.js';

/** Levels of sub-jobs selected below the watched job (the deepest simulator tree has 5). */
export const SUBJOB_LEVELS = 6;

const FIELDS = `id source jobId type state terminal rawStatus message progress createdAt updatedAt finishedAt
    ... on CceJob { resourceName }
    ... on CaeTask { name }
    ... on DbJob { instanceName }`;

function nested(levels: number): string {
  return levels === 0 ? '' : ` subJobs { ...JobRow${nested(levels - 1)} }`;
}

export const JOB_UPDATED = `subscription WatchJob($id: ID!) {
  jobUpdated(id: $id) { ...JobRow${nested(SUBJOB_LEVELS)} }
}
fragment JobRow on Job {
  ${FIELDS}
}`;

export type { JobState };

export const JOB_STATES: readonly JobState[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED', 'UNKNOWN'];

/** A job as JOB_UPDATED selects it. Every string in it comes from an upstream: render it as text only. */
export interface JobNode
  extends Pick<
    JobBase,
    'id' | 'jobId' | 'type' | 'state' | 'terminal' | 'rawStatus' | 'message' | 'progress' | 'createdAt' | 'updatedAt' | 'finishedAt'
  > {
  source: string;
  resourceName?: string | null;
  name?: string | null;
  instanceName?: string | null;
  subJobs?: JobNode[] | null;
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

export interface JobUpdatedResult {
  data?: { jobUpdated?: JobNode | null } | null;
  errors?: readonly GraphQLErrorShape[];
}
