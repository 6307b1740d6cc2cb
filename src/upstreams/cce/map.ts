import { JobError } from '../../model/errors.js';
import { finishedAtOf, textOrNull, type JobBase } from '../../model/job.js';
import { isTerminal, normalizeState, stateTable } from '../../model/state.js';
import { toDateTime } from '../../model/time.js';
import { idPartProblem } from '../../model/validate.js';
import { idEncoder } from '../../model/ids.js';
import { globalIdKind, jobRefParts, readJobRef, type GlobalIdKind } from '../global-ids.js';
import { isObject, objectOr, stringOr, unexpected, type Json } from '../shape.js';

export type CceApi = 'v3' | 'v2';

/** Everything needed to read one CCE job again: which API it came from, where, and whose. */
export interface CceRef {
  api: CceApi;
  region: string;
  projectId: string;
  jobId: string;
}

export interface KeyValueModel {
  key: string;
  value: string;
}

export interface CceJobModel extends JobBase {
  __typename: 'CceJob';
  apiVersion: string;
  clusterId: string | null;
  resourceId: string | null;
  resourceName: string | null;
  extendParams: KeyValueModel[];
  /** Undefined when the payload carried no sub-job list (v2 list entries): read from the detail if asked. */
  subJobs: CceJobModel[] | undefined;
  /** Set (with `subJobs` empty) when a sub-job's uid is not a valid id: `subJobs` fails with it, the job does not. */
  subJobsError?: JobError;
  /** An embedded sub-job without its own timestamps; its own record fills them in when selected. */
  partial: boolean;
  ref: CceRef;
}

const STATES = stateTable({ Initializing: 'PENDING', Running: 'RUNNING', Success: 'SUCCEEDED', Failed: 'FAILED' });

// The id remembers which API a job came from, so a refetch reads the same one.
const cceIdKind = (api: CceApi, tag: string) => globalIdKind<CceRef>(tag, jobRefParts, (id) => ({ api, ...readJobRef(id) }));

export const CCE_IDS: Readonly<Record<CceApi, GlobalIdKind<CceRef>>> = { v3: cceIdKind('v3', 'cce3'), v2: cceIdKind('v2', 'cce2') };

export function cceGlobalId(ref: CceRef): string {
  return CCE_IDS[ref.api].mint(ref);
}

export interface MapPlace {
  api: CceApi;
  region: string;
  projectId: string;
  maxDepth: number;
  requestId: string | null;
}

/** The two API versions name the same things differently; read either into one shape. */
function read(dto: Json, api: CceApi) {
  const metadata = objectOr(dto.metadata);
  const spec = objectOr(dto.spec);
  const status = objectOr(dto.status);
  const v3 = api === 'v3';
  return {
    apiVersion: stringOr(dto.apiVersion),
    uid: stringOr(metadata.uid),
    created: metadata.creationTimestamp,
    updated: metadata.updateTimestamp,
    type: textOrNull(spec.type),
    clusterId: textOrNull(v3 ? spec.clusterUID : spec.clusteruid),
    resourceId: textOrNull(v3 ? spec.resourceID : spec.resourceid),
    resourceName: textOrNull(v3 ? spec.resourceName : spec.resourcename),
    extend: v3 ? spec.extendParam : spec.extendparam,
    subJobs: v3 ? spec.subJobs : spec.subjobs,
    status: stringOr(v3 ? status.phase : status.status, '') ?? '',
    reason: textOrNull(status.reason),
    completion: v3 ? undefined : status.completionTime,
  };
}

/**
 * An upstream-supplied uid that fails the client-id rules (`..`, a slash, control characters, ...):
 * it would become a path (`/jobs/..`) or a global id. On a sub-job it fails only the parent's
 * `subJobs`; on a top-level job or list entry, that whole answer.
 */
class BadUpstreamId extends JobError {}

function checkUid(uid: string, place: MapPlace): void {
  const problem = idPartProblem(uid, 'metadata.uid');
  if (problem) {
    throw new BadUpstreamId('UPSTREAM_ERROR', `CCE: unexpected payload (${problem})`, {
      service: 'CCE',
      status: 200,
      errorCode: null,
      requestId: place.requestId,
    });
  }
}

/**
 * Maps a CCE job payload (v3 or v2: `{ kind, apiVersion, metadata: { uid, creationTimestamp,
 * updateTimestamp }, spec: { type, cluster/resource ids, extend params, sub-jobs }, status }`) and its embedded sub-jobs. Sub-jobs deeper than
 * `place.maxDepth` make the payload an UPSTREAM_ERROR rather than a stack overflow.
 */
