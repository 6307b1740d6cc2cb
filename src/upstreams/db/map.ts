import { clampPercent, finishedAtOf, textOrNull, type JobBase } from '../../model/job.js';
import { isTerminal, normalizeState, stateTable } from '../../model/state.js';
import { toDateTime } from '../../model/time.js';
import { jobRefIdKind } from '../global-ids.js';
import { isObject, objectOr, stringOr, unexpected } from '../shape.js';
import type { JobRef } from '../types.js';

export type DbRef = JobRef;

export interface DbJobModel extends JobBase {
  __typename: 'DbJob';
  name: string | null;
  instanceId: string | null;
  instanceName: string | null;
  subJobs: [];
}

// TaurusDB adds Canceled and Unauthorized to RDS's four words.
const STATES = stateTable({
  Pending: 'PENDING',
  Running: 'RUNNING',
  Completed: 'SUCCEEDED',
  Failed: 'FAILED',
  Unauthorized: 'FAILED',
  Canceled: 'CANCELLED',
});

export const DB_ID = jobRefIdKind('db');

export function dbGlobalId(ref: DbRef): string {
  return DB_ID.mint(ref);
}

// Linear time: the value is trimmed first, so no two blank-matching quantifiers meet (`\s*%?\s*$`
// took seconds to fail on "1" + 50,000 spaces + "!"), and at most one space may precede the sign.
const PERCENT = /^(\d{1,16}(?:\.\d{1,16})?) ?%?$/;
const MAX_PERCENT_TEXT = 64;

/** "60%" → 60; anything else (RDS sends "" when not running) → null. */
export function parsePercent(value: unknown): number | null {
  if (typeof value === 'number') return clampPercent(value);
  if (typeof value !== 'string' || value.length > MAX_PERCENT_TEXT) return null;
  const m = PERCENT.exec(value.trim());
  return m ? clampPercent(Number(m[1])) : null;
}

/**
 * The RDS task center's job (`/v3/{p}/jobs?id={j}`): `{ job: { id, name, status, created, ended,
 * progress ("60%" while running, "" otherwise), instance: { id, name }, fail_reason } }`.
 */
export function mapDbJob(body: unknown, ref: DbRef, requestId: string | null): DbJobModel {
  if (!isObject(body) || !isObject(body.job)) throw unexpected('DB', 'response without job', requestId);
  const job = body.job;
  const rawStatus = stringOr(job.status);
  if (rawStatus === null) throw unexpected('DB', 'job without status', requestId);
  const id = stringOr(job.id, ref.jobId);
  if (id !== ref.jobId) throw unexpected('DB', `asked for job ${ref.jobId}, got ${id}`, requestId);
  const instance = objectOr(job.instance);
  const name = textOrNull(job.name);
  // One literal (no jobBase facts object and spread): B maps several per request.
  const state = normalizeState(STATES, rawStatus);
  const terminal = isTerminal(state);
  const updatedAt = toDateTime(job.ended);
  return {
    __typename: 'DbJob',
    id: dbGlobalId(ref),
    source: 'DB',
    jobId: ref.jobId,
    projectId: ref.projectId,
    region: ref.region,
    type: name,
    state,
    terminal,
    rawStatus,
    message: textOrNull(job.fail_reason),
    progress: parsePercent(job.progress),
    createdAt: toDateTime(job.created),
    updatedAt,
    finishedAt: finishedAtOf(undefined, terminal, updatedAt),
    name,
    instanceId: textOrNull(instance.id),
    instanceName: textOrNull(instance.name),
    subJobs: [],
  };
}
