import { jobBase, textOrNull, type JobBase } from '../../model/job.js';
import { stateTable } from '../../model/state.js';
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
  return {
    __typename: 'CfwJob',
    ...jobBase({
      id: cfwGlobalId(ref),
      source: 'CFW',
      ref,
      rawStatus,
      states: STATES,
      message: textOrNull(body.error_msg),
      createdAt: toDateTime(data.begin_time),
      updatedAt: toDateTime(data.end_time),
    }),
    errorCode: textOrNull(body.error_code),
    subJobs: [],
  };
}
