import { malformed, type DecodedId } from '../../model/ids.js';
import { clampPercent, jobBase, textOrNull, type JobBase } from '../../model/job.js';
import { normalizeState, stateTable } from '../../model/state.js';
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

function readRef(id: DecodedId): CaeRef {
  const parts = idStrings(id, 5, [3]);
  const [region, projectId, environmentId, enterpriseProjectId, jobId] = parts as [string, string, string, string | null, string];
  return { region, projectId, environmentId, enterpriseProjectId, jobId };
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
  const tasks = ((spec.tasks ?? []) as unknown[]).map((t, position) => mapTask(objectOr(t), position, ref));
  tasks.sort((a, b) => a.index - b.index);
  const failed = normalizeState(STATES, rawStatus) === 'FAILED';
  return {
    __typename: 'CaeJob',
    ...jobBase({
      id: caeGlobalId(ref),
      source: 'CAE',
      ref,
      rawStatus,
      states: STATES,
      message: failed ? (tasks.find((t) => t.state === 'FAILED')?.message ?? null) : null,
      progress: typeof spec.progress === 'number' ? clampPercent(spec.progress) : null,
      // CAE gives the job no timestamps of its own; its tasks' span is the honest answer.
      createdAt: extreme(
        tasks.map((t) => t.createdAt),
        -1,
      ),
      updatedAt: extreme(
        tasks.map((t) => t.updatedAt),
        1,
      ),
    }),
    environmentId: ref.environmentId,
    enterpriseProjectId: ref.enterpriseProjectId,
    subJobs: tasks,
  };
}

function mapTask(task: Record<string, unknown>, position: number, ref: CaeRef): CaeTaskModel {
  // A task without an index keeps its position, so its id stays stable and unique.
  const index = typeof task.index === 'number' && Number.isInteger(task.index) ? task.index : position;
  const name = stringOr(task.name, '') ?? '';
  return {
    __typename: 'CaeTask',
    ...jobBase({
      id: caeTaskGlobalId(ref, index),
      source: 'CAE',
      ref: { ...ref, jobId: `${ref.jobId}#${index}` },
      rawStatus: stringOr(task.status, '') ?? '',
      states: STATES,
      type: textOrNull(name),
      message: textOrNull(task.detail),
      createdAt: toDateTime(task.created_at),
      updatedAt: toDateTime(task.updated_at),
    }),
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
