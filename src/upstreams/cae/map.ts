import { encodeId } from '../../model/ids.js';
import { clampPercent, textOrNull, type JobBase } from '../../model/job.js';
import { isTerminal, normalizeState, stateTable } from '../../model/state.js';
import { toDateTime } from '../../model/time.js';
import { isObject, objectOr, stringOr, unexpected } from '../shape.js';

/** A CAE job is addressed by project, environment (and enterprise project) and id. */
export interface CaeRef {
  region: string;
  projectId: string;
  environmentId: string;
  enterpriseProjectId: string | null;
  jobId: string;
}

export interface CaeTaskModel extends JobBase {
  __typename: 'CaeTask';
  index: number;
  name: string;
  detail: string | null;
  parentJobId: string;
  environmentId: string;
  subJobs: [];
}

export interface CaeJobModel extends JobBase {
  __typename: 'CaeJob';
  environmentId: string;
  enterpriseProjectId: string | null;
  subJobs: CaeTaskModel[];
}

// Tasks use the same words as jobs.
const STATES = stateTable({
  init: 'PENDING',
  running: 'RUNNING',
  terminating: 'RUNNING',
  success: 'SUCCEEDED',
  failed: 'FAILED',
  timeout: 'FAILED',
  terminated: 'CANCELLED',
  skip: 'SKIPPED',
});

const refParts = (ref: CaeRef) => [ref.region, ref.projectId, ref.environmentId, ref.enterpriseProjectId, ref.jobId];

export function caeGlobalId(ref: CaeRef): string {
  return encodeId('cae', refParts(ref));
}

export function caeTaskGlobalId(ref: CaeRef, index: number): string {
  return encodeId('caet', [...refParts(ref), index]);
}

export function mapCaeJob(body: unknown, ref: CaeRef, requestId: string | null): CaeJobModel {
  if (!isObject(body) || !isObject(body.spec)) throw unexpected('CAE', 'job without spec', requestId);
  const spec = body.spec;
  const rawStatus = stringOr(spec.status);
  if (rawStatus === null) throw unexpected('CAE', 'job without spec.status', requestId);
  if (spec.tasks != null && !Array.isArray(spec.tasks)) throw unexpected('CAE', 'tasks is not a list', requestId);
  const tasks = ((spec.tasks ?? []) as unknown[]).map((t, position) => mapTask(objectOr(t), position, ref));
  tasks.sort((a, b) => a.index - b.index);
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  // CAE gives the job no timestamps of its own; its tasks' span is the honest answer.
  const createdAt = extreme(tasks.map((t) => t.createdAt), -1);
  const updatedAt = extreme(tasks.map((t) => t.updatedAt), 1);
  const progress = typeof spec.progress === 'number' ? clampPercent(spec.progress) : null;
  return {
    __typename: 'CaeJob',
    id: caeGlobalId(ref),
    source: 'CAE',
    jobId: ref.jobId,
    projectId: ref.projectId,
    region: ref.region,
    type: null,
    state,
    terminal,
    rawStatus,
    message: state === 'FAILED' ? (tasks.find((t) => t.state === 'FAILED')?.message ?? null) : null,
    progress,
    createdAt,
    updatedAt,
    finishedAt: terminal ? updatedAt : null,
    environmentId: ref.environmentId,
    enterpriseProjectId: ref.enterpriseProjectId,
    subJobs: tasks,
  };
}

function mapTask(task: Record<string, unknown>, position: number, ref: CaeRef): CaeTaskModel {
  // A task without an index keeps its position, so its id stays stable and unique.
  const index = typeof task.index === 'number' && Number.isInteger(task.index) ? task.index : position;
  const rawStatus = stringOr(task.status, '') ?? '';
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  const name = stringOr(task.name, '') ?? '';
  const updatedAt = toDateTime(task.updated_at);
  return {
    __typename: 'CaeTask',
    id: caeTaskGlobalId(ref, index),
    source: 'CAE',
    jobId: `${ref.jobId}#${index}`,
    projectId: ref.projectId,
    region: ref.region,
    type: textOrNull(name),
    state,
    terminal,
    rawStatus,
    message: textOrNull(task.detail),
    progress: null,
    createdAt: toDateTime(task.created_at),
    updatedAt,
    finishedAt: terminal ? updatedAt : null,
    index,
    name,
    detail: stringOr(task.detail),
    parentJobId: ref.jobId,
    environmentId: ref.environmentId,
    subJobs: [],
  };
}

/** ISO strings in UTC sort as text; `direction` -1 picks the earliest, 1 the latest. */
function extreme(values: (string | null)[], direction: 1 | -1): string | null {
  let best: string | null = null;
  for (const v of values) if (v !== null && (best === null || (direction === 1 ? v > best : v < best))) best = v;
  return best;
}
