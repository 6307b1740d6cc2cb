import { describe, expect, it } from 'vitest';
import { JobError } from '../../src/model/errors.js';
import { caeGlobalId, caeTaskGlobalId, mapCaeJob, type CaeRef } from '../../src/upstreams/cae/map.js';
import { cceGlobalId, descendants, mapCceJob, type CceApi, type CceJobModel, type MapPlace } from '../../src/upstreams/cce/map.js';
import { cfwGlobalId, mapCfwJob, type CfwRef } from '../../src/upstreams/cfw/map.js';
import { dbGlobalId, mapDbJob, parsePercent, type DbRef } from '../../src/upstreams/db/map.js';

// ---- The docs' example payloads, verbatim -------------------------------------------------------

/** upstream-docs/004_092f785b2fb73d20.txt (CCE v3 ShowJob). */
const CCE_V3_EXAMPLE = `{ "kind" : "Job", "apiVersion" : "v3", "metadata" : { "uid" : "354331b2c-229a-11e8-9c75-0255ac100ceb", "creationTimestamp" : "2018-08-02 08:12:40.672772389 +0000 UTC", "updateTimestamp" : "2018-08-02 08:21:50.478108569 +0000 UTC" }, "spec" : { "type" : "CreateCluster", "clusterUID" : "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", "resourceID" : "6f4dcb2c-229a-11e8-9c75-0255ac100ceb", "resourceName" : "cluster-name", "extendParam" : { "serverID" : "bc467e3a-2338-11e8-825b-0255ac100c13" }, "subJobs" : [ { "kind" : "Job", "apiVersion" : "v3", "metadata" : { "uid" : "fd474fab-9606-11e8-baa9-0255ac10215d", "creationTimestamp" : "2018-08-02 03:52:34.615819618 +0000 UTC", "updateTimestamp" : "2018-08-02 04:05:29.196243031 +0000 UTC" }, "spec" : { "type" : "InstallMaster", "clusterUID" : "fcc72de0-9606-11e8-baa8-0255ac10215d", "resourceID" : "fd3b4ac0-9606-11e8-baa8-0255ac10215d", "extendParam" : { "serverID" : "fd3b4ac0-9606-11e8-baa8-0255ac10215d" } }, "status" : { "phase" : "Success" } }, { "kind" : "Job", "apiVersion" : "v3", "metadata" : { "uid" : "fd474f82-9606-11e8-baa8-0255ac10215d", "creationTimestamp" : "2018-08-02 03:52:33.859150791 +0000 UTC", "updateTimestamp" : "2018-08-02 03:52:34.615655429 +0000 UTC" }, "spec" : { "type" : "CreatePSMCert", "clusterUID" : "fcc72de0-9606-11e8-baa8-0255ac10215d" }, "status" : { "phase" : "Success" } } ] }, "status" : { "phase" : "Running", "reason" : "" } }`;

/** upstream-docs/000_f643a50af46585ab.txt (CCE v2 GetOneJob). */
const CCE_V2_EXAMPLE = `{
"kind" : "Job",
"apiVersion" : "v2",
"metadata" : {
"uid" : "e43c6f3b-87e6-11f0-be88-0255ac10003f",
"creationTimestamp" : "2025-09-02 10:23:38.987955 +0000 UTC",
"updateTimestamp" : "2025-09-02 11:26:03.218087 +0000 UTC"
},
"spec" : {
"type" : "ScaleupCluster",
"clusteruid" : "7ec8b73d-83db-11f0-8baa-0255ac10003e",
"resourceid" : "3b4410fa-87e6-11f0-be88-0255ac10003f",
"resourcename" : "node-iv28j9",
"extendparam" : {
"claimrollback" : "true",
"node.zone" : "cn-north-7c",
"nodepooluid" : "",
"orderID" : "CS25090218238EI5V",
"v3-scaleup" : "true"
}
},
"status" : {
"status" : "Failed",
"reason" : "Something bad happened at server, recycle resource",
"completionTime" : "2025-09-02 11:26:03.218087 +0000 UTC"
}
}`;

/** upstream-docs/002_0aa000559a2fc0ea.txt (CCE v2 ListJobs). */
const CCE_V2_LIST_EXAMPLE = `[ {
"kind" : "Job",
"apiVersion" : "v2",
"metadata" : {
"uid" : "e43c6f3b-87e6-11f0-be88-0255ac10003f",
"creationTimestamp" : "2025-09-02 10:23:38.987955 +0000 UTC",
"updateTimestamp" : "2025-09-02 11:26:03.218087 +0000 UTC"
},
"spec" : {
"type" : "ScaleupCluster",
"clusteruid" : "7ec8b73d-83db-11f0-8baa-0255ac10003e",
"resourceid" : "3b4410fa-87e6-11f0-be88-0255ac10003f",
"resourcename" : "node-iv28j9",
"extendparam" : {
"claimrollback" : "true",
"node.zone" : "",
"nodepooluid" : "",
"orderID" : "CS25090218238EI5V",
"v3-scaleup" : "true"
}
},
"status" : {
"status" : "Failed",
"reason" : "Something bad happened at server, recycle resource",
"completionTime" : "2025-09-02 11:26:03.218087 +0000 UTC"
}
} ]`;

