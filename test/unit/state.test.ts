import { describe, expect, it } from 'vitest';
import { isTerminal, normalizeState, stateTable, type JobState } from '../../src/model/state.js';
import { mapCaeJob, type CaeRef } from '../../src/upstreams/cae/map.js';
import { mapCceJob, type CceApi } from '../../src/upstreams/cce/map.js';
import { mapCfwJob, type CfwRef } from '../../src/upstreams/cfw/map.js';
import { mapDbJob, type DbRef } from '../../src/upstreams/db/map.js';

/** Each upstream's map function, reduced to "status word in, (state, terminal, rawStatus) out". */
interface Mapped {
  state: JobState;
  terminal: boolean;
  rawStatus: string;
}

const place = (api: CceApi) => ({ api, region: 'cn-north-4', projectId: 'p1', maxDepth: 32, requestId: null });

const cceV3 = (phase: string): Mapped =>
  mapCceJob({ apiVersion: 'v3', metadata: { uid: 'job-1' }, spec: { type: 'CreateCluster' }, status: { phase } }, place('v3'));

const cceV2 = (status: string): Mapped =>
  mapCceJob({ apiVersion: 'v2', metadata: { uid: 'job-1' }, spec: { type: 'CreateCluster' }, status: { status } }, place('v2'));

const caeRef: CaeRef = { region: 'cn-north-4', projectId: 'p1', environmentId: 'env-1', enterpriseProjectId: null, jobId: 'job-1' };

const caeJob = (status: string): Mapped =>
  mapCaeJob({ api_version: 'v1', kind: 'Job', spec: { progress: 0, status, tasks: [] } }, caeRef, null);

const caeTask = (status: string): Mapped => {
  const job = mapCaeJob(
    {
      api_version: 'v1',
      kind: 'Job',
      spec: { progress: 0, status: 'running', tasks: [{ index: 1, name: 'upgrade', status, detail: '' }] },
    },
    caeRef,
    null,
  );
  const task = job.subJobs[0];
  if (!task) throw new Error('task was not mapped');
  return task;
};

const cfwRef: CfwRef = { region: 'cn-north-4', projectId: 'p1', jobId: 'job-1' };
const cfw = (status: string): Mapped => mapCfwJob({ data: { id: 'job-1', status } }, cfwRef, null);

const dbRef: DbRef = { region: 'cn-north-4', projectId: 'p1', jobId: 'job-1' };
const db = (status: string): Mapped => mapDbJob({ job: { id: 'job-1', name: 'CreateMysqlInstance', status } }, dbRef, null);

const TERMINAL: Record<JobState, boolean> = {
  PENDING: false,
  RUNNING: false,
  SUCCEEDED: true,
  FAILED: true,
  CANCELLED: true,
  SKIPPED: true,
  UNKNOWN: false,
};

type Row = [word: string, state: JobState];

const CCE: Row[] = [
  ['Initializing', 'PENDING'],
  ['Running', 'RUNNING'],
  ['Success', 'SUCCEEDED'],
  ['Failed', 'FAILED'],
  // case-insensitive
  ['SUCCESS', 'SUCCEEDED'],
  ['running', 'RUNNING'],
  ['failed', 'FAILED'],
  ['INITIALIZING', 'PENDING'],
  // other services' words are not CCE's
  ['Completed', 'UNKNOWN'],
  ['Pending', 'UNKNOWN'],
  ['Paused', 'UNKNOWN'],
  ['', 'UNKNOWN'],
  ['constructor', 'UNKNOWN'],
  ['__proto__', 'UNKNOWN'],
];

const CAE: Row[] = [
  ['init', 'PENDING'],
  ['running', 'RUNNING'],
  ['terminating', 'RUNNING'],
  ['success', 'SUCCEEDED'],
  ['failed', 'FAILED'],
  ['timeout', 'FAILED'],
  ['terminated', 'CANCELLED'],
  ['skip', 'SKIPPED'],
  // case-insensitive
  ['SUCCESS', 'SUCCEEDED'],
  ['Running', 'RUNNING'],
  ['TIMEOUT', 'FAILED'],
  ['Terminated', 'CANCELLED'],
  ['SKIP', 'SKIPPED'],
  // anything else
  ['skipped', 'UNKNOWN'],
  ['cancelled', 'UNKNOWN'],
  ['Completed', 'UNKNOWN'],
  ['', 'UNKNOWN'],
  ['toString', 'UNKNOWN'],
];