export function mapCceJob(dto: unknown, place: MapPlace): CceJobModel {
  // Every job of one payload shares the id's tag, region and project: their encoding is done once.
  const mint = idEncoder(CCE_IDS[place.api].tag, [place.region, place.projectId]);
  return mapJob(dto, place, mint, undefined, 0);
}

function mapJob(
  dto: unknown,
  place: MapPlace,
  mint: (jobId: string) => string,
  parentApiVersion: string | undefined,
  depth: number,
): CceJobModel {
  if (!isObject(dto)) throw unexpected('CCE', 'job is not an object', place.requestId);
  if (depth > place.maxDepth) throw unexpected('CCE', `sub-jobs nested deeper than ${place.maxDepth}`, place.requestId);
  const f = read(dto, place.api);
  if (!f.uid) throw unexpected('CCE', 'job without metadata.uid', place.requestId);
  checkUid(f.uid, place);
  const apiVersion = f.apiVersion ?? parentApiVersion ?? place.api;
  const ref: CceRef = { api: place.api, region: place.region, projectId: place.projectId, jobId: f.uid };
  let subJobs: CceJobModel[] | undefined;
  let subJobsError: JobError | undefined;
  if (Array.isArray(f.subJobs)) {
    try {
      const list = f.subJobs as unknown[];
      subJobs = new Array<CceJobModel>(list.length);
      for (let i = 0; i < list.length; i++) subJobs[i] = mapJob(list[i], place, mint, apiVersion, depth + 1);
    } catch (error) {
      if (!(error instanceof BadUpstreamId)) throw error;
      // Nothing from this list is used (primed, read by uid, given an id); the job itself stands.
      subJobs = [];
      subJobsError = error;
    }
  } else if (f.subJobs != null) throw unexpected('CCE', 'subJobs is not a list', place.requestId);
  // Embedded sub-jobs are whole Job objects: one without a list has none. Only a top-level copy
  // (a v2 list entry) may have left its list out, to be read from its detail when asked.
  else if (depth > 0) subJobs = [];
  // One literal, not jobBase's object spread into another: this runs for every job of every payload.
  // The shared fields are derived as jobBase derives them (normalizeState, isTerminal, finishedAtOf).
  const state = normalizeState(STATES, f.status);
  const terminal = isTerminal(state);
  const updatedAt = toDateTime(f.updated);
  const job: CceJobModel = {
    __typename: 'CceJob',
    id: mint(f.uid),
    source: 'CCE',
    jobId: ref.jobId,
    projectId: ref.projectId,
    region: ref.region,
    type: f.type,
    state,
    terminal,
    rawStatus: f.status,
    message: f.reason,
    progress: null,
    createdAt: toDateTime(f.created),
    updatedAt,
    // v2 says when the job finished; v3 only when it last changed (undefined: derived from that).
    finishedAt: finishedAtOf(place.api === 'v2' ? toDateTime(f.completion) : undefined, terminal, updatedAt),
    apiVersion,
    clusterId: f.clusterId,
    resourceId: f.resourceId,
    resourceName: f.resourceName,
    extendParams: keyValues(f.extend),
    subJobs,
    partial: depth > 0 && (f.created == null || f.created === '' || f.updated == null || f.updated === ''),
    ref,
  };
  // Only on the rare job whose list failed: a property that is there only then, without an empty object per job.
  if (subJobsError) job.subJobsError = subJobsError;
  return job;
}

function keyValues(map: unknown): KeyValueModel[] {
  if (!isObject(map)) return [];
  return Object.keys(map)
    .sort()
    .map((key) => {
      const v = map[key];
      return { key, value: typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v) };
    });
}

/** The job's sub-jobs as its `subJobs` field answers them: its mapping error, if it had one. */
export function subJobsOf(job: CceJobModel): CceJobModel[] {
  if (job.subJobsError) throw job.subJobsError;
  return job.subJobs ?? [];
}

/** Every sub-job below `job`, depth first: they are primed into the loader so `job(id:)` reuses them. */
export function* descendants(job: CceJobModel): Generator<CceJobModel> {
  const stack = [...(job.subJobs ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    yield next;
    if (next.subJobs) stack.push(...next.subJobs);
  }
}