/** upstream-docs/001_52b5c72ae922b842.txt (CAE ShowJob). */
const CAE_EXAMPLE = `{
"api_version" : "v1",
"kind" : "Job",
"spec" : {
"progress" : 0,
"status" : "running",
"tasks" : [ {
"index" : 1,
"name" : "upgrade",
"status" : "init",
"detail" : "",
"created_at" : "2023-02-16T11:24:07.950175Z",
"updated_at" : "2023-02-16T11:24:07.950175Z"
} ]
}
}`;

/** upstream-docs/003_8fc9c45cf61bce37.txt (CFW ListJob). */
const CFW_EXAMPLE = `{ "data" : { "begin_time" : 1641370501000, "end_time" : 1641370515000, "id" : "f588ce71-e26c-400d-8981-f854355f6849", "status" : "Success" } }`;

/** The RDS API reference's example (task center). */
const RDS_EXAMPLE = `{"job":{"id":"a9767ede-fe0f-4888-9003-e843a4c90514","name":"CreateMysqlInstance","status":"Completed","created":"2021-07-12T09:22:04+0800","ended":"2021-07-12T10:10:13+0800","progress":"","instance":{"id":"b34f8c791f2643578510c093aa2351a8in01","name":"mysql-c1a3"},"fail_reason":null}}`;

// ---- helpers ----------------------------------------------------------------------------------

const REGION = 'cn-north-4';
const PROJECT = '09bb24e6fe80d23d2fa2c010b53b418c';

const place = (api: CceApi, extra: Partial<MapPlace> = {}): MapPlace => ({
  api,
  region: REGION,
  projectId: PROJECT,
  maxDepth: 32,
  requestId: null,
  ...extra,
});

function jobErrorOf(fn: () => unknown): JobError {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof JobError)) throw new Error(`expected a JobError, got ${String(error)}`);
    return error;
  }
  throw new Error('expected a JobError, nothing was thrown');
}

function expectUpstreamError(fn: () => unknown, service: string, requestId: string | null): JobError {
  const error = jobErrorOf(fn);
  expect(error.code).toBe('UPSTREAM_ERROR');
  expect(error.upstream).toEqual({ service, status: 200, errorCode: null, requestId });
  expect(error.extensions).toEqual({ code: 'UPSTREAM_ERROR', upstream: { service, status: 200, errorCode: null, requestId } });
  expect(error.message).toMatch(new RegExp(`^${service}: unexpected payload \\(.+\\)$`));
  return error;
}

const sub = (job: CceJobModel, ...path: number[]): CceJobModel => {
  let node = job;
  for (const i of path) {
    const next = node.subJobs?.[i];
    if (!next) throw new Error(`no sub-job at ${path.join('.')}`);
    node = next;
  }
  return node;
};

// ---- CCE --------------------------------------------------------------------------------------

