import { finishedAtOf, textOrNull, type JobBase } from '../../model/job.js';
import { isTerminal, normalizeState, stateTable } from '../../model/state.js';
import { toDateTime } from '../../model/time.js';
import { jobRefIdKind } from '../global-ids.js';
import { isObject, stringOr, unexpected } from '../shape.js';
import type { JobRef } from '../types.js';

export type CfwRef = JobRef;

export interface CfwJobModel extends JobBase {
  __typename: 'CfwJob';
  errorCode: string | null;
  subJobs: [];
}

const STATES = stateTable({ Running: 'RUNNING', Success: 'SUCCEEDED', Failed: 'FAILED' });

export const CFW_ID = jobRefIdKind('cfw');

export function cfwGlobalId(ref: CfwRef): string {
  return CFW_ID.mint(ref);
}

/**
 * CFW's job (`/v3/{p}/jobs/{j}`): `{ data: { id, status, begin_time, end_time }, error_code?, error_msg? }`;
 * the times are documented as strings but arrive as epoch ms (toDateTime reads both).
 */
export function mapCfwJob(body: unknown, ref: CfwRef, requestId: string | null): CfwJobModel {
  if (!isObject(body) || !isObject(body.data)) throw unexpected('CFW', 'response without data', requestId);
  const data = body.data;
  const rawStatus = stringOr(data.status);
  if (rawStatus === null) throw unexpected('CFW', 'job without data.status', requestId);
  const id = stringOr(data.id, ref.jobId);
  if (id !== ref.jobId) throw unexpected('CFW', `asked for job ${ref.jobId}, got ${id}`, requestId);
  // One literal (no jobBase facts object and spread): B maps several per request.
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  const updatedAt = toDateTime(data.end_time);
  return {
    __typename: 'CfwJob',
    id: cfwGlobalId(ref),
    source: 'CFW',
    jobId: ref.jobId,
    projectId: ref.projectId,
    region: ref.region,
    type: null,
    state,
    terminal,
    rawStatus,
    message: textOrNull(body.error_msg),
    progress: null,
    createdAt: toDateTime(data.begin_time),
    updatedAt,
    finishedAt: finishedAtOf(undefined, terminal, updatedAt),
    errorCode: textOrNull(body.error_code),
    subJobs: [],
  };
}