const CFW: Row[] = [
  ['Running', 'RUNNING'],
  ['Success', 'SUCCEEDED'],
  ['Failed', 'FAILED'],
  ['SUCCESS', 'SUCCEEDED'],
  ['running', 'RUNNING'],
  ['FAILED', 'FAILED'],
  ['Initializing', 'UNKNOWN'],
  ['Pending', 'UNKNOWN'],
  ['Completed', 'UNKNOWN'],
  ['', 'UNKNOWN'],
];

const RDS: Row[] = [
  ['Pending', 'PENDING'],
  ['Running', 'RUNNING'],
  ['Completed', 'SUCCEEDED'],
  ['Failed', 'FAILED'],
  ['Unauthorized', 'FAILED'],
  ['Canceled', 'CANCELLED'],
  ['COMPLETED', 'SUCCEEDED'],
  ['running', 'RUNNING'],
  ['canceled', 'CANCELLED'],
  ['UNAUTHORIZED', 'FAILED'],
  ['pending', 'PENDING'],
  ['Success', 'UNKNOWN'],
  ['Initializing', 'UNKNOWN'],
  ['Deleted', 'UNKNOWN'],
  ['', 'UNKNOWN'],
];

const UPSTREAMS: Array<[name: string, map: (word: string) => Mapped, rows: Row[]]> = [
  ['CCE v3 (status.phase)', cceV3, CCE],
  ['CCE v2 (status.status)', cceV2, CCE],
  ['CAE job', caeJob, CAE],
  ['CAE task', caeTask, CAE],
  ['CFW', cfw, CFW],
  ['RDS', db, RDS],
];

describe.each(UPSTREAMS)('%s state mapping', (_name, map, rows) => {
  it.each(rows)('%j → %s', (word, state) => {
    const job = map(word);
    expect(job.state).toBe(state);
    expect(job.terminal).toBe(TERMINAL[state]);
    expect(job.rawStatus).toBe(word);
  });
});

describe('unknown status words', () => {
  it.each([
    ['CCE v3', cceV3],
    ['CCE v2', cceV2],
    ['CAE job', caeJob],
    ['CAE task', caeTask],
    ['CFW', cfw],
    ['RDS', db],
  ] as const)('%s: UNKNOWN, not terminal, raw status kept verbatim', (_name, map) => {
    expect(map('Some New Word 2.0')).toMatchObject({ state: 'UNKNOWN', terminal: false, rawStatus: 'Some New Word 2.0' });
  });

  it('an unknown word never throws', () => {
    for (const map of [cceV3, cceV2, caeJob, caeTask, cfw, db]) {
      expect(() => map('\u0000weird\u2028')).not.toThrow();
    }
  });
});

describe('isTerminal', () => {
  it.each(Object.entries(TERMINAL) as Array<[JobState, boolean]>)('%s → %s', (state, terminal) => {
    expect(isTerminal(state)).toBe(terminal);
  });
});

describe('normalizeState / stateTable', () => {
  const table = stateTable({ Done: 'SUCCEEDED', 'In Progress': 'RUNNING' });

  it.each([
    ['Done', 'SUCCEEDED'],
    ['DONE', 'SUCCEEDED'],
    ['done', 'SUCCEEDED'],
    ['in progress', 'RUNNING'],
    ['IN PROGRESS', 'RUNNING'],
    ['Done ', 'UNKNOWN'],
    ['hasOwnProperty', 'UNKNOWN'],
    ['', 'UNKNOWN'],
  ] as Array<[string, JobState]>)('%j → %s', (word, state) => {
    expect(normalizeState(table, word)).toBe(state);
  });
});