describe('CCE v3 ShowJob example', () => {
  const job = mapCceJob(JSON.parse(CCE_V3_EXAMPLE), place('v3', { requestId: 'req-1' }));
  const ref = (jobId: string) => ({ api: 'v3' as const, region: REGION, projectId: PROJECT, jobId });

  it('maps the job', () => {
    const { subJobs, ...rest } = job;
    expect(rest).toEqual({
      __typename: 'CceJob',
      id: cceGlobalId(ref('354331b2c-229a-11e8-9c75-0255ac100ceb')),
      source: 'CCE',
      jobId: '354331b2c-229a-11e8-9c75-0255ac100ceb',
      projectId: PROJECT,
      region: REGION,
      type: 'CreateCluster',
      state: 'RUNNING',
      terminal: false,
      rawStatus: 'Running',
      message: null,
      progress: null,
      createdAt: '2018-08-02T08:12:40.672Z',
      updatedAt: '2018-08-02T08:21:50.478Z',
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: '4d1ecb2c-229a-11e8-9c75-0255ac100ceb',
      resourceId: '6f4dcb2c-229a-11e8-9c75-0255ac100ceb',
      resourceName: 'cluster-name',
      extendParams: [{ key: 'serverID', value: 'bc467e3a-2338-11e8-825b-0255ac100c13' }],
      partial: false,
      ref: ref('354331b2c-229a-11e8-9c75-0255ac100ceb'),
    });
    expect(subJobs).toHaveLength(2);
  });

  it('maps the embedded sub-jobs, in order', () => {
    expect(sub(job, 0)).toEqual({
      __typename: 'CceJob',
      id: cceGlobalId(ref('fd474fab-9606-11e8-baa9-0255ac10215d')),
      source: 'CCE',
      jobId: 'fd474fab-9606-11e8-baa9-0255ac10215d',
      projectId: PROJECT,
      region: REGION,
      type: 'InstallMaster',
      state: 'SUCCEEDED',
      terminal: true,
      rawStatus: 'Success',
      message: null,
      progress: null,
      createdAt: '2018-08-02T03:52:34.615Z',
      updatedAt: '2018-08-02T04:05:29.196Z',
      finishedAt: '2018-08-02T04:05:29.196Z',
      apiVersion: 'v3',
      clusterId: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
      resourceId: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d',
      resourceName: null,
      extendParams: [{ key: 'serverID', value: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d' }],
      subJobs: [],
      partial: false,
      ref: ref('fd474fab-9606-11e8-baa9-0255ac10215d'),
    });
    expect(sub(job, 1)).toEqual({
      __typename: 'CceJob',
      id: cceGlobalId(ref('fd474f82-9606-11e8-baa8-0255ac10215d')),
      source: 'CCE',
      jobId: 'fd474f82-9606-11e8-baa8-0255ac10215d',
      projectId: PROJECT,
      region: REGION,
      type: 'CreatePSMCert',
      state: 'SUCCEEDED',
      terminal: true,
      rawStatus: 'Success',
      message: null,
      progress: null,
      createdAt: '2018-08-02T03:52:33.859Z',
      updatedAt: '2018-08-02T03:52:34.615Z',
      finishedAt: '2018-08-02T03:52:34.615Z',
      apiVersion: 'v3',
      clusterId: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
      resourceId: null,
      resourceName: null,
      extendParams: [],
      subJobs: [],
      partial: false,
      ref: ref('fd474f82-9606-11e8-baa8-0255ac10215d'),
    });
  });

  it('descendants() walks every sub-job', () => {
    expect([...descendants(job)].map((j) => j.jobId).sort()).toEqual([
      'fd474f82-9606-11e8-baa8-0255ac10215d',
      'fd474fab-9606-11e8-baa9-0255ac10215d',
    ]);
  });
});

describe('CCE v2 GetOneJob example', () => {
  const job = mapCceJob(JSON.parse(CCE_V2_EXAMPLE), place('v2'));
  const ref = { api: 'v2' as const, region: REGION, projectId: PROJECT, jobId: 'e43c6f3b-87e6-11f0-be88-0255ac10003f' };

  it('maps every field', () => {
    expect(job).toEqual({
      __typename: 'CceJob',
      id: cceGlobalId(ref),
      source: 'CCE',
      jobId: 'e43c6f3b-87e6-11f0-be88-0255ac10003f',
      projectId: PROJECT,
      region: REGION,
      type: 'ScaleupCluster',
      state: 'FAILED',
      terminal: true,
      rawStatus: 'Failed',
      message: 'Something bad happened at server, recycle resource',
      progress: null,
      createdAt: '2025-09-02T10:23:38.987Z',
      updatedAt: '2025-09-02T11:26:03.218Z',
      finishedAt: '2025-09-02T11:26:03.218Z',
      apiVersion: 'v2',
      clusterId: '7ec8b73d-83db-11f0-8baa-0255ac10003e',
      resourceId: '3b4410fa-87e6-11f0-be88-0255ac10003f',
      resourceName: 'node-iv28j9',
      extendParams: [
        { key: 'claimrollback', value: 'true' },
        { key: 'node.zone', value: 'cn-north-7c' },
        { key: 'nodepooluid', value: '' },
        { key: 'orderID', value: 'CS25090218238EI5V' },
        { key: 'v3-scaleup', value: 'true' },
      ],
      // The v2 payload carried no sub-job list: unknown, not empty.
      subJobs: undefined,
      partial: false,
      ref,
    });
  });

  it('a v2 id differs from the v3 id of the same job', () => {
    expect(job.id).not.toBe(cceGlobalId({ ...ref, api: 'v3' }));
  });
});

describe('CCE v2 ListJobs example', () => {
  it('maps each entry of the bare array', () => {
    const list = (JSON.parse(CCE_V2_LIST_EXAMPLE) as unknown[]).map((dto) => mapCceJob(dto, place('v2')));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      jobId: 'e43c6f3b-87e6-11f0-be88-0255ac10003f',
      state: 'FAILED',
      apiVersion: 'v2',
      finishedAt: '2025-09-02T11:26:03.218Z',
      extendParams: [
        { key: 'claimrollback', value: 'true' },
        { key: 'node.zone', value: '' },
        { key: 'nodepooluid', value: '' },
        { key: 'orderID', value: 'CS25090218238EI5V' },
        { key: 'v3-scaleup', value: 'true' },
      ],
      subJobs: undefined,
      partial: false,
    });
  });
});

const placeIn = (api: CceApi) => ({ api, region: 'cn-north-4', projectId: 'p1', maxDepth: 32, requestId: null });
const CREATED = '2025-09-02 10:23:38.987955 +0000 UTC';
const UPDATED = '2025-09-02 11:26:03.218087 +0000 UTC';
const DONE = '2025-09-02 11:30:00.5 +0000 UTC';

describe('CCE finishedAt', () => {
  const v3 = (phase: string) =>
    mapCceJob(
      { apiVersion: 'v3', metadata: { uid: 'j', creationTimestamp: CREATED, updateTimestamp: UPDATED }, spec: {}, status: { phase } },
      placeIn('v3'),
    );
  const v2 = (status: string, completionTime?: unknown) =>
    mapCceJob(
      {
        apiVersion: 'v2',
        metadata: { uid: 'j', creationTimestamp: CREATED, updateTimestamp: UPDATED },
        spec: {},
        status: completionTime === undefined ? { status } : { status, completionTime },
      },
      placeIn('v2'),
    );

  it.each([
    ['Success', '2025-09-02T11:26:03.218Z'],
    ['Failed', '2025-09-02T11:26:03.218Z'],
    ['success', '2025-09-02T11:26:03.218Z'],
    ['Running', null],
    ['Initializing', null],
    ['Mystery', null],
  ])('v3 %s: finishedAt is updateTimestamp only when terminal → %s', (phase, expected) => {
    const job = v3(phase);
    expect(job.finishedAt).toBe(expected);
    expect(job.createdAt).toBe('2025-09-02T10:23:38.987Z');
    expect(job.updatedAt).toBe('2025-09-02T11:26:03.218Z');
  });

  it.each([
    ['Failed', DONE, '2025-09-02T11:30:00.500Z'],
    ['Success', DONE, '2025-09-02T11:30:00.500Z'],
    ['Failed', undefined, null],
    ['Success', '', null],
    ['Running', undefined, null],
    ['Failed', 'garbage', null],
  ] as Array<[string, unknown, string | null]>)(
    'v2 %s with completionTime %j → %s (never updateTimestamp)',
    (status, completion, expected) => {
      const job = v2(status, completion);
      expect(job.finishedAt).toBe(expected);
      expect(job.updatedAt).toBe('2025-09-02T11:26:03.218Z');
    },
  );
});

