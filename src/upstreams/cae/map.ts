import { idEncoder, malformed, type DecodedId } from '../../model/ids.js';
import { clampPercent, finishedAtOf, textOrNull, type JobBase } from '../../model/job.js';
import { isTerminal, normalizeState, stateTable } from '../../model/state.js';
import { toDateTime } from '../../model/time.js';
import { idStrings } from '../args.js';
import { globalIdKind } from '../global-ids.js';
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

/** A task of a CAE job, by its index. */
export interface CaeTaskRef extends CaeRef {
  index: number;
}

const refParts = (ref: CaeRef) => [ref.region, ref.projectId, ref.environmentId, ref.enterpriseProjectId, ref.jobId];

// The enterprise project may be null.
const NULLABLE_PARTS = [3];

function readRef(id: DecodedId): CaeRef {
  const parts = idStrings(id, 5, NULLABLE_PARTS) as readonly [string, string, string, string | null, string];
  return { region: parts[0], projectId: parts[1], environmentId: parts[2], enterpriseProjectId: parts[3], jobId: parts[4] };
}

export const CAE_JOB_ID = globalIdKind<CaeRef>('cae', refParts, readRef);

export const CAE_TASK_ID = globalIdKind<CaeTaskRef>(
  'caet',
  (ref) => [...refParts(ref), ref.index],
  (id) => {
    const index = id.parts.at(-1);
    if (typeof index !== 'number' || index < 0) throw malformed();
    return { ...readRef({ tag: id.tag, parts: id.parts.slice(0, -1) }), index };
  },
);

export function caeGlobalId(ref: CaeRef): string {
  return CAE_JOB_ID.mint(ref);
}

export function caeTaskGlobalId(ref: CaeRef, index: number): string {
  return CAE_TASK_ID.mint({ ...ref, index });
}

/**
 * CAE's job (`/v1/{p}/cae/jobs/{j}`): `{ api_version, kind, spec: { progress, status, tasks: [{ index,
 * name, status, detail, created_at, updated_at }] } }`; the job has no id or times of its own.
 */
export function mapCaeJob(body: unknown, ref: CaeRef, requestId: string | null): CaeJobModel {
  if (!isObject(body) || !isObject(body.spec)) throw unexpected('CAE', 'job without spec', requestId);
  const spec = body.spec;
  const rawStatus = stringOr(spec.status);
  if (rawStatus === null) throw unexpected('CAE', 'job without spec.status', requestId);
  if (spec.tasks != null && !Array.isArray(spec.tasks)) throw unexpected('CAE', 'tasks is not a list', requestId);
  const raw = (spec.tasks ?? []) as unknown[];
  const tasks: CaeTaskModel[] = [];
  if (raw.length > 0) {
    // Every task's id shares the job's parts; only the index differs (model/ids.ts idEncoder).
    const mint = idEncoder(CAE_TASK_ID.tag, refParts(ref));
    for (let position = 0; position < raw.length; position++) tasks.push(mapTask(objectOr(raw[position]), position, ref, mint));
    tasks.sort((a, b) => a.index - b.index);
  }
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  // CAE gives the job no timestamps of its own; its tasks' span is the honest answer.
  let createdAt: string | null = null;
  let updatedAt: string | null = null;
  // A failed job's message is its first failed task's (null if that task has none).
  let failedTask: CaeTaskModel | undefined;
  for (const t of tasks) {
    if (t.createdAt !== null && (createdAt === null || t.createdAt < createdAt)) createdAt = t.createdAt;
    if (t.updatedAt !== null && (updatedAt === null || t.updatedAt > updatedAt)) updatedAt = t.updatedAt;
    if (failedTask === undefined && t.state === 'FAILED') failedTask = t;
  }
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
    message: state === 'FAILED' ? (failedTask?.message ?? null) : null,
    progress: typeof spec.progress === 'number' ? clampPercent(spec.progress) : null,
    createdAt,
    updatedAt,
    finishedAt: finishedAtOf(undefined, terminal, updatedAt),
    environmentId: ref.environmentId,
    enterpriseProjectId: ref.enterpriseProjectId,
    subJobs: tasks,
  };
}

/** One literal per task (no jobBase facts object or spread, no ref copy): a job may have many. */
function mapTask(task: Record<string, unknown>, position: number, ref: CaeRef, mint: (index: number) => string): CaeTaskModel {
  // A task without an index keeps its position, so its id stays stable and unique.
  const index = typeof task.index === 'number' && Number.isInteger(task.index) ? task.index : position;
  const name = stringOr(task.name, '') ?? '';
  const rawStatus = stringOr(task.status, '') ?? '';
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  const updatedAt = toDateTime(task.updated_at);
  return {
    __typename: 'CaeTask',
    id: mint(index),
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
    finishedAt: finishedAtOf(undefined, terminal, updatedAt),
    index,
    name,
    detail: stringOr(task.detail),
    parentJobId: ref.jobId,
    environmentId: ref.environmentId,
    subJobs: [],
  };
}