describe('CCE extendParams', () => {
  const map = (api: CceApi, extend: unknown) =>
    mapCceJob({ metadata: { uid: 'j' }, spec: api === 'v3' ? { extendParam: extend } : { extendparam: extend }, status: {} }, place(api))
      .extendParams;

  it.each(['v3', 'v2'] as const)('%s: sorted by key (code units), non-string values as JSON, null as ""', (api) => {
    expect(
      map(api, { zeta: '1', alpha: '3', Alpha: '2', 'node.zone': 'x', num: 5, flag: true, obj: { a: 1 }, nil: null, list: [1, 'b'] }),
    ).toEqual([
      { key: 'Alpha', value: '2' },
      { key: 'alpha', value: '3' },
      { key: 'flag', value: 'true' },
      { key: 'list', value: '[1,"b"]' },
      { key: 'nil', value: '' },
      { key: 'node.zone', value: 'x' },
      { key: 'num', value: '5' },
      { key: 'obj', value: '{"a":1}' },
      { key: 'zeta', value: '1' },
    ]);
  });

  it.each([[undefined], [null], ['a=b'], [['a', 'b']], [7]] as Array<[unknown]>)('%j → []', (extend) => {
    expect(map('v3', extend)).toEqual([]);
  });
});

describe('CCE sub-jobs: apiVersion inheritance and partial', () => {
  const tree = {
    apiVersion: 'v3',
    metadata: { uid: 'root' },
    spec: {
      type: 'ScaleupCluster',
      subJobs: [
        {
          metadata: { uid: 'a' },
          spec: {
            type: 'CreateNode',
            subJobs: [
              { metadata: { uid: 'a1' }, spec: { type: 'GetPSMCert' }, status: { phase: 'Success' } },
              {
                apiVersion: 'v3.1',
                metadata: { uid: 'a2' },
                spec: { type: 'InstallNode', subJobs: [{ metadata: { uid: 'a2x' }, status: {} }] },
                status: {},
              },
            ],
          },
          status: { phase: 'Running' },
        },
        {
          metadata: { uid: 'b', creationTimestamp: '2018-08-02 03:52:33 +0000 UTC', updateTimestamp: '2018-08-02 03:52:34 +0000 UTC' },
          spec: {},
          status: { phase: 'Success' },
        },
        { metadata: { uid: 'c', creationTimestamp: '2018-08-02 03:52:33 +0000 UTC' }, spec: {}, status: { phase: 'Success' } },
        { metadata: { uid: 'd', updateTimestamp: '2018-08-02 03:52:33 +0000 UTC' }, spec: {}, status: { phase: 'Success' } },
        { metadata: { uid: 'e', creationTimestamp: '', updateTimestamp: '' }, spec: {}, status: { phase: 'Success' } },
        { metadata: { uid: 'f', creationTimestamp: null, updateTimestamp: null }, spec: {}, status: { phase: 'Success' } },
      ],
    },
    status: { phase: 'Running' },
  };
  const job = mapCceJob(tree, place('v3'));

  it('a sub-job without apiVersion inherits its parent’s, at any depth', () => {
    expect(job.apiVersion).toBe('v3');
    expect(sub(job, 0).apiVersion).toBe('v3');
    expect(sub(job, 0, 0).apiVersion).toBe('v3');
    expect(sub(job, 0, 1).apiVersion).toBe('v3.1');
    expect(sub(job, 0, 1, 0).apiVersion).toBe('v3.1');
  });

  it('a top-level job without apiVersion gets the API it was read from', () => {
    expect(mapCceJob({ metadata: { uid: 'x' } }, place('v2')).apiVersion).toBe('v2');
    expect(mapCceJob({ metadata: { uid: 'x' } }, place('v3')).apiVersion).toBe('v3');
  });

  it('partial is true only for embedded sub-jobs lacking a timestamp', () => {
    const partial = Object.fromEntries([job, ...descendants(job)].map((j) => [j.jobId, j.partial]));
    expect(partial).toEqual({ root: false, a: true, a1: true, a2: true, a2x: true, b: false, c: true, d: true, e: true, f: true });
  });

  it('a sub-job lacking timestamps has null times (to be filled in from its own record)', () => {
    expect(sub(job, 0, 0)).toMatchObject({ createdAt: null, updatedAt: null, finishedAt: null, state: 'SUCCEEDED', terminal: true });
    expect(sub(job, 1)).toMatchObject({
      createdAt: '2018-08-02T03:52:33.000Z',
      updatedAt: '2018-08-02T03:52:34.000Z',
      finishedAt: '2018-08-02T03:52:34.000Z',
    });
  });

  it('a sub-job inherits place (region, project, API) for its id and ref', () => {
    expect(sub(job, 0, 1, 0).ref).toEqual({ api: 'v3', region: REGION, projectId: PROJECT, jobId: 'a2x' });
    expect(sub(job, 0, 1, 0).id).toBe(cceGlobalId({ api: 'v3', region: REGION, projectId: PROJECT, jobId: 'a2x' }));
  });

  it('a leaf with an empty list has [] sub-jobs; one without a list has undefined', () => {
    expect(mapCceJob({ metadata: { uid: 'x' }, spec: { subJobs: [] } }, place('v3')).subJobs).toEqual([]);
    expect(mapCceJob({ metadata: { uid: 'x' }, spec: {} }, place('v3')).subJobs).toBeUndefined();
  });

  it('v2 reads lower-case subjobs (and ignores camelCase there)', () => {
    const v2 = mapCceJob(
      {
        apiVersion: 'v2',
        metadata: { uid: 'r' },
        spec: { subjobs: [{ metadata: { uid: 's' }, status: { status: 'Running' } }], subJobs: 'ignored' },
      },
      place('v2'),
    );
    expect(v2.subJobs?.map((s) => [s.jobId, s.state, s.apiVersion, s.partial, s.ref.api])).toEqual([['s', 'RUNNING', 'v2', true, 'v2']]);
  });
});

describe('CCE deep nesting', () => {
  /** `levels` nested jobs, built without recursion; the innermost is a leaf. */
  function chain(levels: number, api: CceApi): unknown {
    let node: Record<string, unknown> = { metadata: { uid: `j${levels - 1}` }, spec: {}, status: { phase: 'Success' } };
    for (let i = levels - 2; i >= 0; i--) {
      node = { metadata: { uid: `j${i}` }, spec: api === 'v3' ? { subJobs: [node] } : { subjobs: [node] }, status: { phase: 'Running' } };
    }
    return node;
  }

  /** The same as JSON text, the way it arrives on the wire. */
  function chainText(levels: number): string {
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < levels - 1; i++) {
      open.push(`{"metadata":{"uid":"j${i}"},"spec":{"subJobs":[`);
      close.push(`]},"status":{"phase":"Running"}}`);
    }
    return `${open.join('')}{"metadata":{"uid":"leaf"}}${close.join('')}`;
  }

  it.each(['v3', 'v2'] as const)('%s: 10,000 levels → UPSTREAM_ERROR, not RangeError', (api) => {
    const payload = chain(10_000, api);
    const error = expectUpstreamError(() => mapCceJob(payload, place(api, { requestId: 'req-deep' })), 'CCE', 'req-deep');
    expect(error).not.toBeInstanceOf(RangeError);
    expect(error.message).toBe('CCE: unexpected payload (sub-jobs nested deeper than 32)');
  });

  it('10,000 levels parsed from JSON text → UPSTREAM_ERROR', () => {
    const payload: unknown = JSON.parse(chainText(10_000));
    expectUpstreamError(() => mapCceJob(payload, place('v3')), 'CCE', null);
  });

  it('exactly maxDepth levels below the root are accepted; one more is not', () => {
    const ok = mapCceJob(chain(4, 'v3'), place('v3', { maxDepth: 3 }));
    expect([...descendants(ok)].map((j) => j.jobId).sort()).toEqual(['j1', 'j2', 'j3']);
    expectUpstreamError(() => mapCceJob(chain(5, 'v3'), place('v3', { maxDepth: 3 })), 'CCE', null);
  });
});

describe('CCE payloads missing what the gateway needs → UPSTREAM_ERROR', () => {
  it.each([
    ['null', null],
    ['a string', 'Job'],
    ['an array', [{ metadata: { uid: 'x' } }]],
    ['a number', 42],
    ['no metadata', { spec: {}, status: { phase: 'Running' } }],
    ['no uid', { metadata: {}, status: { phase: 'Running' } }],
    ['empty uid', { metadata: { uid: '' }, status: { phase: 'Running' } }],
    ['numeric uid', { metadata: { uid: 123 }, status: { phase: 'Running' } }],
    ['subJobs not a list', { metadata: { uid: 'x' }, spec: { subJobs: { 0: {} } } }],
    ['subJobs a string', { metadata: { uid: 'x' }, spec: { subJobs: 'none' } }],
    ['a sub-job that is not an object', { metadata: { uid: 'x' }, spec: { subJobs: ['y'] } }],
    ['a sub-job without uid', { metadata: { uid: 'x' }, spec: { subJobs: [{ metadata: {} }] } }],
    ['a deep sub-job without uid', { metadata: { uid: 'x' }, spec: { subJobs: [{ metadata: { uid: 'y' }, spec: { subJobs: [{}] } }] } }],
  ])('%s', (_name, payload) => {
    expectUpstreamError(() => mapCceJob(payload, place('v3', { requestId: 'req-9' })), 'CCE', 'req-9');
  });
});

// ---- CAE --------------------------------------------------------------------------------------

describe('CAE ShowJob example', () => {
  const ref: CaeRef = { region: REGION, projectId: PROJECT, environmentId: 'env-1', enterpriseProjectId: null, jobId: 'job-abc' };

  it('maps the job and its task', () => {
    const job = mapCaeJob(JSON.parse(CAE_EXAMPLE), ref, 'req-1');
    expect(job).toEqual({
      __typename: 'CaeJob',
      id: caeGlobalId(ref),
      source: 'CAE',
      jobId: 'job-abc',
      projectId: PROJECT,
      region: REGION,
      type: null,
      state: 'RUNNING',
      terminal: false,
      rawStatus: 'running',
      message: null,
      progress: 0,
      createdAt: '2023-02-16T11:24:07.950Z',
      updatedAt: '2023-02-16T11:24:07.950Z',
      finishedAt: null,
      environmentId: 'env-1',
      enterpriseProjectId: null,
      subJobs: [
        {
          __typename: 'CaeTask',
          id: caeTaskGlobalId(ref, 1),
          source: 'CAE',
          jobId: 'job-abc#1',
          projectId: PROJECT,
          region: REGION,
          type: 'upgrade',
          state: 'PENDING',
          terminal: false,
          rawStatus: 'init',
          message: null,
          progress: null,
          createdAt: '2023-02-16T11:24:07.950Z',
          updatedAt: '2023-02-16T11:24:07.950Z',
          finishedAt: null,
          index: 1,
          name: 'upgrade',
          detail: '',
          parentJobId: 'job-abc',
          environmentId: 'env-1',
          subJobs: [],
        },
      ],
    });
  });

  it('keeps the enterprise project', () => {
    const withEp = { ...ref, enterpriseProjectId: 'ep-1' };
    const job = mapCaeJob(JSON.parse(CAE_EXAMPLE), withEp, null);
    expect(job.enterpriseProjectId).toBe('ep-1');
    expect(job.id).toBe(caeGlobalId(withEp));
    expect(job.id).not.toBe(caeGlobalId(ref));
    expect(job.subJobs[0]?.id).toBe(caeTaskGlobalId(withEp, 1));
  });
});

describe('CAE tasks', () => {
  const ref: CaeRef = { region: REGION, projectId: PROJECT, environmentId: 'env-1', enterpriseProjectId: null, jobId: 'J' };
  const map = (status: string, tasks: unknown, progress: unknown = 40) =>
    mapCaeJob({ api_version: 'v1', kind: 'Job', spec: { progress, status, tasks } }, ref, null);

  const tasks = [
    { index: 3, name: 'verify', status: 'failed', detail: 'disk full' },
    { index: 1, name: 'build', status: 'success', detail: 'built' },
    { index: 2, name: 'deploy', status: 'failed', detail: 'image pull failed' },
    { index: 0, name: 'prepare', status: 'success', detail: '' },
  ];

  it('are sorted by index, with ids <job>#<index>', () => {
    const job = map('failed', tasks);
    expect(job.subJobs.map((t) => [t.index, t.jobId, t.name, t.id])).toEqual([
      [0, 'J#0', 'prepare', caeTaskGlobalId(ref, 0)],
      [1, 'J#1', 'build', caeTaskGlobalId(ref, 1)],
      [2, 'J#2', 'deploy', caeTaskGlobalId(ref, 2)],
      [3, 'J#3', 'verify', caeTaskGlobalId(ref, 3)],
    ]);
  });

  it('a failed job’s message is the first failed task’s detail (by index)', () => {
    expect(map('failed', tasks).message).toBe('image pull failed');
  });

  it('a timed-out task counts as failed', () => {
    const job = map('timeout', [
      { index: 1, name: 'a', status: 'success', detail: 'ok' },
      { index: 2, name: 'b', status: 'timeout', detail: 'no answer in 600s' },
    ]);
    expect(job.state).toBe('FAILED');
    expect(job.message).toBe('no answer in 600s');
  });

  it('a job that did not fail has no message, even with a failed task', () => {
    expect(map('success', tasks).message).toBeNull();
    expect(map('running', tasks).message).toBeNull();
  });

  it('a failed job without a failed task has no message', () => {
    expect(map('failed', [{ index: 1, name: 'a', status: 'success', detail: 'fine' }]).message).toBeNull();
  });

  it('task fields: message is the detail (null when empty), type the name', () => {
    const [first, second] = map('failed', tasks).subJobs;
    expect(first).toMatchObject({ type: 'prepare', detail: '', message: null, state: 'SUCCEEDED', terminal: true, rawStatus: 'success' });
    expect(second).toMatchObject({ type: 'build', detail: 'built', message: 'built' });
  });

  it('a task without an index keeps its position', () => {
    const job = map('running', [
      { name: 'a', status: 'running' },
      { name: 'b', status: 'init' },
    ]);
    expect(job.subJobs.map((t) => [t.index, t.jobId])).toEqual([
      [0, 'J#0'],
      [1, 'J#1'],
    ]);
  });

  it('no tasks → [] sub-jobs', () => {
    expect(map('success', undefined).subJobs).toEqual([]);
    expect(map('success', null).subJobs).toEqual([]);
    expect(map('success', []).subJobs).toEqual([]);
  });

  it.each([
    [55.5, 55.5],
    [100, 100],
    ['50', null],
    [null, null],
    [Number.NaN, null],
  ] as Array<[unknown, number | null]>)('progress %j → %s', (progress, expected) => {
    expect(map('running', [], progress).progress).toBe(expected);
  });
});

describe('CAE job times come from its tasks', () => {
  const ref: CaeRef = { region: 'cn-north-4', projectId: 'p1', environmentId: 'e1', enterpriseProjectId: null, jobId: 'j1' };
  const map = (status: string, tasks: unknown[]) =>
    mapCaeJob({ api_version: 'v1', kind: 'Job', spec: { progress: 50, status, tasks } }, ref, null);

  const tasks = [
    { index: 2, name: 'deploy', status: 'success', created_at: '2023-02-16T11:30:00Z', updated_at: '2023-02-16T11:45:10.5Z' },
    { index: 1, name: 'build', status: 'success', created_at: '2023-02-16T11:24:07.950175Z', updated_at: '2023-02-16T11:29:59Z' },
    // different formats still compare as instants
    {
      index: 3,
      name: 'verify',
      status: 'success',
      created_at: '2023-02-16T19:40:00+0800',
      updated_at: '2023-02-16 11:50:00.123456 +0000 UTC',
    },
    { index: 4, name: 'noop', status: 'skip', created_at: '', updated_at: null },
  ];

  it('createdAt is the earliest task creation, updatedAt the latest task update', () => {
    const job = map('success', tasks);
    expect(job.createdAt).toBe('2023-02-16T11:24:07.950Z');
    expect(job.updatedAt).toBe('2023-02-16T11:50:00.123Z');
    expect(job.finishedAt).toBe('2023-02-16T11:50:00.123Z');
  });

  it('a running job has no finishedAt', () => {
    const job = map('running', tasks);
    expect(job.updatedAt).toBe('2023-02-16T11:50:00.123Z');
    expect(job.finishedAt).toBeNull();
  });

  it('each task keeps its own times; a terminal task is finished at its update', () => {
    const job = map('running', [
      {
        index: 1,
        name: 'upgrade',
        status: 'init',
        detail: '',
        created_at: '2023-02-16T11:24:07.950175Z',
        updated_at: '2023-02-16T11:24:07.950175Z',
      },
      { index: 2, name: 'done', status: 'failed', detail: 'x', created_at: '2023-02-16T11:24:07Z', updated_at: '2023-02-16T11:25:00Z' },
    ]);
    expect(job.subJobs.map((t) => [t.createdAt, t.updatedAt, t.finishedAt])).toEqual([
      ['2023-02-16T11:24:07.950Z', '2023-02-16T11:24:07.950Z', null],
      ['2023-02-16T11:24:07.000Z', '2023-02-16T11:25:00.000Z', '2023-02-16T11:25:00.000Z'],
    ]);
  });

  it('no tasks (or no parseable task times) → null times', () => {
    expect(map('success', [])).toMatchObject({ createdAt: null, updatedAt: null, finishedAt: null });
    const noTimes = map('failed', [{ index: 1, name: 'a', status: 'failed', created_at: 'soon', updated_at: '' }]);
    expect(noTimes).toMatchObject({ createdAt: null, updatedAt: null, finishedAt: null });
  });
});

describe('CAE payloads missing what the gateway needs → UPSTREAM_ERROR', () => {
  const ref: CaeRef = { region: REGION, projectId: PROJECT, environmentId: 'env-1', enterpriseProjectId: null, jobId: 'J' };
  it.each([
    ['null', null],
    ['an array', []],
    ['no spec', { api_version: 'v1', kind: 'Job' }],
    ['spec null', { spec: null }],
    ['spec an array', { spec: [] }],
    ['no status', { spec: { progress: 0, tasks: [] } }],
    ['numeric status', { spec: { status: 3 } }],
    ['tasks an object', { spec: { status: 'running', tasks: { index: 1 } } }],
    ['tasks a string', { spec: { status: 'running', tasks: 'none' } }],
  ])('%s', (_name, payload) => {
    expectUpstreamError(() => mapCaeJob(payload, ref, 'req-c'), 'CAE', 'req-c');
  });
});

// ---- CFW --------------------------------------------------------------------------------------

describe('CFW ListJob example', () => {
  const ref: CfwRef = { region: REGION, projectId: PROJECT, jobId: 'f588ce71-e26c-400d-8981-f854355f6849' };

  it('maps every field (epoch-millisecond times)', () => {
    expect(mapCfwJob(JSON.parse(CFW_EXAMPLE), ref, null)).toEqual({
      __typename: 'CfwJob',
      id: cfwGlobalId(ref),
      source: 'CFW',
      jobId: 'f588ce71-e26c-400d-8981-f854355f6849',
      projectId: PROJECT,
      region: REGION,
      type: null,
      state: 'SUCCEEDED',
      terminal: true,
      rawStatus: 'Success',
      message: null,
      progress: null,
      createdAt: '2022-01-05T08:15:01.000Z',
      updatedAt: '2022-01-05T08:15:15.000Z',
      finishedAt: '2022-01-05T08:15:15.000Z',
      errorCode: null,
      subJobs: [],
    });
  });

  it('keeps error_code / error_msg of a failed job, and reads documented string times', () => {
    const job = mapCfwJob(
      {
        error_code: 'CFW.00109001',
        error_msg: 'Rule limit exceeded.',
        data: { id: ref.jobId, status: 'Failed', begin_time: '2022-01-05T16:15:01+0800', end_time: '' },
      },
      ref,
      null,
    );
    expect(job).toMatchObject({
      state: 'FAILED',
      terminal: true,
      errorCode: 'CFW.00109001',
      message: 'Rule limit exceeded.',
      createdAt: '2022-01-05T08:15:01.000Z',
      updatedAt: null,
      finishedAt: null,
    });
  });

  it('a running job has no finishedAt', () => {
    const job = mapCfwJob({ data: { id: ref.jobId, status: 'Running', begin_time: 1641370501000, end_time: 1641370515000 } }, ref, null);
    expect(job).toMatchObject({ state: 'RUNNING', terminal: false, updatedAt: '2022-01-05T08:15:15.000Z', finishedAt: null });
  });

  it('data.id may be absent', () => {
    expect(mapCfwJob({ data: { status: 'Running' } }, ref, null).jobId).toBe(ref.jobId);
  });
});

describe('CFW payloads missing what the gateway needs → UPSTREAM_ERROR', () => {
  const ref: CfwRef = { region: REGION, projectId: PROJECT, jobId: 'f588ce71' };
  it.each([
    ['null', null],
    ['an array', [{ data: { id: 'f588ce71', status: 'Success' } }]],
    ['no data', { error_code: 'CFW.0', error_msg: 'x' }],
    ['data null', { data: null }],
    ['data a string', { data: 'Success' }],
    ['no status', { data: { id: 'f588ce71' } }],
    ['numeric status', { data: { id: 'f588ce71', status: 1 } }],
    ['another job', { data: { id: 'other', status: 'Success' } }],
  ])('%s', (_name, payload) => {
    expectUpstreamError(() => mapCfwJob(payload, ref, 'req-f'), 'CFW', 'req-f');
  });
});

// ---- RDS --------------------------------------------------------------------------------------

describe('RDS task example', () => {
  const ref: DbRef = { region: REGION, projectId: PROJECT, jobId: 'a9767ede-fe0f-4888-9003-e843a4c90514' };

  it('maps every field', () => {
    expect(mapDbJob(JSON.parse(RDS_EXAMPLE), ref, null)).toEqual({
      __typename: 'DbJob',
      id: dbGlobalId(ref),
      source: 'DB',
      jobId: 'a9767ede-fe0f-4888-9003-e843a4c90514',
      projectId: PROJECT,
      region: REGION,
      type: 'CreateMysqlInstance',
      state: 'SUCCEEDED',
      terminal: true,
      rawStatus: 'Completed',
      message: null,
      progress: null,
      createdAt: '2021-07-12T01:22:04.000Z',
      updatedAt: '2021-07-12T02:10:13.000Z',
      finishedAt: '2021-07-12T02:10:13.000Z',
      name: 'CreateMysqlInstance',
      instanceId: 'b34f8c791f2643578510c093aa2351a8in01',
      instanceName: 'mysql-c1a3',
      subJobs: [],
    });
  });

  it('a running job: progress from "60%", no end yet', () => {
    const job = mapDbJob(
      {
        job: {
          id: ref.jobId,
          name: 'RestartInstance',
          status: 'Running',
          created: '2021-07-12T09:22:04+0800',
          ended: '',
          progress: '60%',
          instance: {},
        },
      },
      ref,
      null,
    );
    expect(job).toMatchObject({
      state: 'RUNNING',
      progress: 60,
      createdAt: '2021-07-12T01:22:04.000Z',
      updatedAt: null,
      finishedAt: null,
      instanceId: null,
      instanceName: null,
    });
  });

  it('a failed job: message is fail_reason', () => {
    const job = mapDbJob({ job: { id: ref.jobId, status: 'Failed', fail_reason: 'Insufficient quota.', name: '' } }, ref, null);
    expect(job).toMatchObject({ state: 'FAILED', message: 'Insufficient quota.', name: null, type: null, progress: null });
  });
});

describe('parsePercent (RDS progress)', () => {
  it.each([
    ['60%', 60],
    ['0%', 0],
    ['100%', 100],
    ['7.5%', 7.5],
    [' 42 % ', 42],
    ['60', 60],
    ['250%', 100],
    ['', null],
    ['%', null],
    ['abc', null],
    ['-5%', null],
    ['60%%', null],
    [null, null],
    [undefined, null],
    [{}, null],
    [45, 45],
    [-5, 0],
    [250, 100],
    [Number.NaN, null],
  ] as Array<[unknown, number | null]>)('%j → %s', (input, expected) => {
    expect(parsePercent(input)).toBe(expected);
  });
});

describe('RDS payloads missing what the gateway needs → UPSTREAM_ERROR', () => {
  const ref: DbRef = { region: REGION, projectId: PROJECT, jobId: 'a9767ede' };
  it.each([
    ['null', null],
    ['an array', [{ job: { id: 'a9767ede', status: 'Completed' } }]],
    ['no job', { jobs: [{ id: 'a9767ede', status: 'Completed' }] }],
    ['job null', { job: null }],
    ['no status', { job: { id: 'a9767ede' } }],
    ['numeric status', { job: { id: 'a9767ede', status: 2 } }],
    ['another job', { job: { id: 'other', status: 'Completed' } }],
  ])('%s', (_name, payload) => {
    expectUpstreamError(() => mapDbJob(payload, ref, 'req-d'), 'DB', 'req-d');
  });
});
