/**
 * Every root field against the simulator over real sockets, asserting what a user reads: states,
 * raw words, times (worked out by hand from the seed data), sub-jobs and tasks, and that every id
 * the API hands out reads the same job back through job(id:) and jobs(ids:).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { collectJobs, pathsOf, subJobsSelection, uniqueToken, withJ, withoutSubJobs, type JobOut } from './helpers.js';

const P = SIM_PROJECT_ID;
const ENV = SIM_CAE_ENVIRONMENT_ID;
const REGION = 'cn-north-4';
const CCE = SIM_IDS.cce;

let gw: TestGateway & { sim: Simulator };

beforeAll(async () => {
  gw = await startSimulatedGateway();
});
afterAll(async () => {
  await gw.close();
});

/** One query with a fresh token (no cache shared with any other test); the simulator's call log is reset first. */
async function run<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  gw.sim.resetCalls();
  const res = await gw.query<T>(withJ(query), { token: uniqueToken('queries'), variables });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(res.status).toBe(200);
  expect(res.data).toBeTruthy();
  return res.data as T;
}

const cceV3Path = (uid: string): string => `/api/v3/projects/${P}/jobs/${uid}`;
const cceV2Path = (uid: string): string => `/api/v2/projects/${P}/jobs/${uid}`;

/** The shared Job fields every CCE job has, with the values a user should see. */
function cce(
  uid: string,
  fields: Partial<JobOut> & Pick<JobOut, 'type' | 'state' | 'rawStatus' | 'terminal' | 'createdAt' | 'updatedAt' | 'finishedAt'>,
): Partial<JobOut> {
  return {
    __typename: 'CceJob',
    source: 'CCE',
    jobId: uid,
    projectId: P,
    region: REGION,
    message: null,
    progress: null,
    ...fields,
  };
}

const SIM_CLUSTER = '7ec8b73d-83db-11f0-8baa-0255ac10003e';

/** Top-level CCE jobs as cceJob (v3) shows them. Times: Go's time.String truncated to ms, offsets moved to UTC. */
const CCE_V3_EXPECTED: Array<[string, Partial<JobOut>]> = [
  [
    'doc 004 example (Running, 9 fraction digits)',
    cce(CCE.docV3, {
      type: 'CreateCluster',
      state: 'RUNNING',
      rawStatus: 'Running',
      terminal: false,
      message: null, // reason "" is no message
      createdAt: '2018-08-02T08:12:40.672Z', // 08:12:40.672772389 truncated, not rounded
      updatedAt: '2018-08-02T08:21:50.478Z',
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: '4d1ecb2c-229a-11e8-9c75-0255ac100ceb',
      resourceId: '6f4dcb2c-229a-11e8-9c75-0255ac100ceb',
      resourceName: 'cluster-name',
      extendParams: [{ key: 'serverID', value: 'bc467e3a-2338-11e8-825b-0255ac100c13' }],
    }),
  ],
  [
    'doc 000 example read through v3 (Failed, 6 fraction digits)',
    cce(CCE.docV2, {
      type: 'ScaleupCluster',
      state: 'FAILED',
      rawStatus: 'Failed',
      terminal: true,
      message: 'Something bad happened at server, recycle resource',
      createdAt: '2025-09-02T10:23:38.987Z',
      updatedAt: '2025-09-02T11:26:03.218Z',
      finishedAt: '2025-09-02T11:26:03.218Z', // v3: the updateTimestamp of a terminal job
      apiVersion: 'v3',
      clusterId: '7ec8b73d-83db-11f0-8baa-0255ac10003e',
      resourceId: '3b4410fa-87e6-11f0-be88-0255ac10003f',
      resourceName: 'node-iv28j9',
      // sorted by key, empty values kept
      extendParams: [
        { key: 'claimrollback', value: 'true' },
        { key: 'node.zone', value: 'cn-north-7c' },
        { key: 'nodepooluid', value: '' },
        { key: 'orderID', value: 'CS25090218238EI5V' },
        { key: 'v3-scaleup', value: 'true' },
      ],
    }),
  ],
  [
    'Initializing (no fraction, empty updateTimestamp)',
    cce(CCE.initializing, {
      type: 'CreateNode',
      state: 'PENDING',
      rawStatus: 'Initializing',
      terminal: false,
      createdAt: '2025-09-03T07:00:00.000Z',
      updatedAt: null,
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: 'a1b7f0c4-9a41-11f0-8d2e-0255ac100031',
      resourceName: 'node-init-01',
      extendParams: [{ key: 'node.zone', value: 'cn-north-4a' }],
    }),
  ],
  [
    'Running (1 and 3 fraction digits)',
    cce(CCE.running, {
      type: 'UpgradeCluster',
      state: 'RUNNING',
      rawStatus: 'Running',
      terminal: false,
      createdAt: '2025-09-03T08:15:30.500Z',
      updatedAt: '2025-09-03T08:16:02.123Z',
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: SIM_CLUSTER,
      resourceName: 'cluster-sim',
      extendParams: [
        { key: 'targetVersion', value: 'v1.31' },
        { key: 'upgradeStrategy', value: 'inPlaceRollingUpdate' },
      ],
    }),
  ],
  [
    'Success (2 and 4 fraction digits, empty extendParam)',
    cce(CCE.success, {
      type: 'DeleteNode',
      state: 'SUCCEEDED',
      rawStatus: 'Success',
      terminal: true,
      createdAt: '2024-11-20T01:02:03.120Z',
      updatedAt: '2024-11-20T01:09:44.123Z',
      finishedAt: '2024-11-20T01:09:44.123Z',
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: 'c3d9b1e5-9a43-11f0-8d2e-0255ac100033',
      resourceName: 'node-old-07',
      extendParams: [],
    }),
  ],
  [
    'Failed (5 and 7 fraction digits)',
    cce(CCE.failed, {
      type: 'CreateNode',
      state: 'FAILED',
      rawStatus: 'Failed',
      terminal: true,
      message: 'Create server failed: insufficient capacity for flavor c7.large.2 in cn-north-4a',
      createdAt: '2024-05-10T12:00:00.123Z',
      updatedAt: '2024-05-10T12:03:10.123Z',
      finishedAt: '2024-05-10T12:03:10.123Z',
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: 'd4e0c2f6-9a44-11f0-8d2e-0255ac100034',
      resourceName: 'node-fail-02',
      extendParams: [
        { key: 'node.zone', value: 'cn-north-4a' },
        { key: 'orderID', value: '' },
      ],
    }),
  ],
  [
    'unknown phase "Paused" (8 fraction digits, +0800 CST)',
    cce(CCE.unknownPhase, {
      type: 'HibernateCluster',
      state: 'UNKNOWN',
      rawStatus: 'Paused',
      terminal: false,
      message: 'paused by operator',
      createdAt: '2024-06-01T00:00:00.123Z',
      updatedAt: '2024-06-01T00:30:00.250Z', // 08:30:00.25 +0800 CST
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: SIM_CLUSTER,
      resourceName: 'cluster-sim',
      extendParams: [],
    }),
  ],
  [
    'RFC 3339 times',
    cce(CCE.rfc3339Times, {
      type: 'InstallAddon',
      state: 'SUCCEEDED',
      rawStatus: 'Success',
      terminal: true,
      createdAt: '2022-12-05T08:10:19.951Z',
      updatedAt: '2022-12-05T08:12:00.000Z',
      finishedAt: '2022-12-05T08:12:00.000Z',
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: 'f6a0e1d8-9a46-11f0-8d2e-0255ac100036',
      resourceName: 'coredns',
      extendParams: [
        { key: 'addonTemplateName', value: 'coredns' },
        { key: 'addonVersion', value: '1.30.5' },
      ],
    }),
  ],
  [
    'offsets without a colon',
    cce(CCE.offsetNoColonTimes, {
      type: 'DeleteCluster',
      state: 'FAILED',
      rawStatus: 'Failed',
      terminal: true,
      message: 'cluster has dependent resources: 2 load balancers',
      createdAt: '2018-08-06T10:41:14.000Z', // +0000
      updatedAt: '2018-08-06T10:47:02.000Z', // 18:47:02+0800
      finishedAt: '2018-08-06T10:47:02.000Z',
      apiVersion: 'v3',
      clusterId: '07b1f2e9-9a47-11f0-8d2e-0255ac100037',
      resourceId: '07b1f2e9-9a47-11f0-8d2e-0255ac100037',
      resourceName: 'cluster-retired',
      extendParams: [],
    }),
  ],
  [
    'no timestamps at all',
    cce(CCE.noTimestamps, {
      type: 'UpdateNodePool',
      state: 'RUNNING',
      rawStatus: 'Running',
      terminal: false,
      createdAt: null,
      updatedAt: null,
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: SIM_CLUSTER,
      resourceId: '18c2a3fa-9a48-11f0-8d2e-0255ac100038',
      resourceName: 'pool-general',
      extendParams: [],
    }),
  ],
  [
    'deep tree root (Go time with nanoseconds only)',
    cce(CCE.deepTree, {
      type: 'ScaleupCluster',
      state: 'RUNNING',
      rawStatus: 'Running',
      terminal: false,
      createdAt: '2025-10-01T09:00:00.000Z', // 09:00:00.000987654
      updatedAt: '2025-10-01T09:05:00.000Z',
      finishedAt: null,
      apiVersion: 'v3',
      clusterId: '3b0d5c72-9b01-11f0-a1b2-0255ac100040',
      resourceId: '2a9c4b70-9b01-11f0-a1b2-0255ac100041',
      resourceName: 'pool-deep',
      extendParams: [
        { key: 'nodepooluid', value: '2a9c4b70-9b01-11f0-a1b2-0255ac100041' },
        { key: 'scaleupCount', value: '2' },
        { key: 'v3-scaleup', value: 'true' },
      ],
    }),
  ],
];

describe('cceJob (CCE v3 ShowJob)', () => {
  it.each(CCE_V3_EXPECTED)('%s', async (_name, expected) => {
    const data = await run<{ cceJob: JobOut }>(`query($p: String!, $j: String!) { cceJob(projectId: $p, jobId: $j) { ...J } }`, {
      p: P,
      j: expected.jobId,
    });
    expect(data.cceJob).toEqual({ ...expected, id: expect.any(String) });
    expect(pathsOf(gw.sim)).toEqual([cceV3Path(expected.jobId!)]);
  });

  it('the doc 004 example with its embedded sub-jobs, exactly as the payload has them', async () => {
    const data = await run<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.docV3}", region: "cn-north-4") { jobId ${subJobsSelection(2)} } }`,
    );
    expect(data.cceJob.subJobs).toEqual([
      {
        ...cce(CCE.docV3InstallMaster, {
          type: 'InstallMaster',
          state: 'SUCCEEDED',
          rawStatus: 'Success',
          terminal: true,
          createdAt: '2018-08-02T03:52:34.615Z',
          updatedAt: '2018-08-02T04:05:29.196Z',
          finishedAt: '2018-08-02T04:05:29.196Z',
          apiVersion: 'v3',
          clusterId: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
          resourceId: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d',
          resourceName: null,
          extendParams: [{ key: 'serverID', value: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d' }],
        }),
        id: expect.any(String),
        subJobs: [],
      },
      {
        ...cce(CCE.docV3CreatePSMCert, {
          type: 'CreatePSMCert',
          state: 'SUCCEEDED',
          rawStatus: 'Success',
          terminal: true,
          createdAt: '2018-08-02T03:52:33.859Z',
          updatedAt: '2018-08-02T03:52:34.615Z',
          finishedAt: '2018-08-02T03:52:34.615Z',
          apiVersion: 'v3',
          clusterId: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
          resourceId: null,
          resourceName: null,
          extendParams: [],
        }),
        id: expect.any(String),
        subJobs: [],
      },
    ]);
    // The sub-jobs came whole in the parent's payload.
    expect(pathsOf(gw.sim)).toEqual([cceV3Path(CCE.docV3)]);
  });

  it('sub-jobs embedded without apiVersion or times inherit the parent apiVersion; their times come from their own record', async () => {
    const data = await run<{ cceJob: JobOut }>(`{ cceJob(projectId: "${P}", jobId: "${CCE.failed}") { jobId ${subJobsSelection(1)} } }`);
    expect(data.cceJob.subJobs).toEqual([
      {
        ...cce(CCE.failedPsmCert, {
          type: 'GetPSMCert',
          state: 'SUCCEEDED',
          rawStatus: 'Success',
          terminal: true,
          createdAt: '2024-05-10T12:00:00.200Z',
          updatedAt: '2024-05-10T12:00:05.800Z',
          finishedAt: '2024-05-10T12:00:05.800Z',
          apiVersion: 'v3',
          clusterId: SIM_CLUSTER,
          resourceId: null,
          resourceName: null,
          extendParams: [],
        }),
        id: expect.any(String),
      },
      {
        ...cce(CCE.failedCreateServer, {
          type: 'CreateServer',
          state: 'FAILED',
          rawStatus: 'Failed',
          terminal: true,
          message: 'ECS.0005: insufficient capacity',
          createdAt: '2024-05-10T12:00:06.000Z', // 12:00:06.000001
          updatedAt: '2024-05-10T12:03:10.123Z',
          finishedAt: '2024-05-10T12:03:10.123Z',
          apiVersion: 'v3',
          clusterId: SIM_CLUSTER,
          resourceId: 'd4e0c2f6-9a44-11f0-8d2e-0255ac100034',
          resourceName: null,
          extendParams: [],
        }),
        id: expect.any(String),
      },
    ]);
    expect(pathsOf(gw.sim).sort()).toEqual([cceV3Path(CCE.failed), cceV3Path(CCE.failedPsmCert), cceV3Path(CCE.failedCreateServer)].sort());
  });

  it('the deep tree: types and times along the 5-level branch', async () => {
    const fields = 'jobId type state rawStatus createdAt updatedAt finishedAt ... on CceJob { apiVersion }';
    const data = await run<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { ${fields} ${subJobsSelection(6, fields)} } }`,
    );
    const root = data.cceJob;
    const nodeA = root.subJobs![0]!;
    const nodeB = root.subJobs![1]!;
    expect(nodeA).toMatchObject({
      jobId: CCE.deepCreateNodeA,
      type: 'CreateNode',
      state: 'SUCCEEDED',
      createdAt: '2025-10-01T09:00:10.000Z',
      updatedAt: '2025-10-01T09:03:01.000Z',
      finishedAt: '2025-10-01T09:03:01.000Z',
      apiVersion: 'v3',
    });
    expect(nodeA.subJobs!.map((s) => [s.jobId, s.type, s.createdAt, s.updatedAt, s.finishedAt])).toEqual([
      [CCE.deepPsmCertA, 'GetPSMCert', '2025-10-01T09:00:20.000Z', '2025-10-01T09:00:45.000Z', '2025-10-01T09:00:45.000Z'],
      [CCE.deepInstallNodeA, 'InstallNode', '2025-10-01T09:00:46.000Z', '2025-10-01T09:03:00.000Z', '2025-10-01T09:03:00.000Z'],
    ]);
    const branch: JobOut[] = [root, nodeB];
    while (branch.at(-1)!.subJobs!.length > 0) branch.push(branch.at(-1)!.subJobs!.at(-1)!);
    expect(branch.map((j) => j.jobId)).toEqual(CCE.deepBranch);
    expect(branch.map((j) => [j.type, j.state, j.rawStatus, j.createdAt, j.updatedAt, j.finishedAt, j.apiVersion])).toEqual([
      ['ScaleupCluster', 'RUNNING', 'Running', '2025-10-01T09:00:00.000Z', '2025-10-01T09:05:00.000Z', null, 'v3'],
      ['CreateNode', 'RUNNING', 'Running', '2025-10-01T09:01:30.000Z', '2025-10-01T09:04:50.000Z', null, 'v3'],
      ['InstallNode', 'RUNNING', 'Running', '2025-10-01T09:02:30.000Z', '2025-10-01T09:03:20.000Z', null, 'v3'],
      ['InstallKubelet', 'RUNNING', 'Running', '2025-10-01T09:03:20.000Z', '2025-10-01T09:04:00.000Z', null, 'v3'],
      ['PullImage', 'RUNNING', 'Running', '2025-10-01T09:04:00.000Z', '2025-10-01T09:04:50.000Z', null, 'v3'],
      ['VerifyImageSignature', 'PENDING', 'Initializing', '2025-10-01T09:05:00.000Z', null, null, 'v3'],
    ]);
    expect(nodeB.subJobs![0]).toMatchObject({
      jobId: CCE.deepPsmCertB,
      createdAt: '2025-10-01T09:01:40.000Z',
      finishedAt: '2025-10-01T09:02:20.000Z',
    });
    expect(pathsOf(gw.sim, 'CCE').every((p) => p.startsWith(`/api/v3/projects/${P}/jobs/`))).toBe(true);
  });
});

describe('cceJobs (CCE v2 ListJobs)', () => {
  it('lists every top-level job in the upstream order, read as v2, with one call', async () => {
    const data = await run<{ cceJobs: JobOut[] }>(`{ cceJobs(projectId: "${P}") { ...J } }`);
    expect(data.cceJobs).toHaveLength(51); // 11 named jobs + 40 bulk jobs
    expect(data.cceJobs.slice(0, 11).map((j) => j.jobId)).toEqual([
      CCE.docV3,
      CCE.docV2,
      CCE.initializing,
      CCE.running,
      CCE.success,
      CCE.failed,
      CCE.unknownPhase,
      CCE.rfc3339Times,
      CCE.offsetNoColonTimes,
      CCE.noTimestamps,
      CCE.deepTree,
    ]);
    expect(new Set(data.cceJobs.map((j) => j.apiVersion))).toEqual(new Set(['v2']));
    expect(pathsOf(gw.sim)).toEqual([`/api/v2/projects/${P}/jobs`]);

    const byUid = new Map(data.cceJobs.map((j) => [j.jobId, j]));
    // v2 spells the spec in lower case and reports completionTime; the user sees the same fields.
    expect(byUid.get(CCE.docV2)).toEqual({
      ...CCE_V3_EXPECTED[1]![1],
      id: expect.any(String),
      apiVersion: 'v2',
      finishedAt: '2025-09-02T11:26:03.218Z', // status.completionTime
    });
    expect(byUid.get(CCE.success)).toMatchObject({
      state: 'SUCCEEDED',
      finishedAt: '2024-11-20T01:09:44.123Z',
      resourceName: 'node-old-07',
    });
    expect(byUid.get(CCE.initializing)).toMatchObject({ state: 'PENDING', rawStatus: 'Initializing', updatedAt: null, finishedAt: null });
    expect(byUid.get(CCE.unknownPhase)).toMatchObject({ state: 'UNKNOWN', rawStatus: 'Paused', terminal: false });
    expect(byUid.get(CCE.offsetNoColonTimes)).toMatchObject({
      updatedAt: '2018-08-06T10:47:02.000Z',
      finishedAt: '2018-08-06T10:47:02.000Z',
    });
  });

  it('v2 sub-jobs without an apiVersion inherit "v2" from their list entry', async () => {
    const data = await run<{ cceJobs: JobOut[] }>(
      `{ cceJobs(projectId: "${P}") { jobId ... on CceJob { apiVersion } subJobs { jobId type state ... on CceJob { apiVersion } } } }`,
    );
    const failed = data.cceJobs.find((j) => j.jobId === CCE.failed)!;
    expect(failed.subJobs).toEqual([
      { jobId: CCE.failedPsmCert, type: 'GetPSMCert', state: 'SUCCEEDED', apiVersion: 'v2' },
      { jobId: CCE.failedCreateServer, type: 'CreateServer', state: 'FAILED', apiVersion: 'v2' },
    ]);
  });
});

interface TaskExpect {
  index: number;
  name: string;
  rawStatus: string;
  state: string;
  terminal: boolean;
  detail: string;
  createdAt: string | null;
  updatedAt: string | null;
}

interface CaeExpect {
  jobId: string;
  rawStatus: string;
  state: string;
  terminal: boolean;
  progress: number;
  message: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  tasks: TaskExpect[];
}

const t = (
  index: number,
  name: string,
  rawStatus: string,
  state: string,
  terminal: boolean,
  detail: string,
  createdAt: string | null,
  updatedAt: string | null,
): TaskExpect => ({ index, name, rawStatus, state, terminal, detail, createdAt, updatedAt });

const CAE_EXPECTED: CaeExpect[] = [
  {
    jobId: SIM_IDS.cae.doc,
    rawStatus: 'running',
    state: 'RUNNING',
    terminal: false,
    progress: 0,
    message: null,
    createdAt: '2023-02-16T11:24:07.950Z', // .950175Z truncated
    updatedAt: '2023-02-16T11:24:07.950Z',
    finishedAt: null,
    tasks: [t(1, 'upgrade', 'init', 'PENDING', false, '', '2023-02-16T11:24:07.950Z', '2023-02-16T11:24:07.950Z')],
  },
  {
    jobId: SIM_IDS.cae.init,
    rawStatus: 'init',
    state: 'PENDING',
    terminal: false,
    progress: 0,
    message: null,
    createdAt: '2024-03-01T10:00:00.000Z',
    updatedAt: null,
    finishedAt: null,
    tasks: [
      t(1, 'build', 'init', 'PENDING', false, '', '2024-03-01T10:00:00.000Z', null),
      t(2, 'deploy', 'init', 'PENDING', false, '', '2024-03-01T10:00:00.000Z', null),
    ],
  },
  {
    jobId: SIM_IDS.cae.running,
    rawStatus: 'running',
    state: 'RUNNING',
    terminal: false,
    progress: 50,
    message: null,
    createdAt: '2024-03-02T09:00:00.100Z',
    updatedAt: '2024-03-02T09:05:40.987Z', // .987654321Z truncated
    finishedAt: null,
    tasks: [
      t(1, 'build', 'success', 'SUCCEEDED', true, '', '2024-03-02T09:00:00.100Z', '2024-03-02T09:04:12.345Z'),
      t(2, 'deploy', 'running', 'RUNNING', false, 'rolling update 1/3 instances', '2024-03-02T09:04:12.345Z', '2024-03-02T09:05:40.987Z'),
      t(3, 'healthcheck', 'init', 'PENDING', false, '', '2024-03-02T09:04:12.345Z', null),
    ],
  },
  {
    jobId: SIM_IDS.cae.failed,
    rawStatus: 'failed',
    state: 'FAILED',
    terminal: true,
    progress: 66.7,
    message: 'ImagePullBackOff: swr.cn-north-4.myhuaweicloud.com/demo/app:1.4.2 not found',
    createdAt: '2022-12-05T08:10:19.951Z',
    updatedAt: '2022-12-05T08:23:01.500Z',
    finishedAt: '2022-12-05T08:23:01.500Z',
    tasks: [
      t(1, 'build', 'success', 'SUCCEEDED', true, '', '2022-12-05T08:10:19.951Z', '2022-12-05T08:13:01.002Z'),
      t(
        2,
        'deploy',
        'failed',
        'FAILED',
        true,
        'ImagePullBackOff: swr.cn-north-4.myhuaweicloud.com/demo/app:1.4.2 not found',
        '2022-12-05T08:13:01.002Z',
        '2022-12-05T08:23:01.500Z',
      ),
      t(3, 'verify', 'skip', 'SKIPPED', true, 'skipped after a failed step', '2022-12-05T08:13:01.002Z', '2022-12-05T08:23:01.500Z'),
    ],
  },
  {
    jobId: SIM_IDS.cae.timeout,
    rawStatus: 'timeout',
    state: 'FAILED',
    terminal: true,
    progress: 80,
    message: 'readiness probe did not pass within 600s',
    createdAt: '2020-09-16T02:38:33.000Z',
    updatedAt: '2020-09-16T02:50:00.000Z',
    finishedAt: '2020-09-16T02:50:00.000Z',
    tasks: [
      t(1, 'deploy', 'success', 'SUCCEEDED', true, '', '2020-09-16T02:38:33.000Z', '2020-09-16T02:40:00.000Z'),
      t(
        2,
        'healthcheck',
        'timeout',
        'FAILED',
        true,
        'readiness probe did not pass within 600s',
        '2020-09-16T02:40:00.000Z',
        '2020-09-16T02:50:00.000Z',
      ),
    ],
  },
  {
    jobId: SIM_IDS.cae.success,
    rawStatus: 'success',
    state: 'SUCCEEDED',
    terminal: true,
    progress: 100,
    message: null,
    createdAt: '2021-07-12T01:22:04.000Z', // 09:22:04+0800
    updatedAt: '2021-07-12T01:36:20.000Z',
    finishedAt: '2021-07-12T01:36:20.000Z',
    tasks: [
      t(1, 'build', 'success', 'SUCCEEDED', true, '', '2021-07-12T01:22:04.000Z', '2021-07-12T01:30:10.000Z'),
      t(2, 'deploy', 'success', 'SUCCEEDED', true, '', '2021-07-12T01:30:10.000Z', '2021-07-12T01:35:55.000Z'),
      t(3, 'healthcheck', 'success', 'SUCCEEDED', true, '', '2021-07-12T01:35:55.000Z', '2021-07-12T01:36:20.000Z'),
      t(4, 'cleanup', 'skip', 'SKIPPED', true, 'nothing to clean', '2021-07-12T01:36:20.000Z', '2021-07-12T01:36:20.000Z'),
    ],
  },
  {
    jobId: SIM_IDS.cae.skip,
    rawStatus: 'skip',
    state: 'SKIPPED',
    terminal: true,
    progress: 100,
    message: null,
    createdAt: '2025-01-20T06:00:00.000Z', // .000001Z
    updatedAt: '2025-01-20T06:00:00.000Z',
    finishedAt: '2025-01-20T06:00:00.000Z',
    tasks: [
      t(1, 'build', 'skip', 'SKIPPED', true, 'image unchanged', '2025-01-20T06:00:00.000Z', '2025-01-20T06:00:00.000Z'),
      t(2, 'deploy', 'skip', 'SKIPPED', true, 'configuration unchanged', null, null),
    ],
  },
  {
    jobId: SIM_IDS.cae.terminating,
    rawStatus: 'terminating',
    state: 'RUNNING',
    terminal: false,
    progress: 40,
    message: null,
    createdAt: '2025-02-11T13:14:15.160Z',
    updatedAt: '2025-02-11T13:20:05.000Z',
    finishedAt: null,
    tasks: [
      t(1, 'deploy', 'terminating', 'RUNNING', false, 'stop requested by user', '2025-02-11T13:14:15.160Z', '2025-02-11T13:20:00.000Z'),
      t(2, 'healthcheck', 'init', 'PENDING', false, '', '2025-02-11T13:14:15.160Z', null),
      t(3, 'cleanup', 'running', 'RUNNING', false, 'removing 2 instances', '2025-02-11T13:20:00.000Z', '2025-02-11T13:20:05.000Z'),
    ],
  },
  {
    jobId: SIM_IDS.cae.terminated,
    rawStatus: 'terminated',
    state: 'CANCELLED',
    terminal: true,
    progress: 40,
    message: null,
    createdAt: '2025-02-12T01:00:00.000Z',
    updatedAt: '2025-02-12T01:07:00.000Z',
    finishedAt: '2025-02-12T01:07:00.000Z',
    tasks: [
      t(1, 'deploy', 'terminated', 'CANCELLED', true, 'stopped by user', '2025-02-12T01:00:00.000Z', '2025-02-12T01:06:30.000Z'),
      t(2, 'cleanup', 'success', 'SUCCEEDED', true, '', '2025-02-12T01:06:30.000Z', '2025-02-12T01:07:00.000Z'),
    ],
  },
];

describe('caeJob (CAE ShowJob)', () => {
  it.each(CAE_EXPECTED.map((e) => [e.rawStatus, e] as const))('%s job, its tasks as subJobs', async (_word, e) => {
    const data = await run<{ caeJob: JobOut }>(
      `query($p: String!, $e: String!, $j: String!) { caeJob(projectId: $p, environmentId: $e, jobId: $j) { ...J ${subJobsSelection(2)} } }`,
      { p: P, e: ENV, j: e.jobId },
    );
    expect(data.caeJob).toEqual({
      __typename: 'CaeJob',
      id: expect.any(String),
      source: 'CAE',
      jobId: e.jobId,
      projectId: P,
      region: REGION,
      type: null,
      state: e.state,
      terminal: e.terminal,
      rawStatus: e.rawStatus,
      message: e.message,
      progress: e.progress,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      finishedAt: e.finishedAt,
      environmentId: ENV,
      enterpriseProjectId: null,
      subJobs: e.tasks.map((task) => ({
        __typename: 'CaeTask',
        id: expect.any(String),
        source: 'CAE',
        jobId: `${e.jobId}#${task.index}`,
        projectId: P,
        region: REGION,
        type: task.name,
        state: task.state,
        terminal: task.terminal,
        rawStatus: task.rawStatus,
        message: task.detail === '' ? null : task.detail,
        progress: null,
        createdAt: task.createdAt,
        updatedAt: task.updatedAt,
        finishedAt: task.terminal ? task.updatedAt : null,
        index: task.index,
        name: task.name,
        detail: task.detail,
        parentJobId: e.jobId,
        environmentId: ENV,
        subJobs: [],
      })),
    });
    expect(pathsOf(gw.sim)).toEqual([`/v1/${P}/cae/jobs/${e.jobId}`]);
    expect(gw.sim.calls[0]!.headers['x-environment-id']).toBe(ENV);
    expect(gw.sim.calls[0]!.headers['x-enterprise-project-id']).toBeUndefined();
  });

  it('sends the enterprise project as X-Enterprise-Project-ID and shows it back', async () => {
    const data = await run<{ caeJob: JobOut }>(
      `{ caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${SIM_IDS.cae.success}", enterpriseProjectId: "0") { jobId state ... on CaeJob { enterpriseProjectId } } }`,
    );
    expect(data.caeJob).toEqual({ jobId: SIM_IDS.cae.success, state: 'SUCCEEDED', enterpriseProjectId: '0' });
    expect(gw.sim.calls).toHaveLength(1);
    expect(gw.sim.calls[0]!.headers['x-enterprise-project-id']).toBe('0');
    expect(gw.sim.calls[0]!.headers['x-environment-id']).toBe(ENV);
  });
});

describe('cfwJob (CFW ListJob)', () => {
  const base = { __typename: 'CfwJob', source: 'CFW', projectId: P, region: REGION, type: null, progress: null, subJobs: [] };
  it.each<[string, Partial<JobOut>]>([
    [
      'doc 003 example (epoch ms)',
      {
        jobId: SIM_IDS.cfw.success,
        state: 'SUCCEEDED',
        rawStatus: 'Success',
        terminal: true,
        message: null,
        errorCode: null,
        createdAt: '2022-01-05T08:15:01.000Z', // 1641370501000
        updatedAt: '2022-01-05T08:15:15.000Z', // 1641370515000
        finishedAt: '2022-01-05T08:15:15.000Z',
      },
    ],
    [
      'running, no end_time',
      {
        jobId: SIM_IDS.cfw.running,
        state: 'RUNNING',
        rawStatus: 'Running',
        terminal: false,
        message: null,
        errorCode: null,
        createdAt: '2025-09-05T10:00:00.123Z', // 1757066400123
        updatedAt: null,
        finishedAt: null,
      },
    ],
    [
      'failed with error_code and error_msg',
      {
        jobId: SIM_IDS.cfw.failed,
        state: 'FAILED',
        rawStatus: 'Failed',
        terminal: true,
        message: 'Instance status error.',
        errorCode: 'CFW.00200016',
        createdAt: '2025-01-15T10:00:00.000Z', // 1736935200000
        updatedAt: '2025-01-15T10:01:07.890Z', // 1736935267890
        finishedAt: '2025-01-15T10:01:07.890Z',
      },
    ],
  ])('%s', async (_name, expected) => {
    const data = await run<{ cfwJob: JobOut }>(`{ cfwJob(projectId: "${P}", jobId: "${expected.jobId}") { ...J subJobs { id } } }`);
    expect(data.cfwJob).toEqual({ ...base, ...expected, id: expect.any(String) });
    expect(pathsOf(gw.sim)).toEqual([`/v3/${P}/jobs/${expected.jobId}`]);
  });
});

describe('dbJob (RDS task center)', () => {
  const base = { __typename: 'DbJob', source: 'DB', projectId: P, region: REGION, subJobs: [] };
  it.each<[string, Partial<JobOut>]>([
    [
      'the RDS API reference example (Completed, +0800)',
      {
        jobId: SIM_IDS.db.completed,
        type: 'CreateMysqlInstance',
        dbName: 'CreateMysqlInstance',
        state: 'SUCCEEDED',
        rawStatus: 'Completed',
        terminal: true,
        message: null,
        progress: null,
        createdAt: '2021-07-12T01:22:04.000Z',
        updatedAt: '2021-07-12T02:10:13.000Z',
        finishedAt: '2021-07-12T02:10:13.000Z',
        instanceId: 'b34f8c791f2643578510c093aa2351a8in01',
        instanceName: 'mysql-c1a3',
      },
    ],
    [
      'Pending',
      {
        jobId: SIM_IDS.db.pending,
        type: 'RestartInstance',
        dbName: 'RestartInstance',
        state: 'PENDING',
        rawStatus: 'Pending',
        terminal: false,
        message: null,
        progress: null,
        createdAt: '2025-01-10T00:00:00.000Z',
        updatedAt: null,
        finishedAt: null,
        instanceId: 'c45a9d8e2f3b4c6d7e8f9a0b1c2d3e4fin01',
        instanceName: 'mysql-pending',
      },
    ],
    [
      'Running at "60%"',
      {
        jobId: SIM_IDS.db.running,
        type: 'ResizeFlavor',
        dbName: 'ResizeFlavor',
        state: 'RUNNING',
        rawStatus: 'Running',
        terminal: false,
        message: null,
        progress: 60,
        createdAt: '2025-01-10T01:30:12.000Z',
        updatedAt: null,
        finishedAt: null,
        instanceId: 'd56b0e9f3a4c5d7e8f9a0b1c2d3e4f5ain01',
        instanceName: 'mysql-resize',
      },
    ],
    [
      'Failed with fail_reason',
      {
        jobId: SIM_IDS.db.failed,
        type: 'CreateMysqlInstance',
        dbName: 'CreateMysqlInstance',
        state: 'FAILED',
        rawStatus: 'Failed',
        terminal: true,
        message: 'Insufficient resources: flavor rds.mysql.x1.large.2 is sold out in cn-north-4a.',
        progress: null,
        createdAt: '2024-12-24T15:50:00.000Z', // 23:50:00+0800
        updatedAt: '2024-12-24T16:05:31.000Z', // next day 00:05:31+0800
        finishedAt: '2024-12-24T16:05:31.000Z',
        instanceId: 'e67c1f0a4b5d6e8f9a0b1c2d3e4f5a6bin01',
        instanceName: 'mysql-failed',
      },
    ],
    [
      'Canceled (TaurusDB)',
      {
        jobId: SIM_IDS.db.canceled,
        type: 'CreateTaurusDBInstance',
        dbName: 'CreateTaurusDBInstance',
        state: 'CANCELLED',
        rawStatus: 'Canceled',
        terminal: true,
        message: null,
        progress: null,
        createdAt: '2018-08-06T10:41:14.000Z',
        updatedAt: '2018-08-06T10:45:00.000Z',
        finishedAt: '2018-08-06T10:45:00.000Z',
        instanceId: 'f78d2a1b5c6e7f9a0b1c2d3e4f5a6b7cin07',
        instanceName: 'taurus-canceled',
      },
    ],
    [
      'Unauthorized (TaurusDB), no ended',
      {
        jobId: SIM_IDS.db.unauthorized,
        type: 'CreateTaurusDBInstance',
        dbName: 'CreateTaurusDBInstance',
        state: 'FAILED',
        rawStatus: 'Unauthorized',
        terminal: true,
        message: 'The account is restricted: the operation is not authorized.',
        progress: null,
        createdAt: '2023-05-04T21:05:05.000Z', // 2023-05-05T05:05:05+0800
        updatedAt: null,
        finishedAt: null,
        instanceId: '089e3b2c6d7f8a0b1c2d3e4f5a6b7c8din07',
        instanceName: 'taurus-unauthorized',
      },
    ],
  ])('%s', async (_name, expected) => {
    const data = await run<{ dbJob: JobOut }>(
      `{ dbJob(projectId: "${P}", jobId: "${expected.jobId}") { ...J dbName: name subJobs { id } } }`,
    );
    expect(data.dbJob).toEqual({ ...base, ...expected, id: expect.any(String) });
    expect(pathsOf(gw.sim)).toEqual([`/v3/${P}/jobs?id=${expected.jobId}`]);
  });
});

/**
 * Reads every job in `jobs` back by id in fresh requests (20 ids a request, within the gateway's
 * alias and cost limits), through job(id:) (one alias each) and through jobs(ids:), and expects
 * the very same job both ways. Returns every upstream call those requests made.
 */
async function roundTrip(jobs: JobOut[]): Promise<string[]> {
  const byId = new Map(jobs.map((j) => [j.id, withoutSubJobs(j)]));
  const ids = [...byId.keys()];
  const paths: string[] = [];
  for (let start = 0; start < ids.length; start += 20) {
    const chunk = ids.slice(start, start + 20);
    const aliases = chunk.map((_, i) => `j${i}: job(id: $i${i}) { ...J }`).join('\n');
    const params = chunk.map((_, i) => `$i${i}: ID!`).join(', ');
    const variables: Record<string, unknown> = { ids: chunk };
    for (const [i, id] of chunk.entries()) variables[`i${i}`] = id;
    const data = await run<Record<string, JobOut> & { jobs: JobOut[] }>(
      `query(${params}, $ids: [ID!]!) { ${aliases} jobs(ids: $ids) { ...J } }`,
      variables,
    );
    chunk.forEach((id, i) => {
      expect(data[`j${i}`], `job(id:) for ${byId.get(id)?.jobId}`).toEqual(byId.get(id));
    });
    expect(data.jobs).toEqual(chunk.map((id) => byId.get(id)));
    paths.push(...pathsOf(gw.sim));
  }
  return paths;
}

describe('job(id:) and jobs(ids:) accept every id the API returns', () => {
  it('ids from cceJob, its sub-jobs at every depth, caeJob and its tasks, cfwJob and dbJob', async () => {
    const cceUids = [CCE.docV3, CCE.docV2, CCE.initializing, CCE.success, CCE.failed, CCE.unknownPhase, CCE.noTimestamps, CCE.deepTree];
    const cceAliases = cceUids.map((uid, i) => `c${i}: cceJob(projectId: "${P}", jobId: "${uid}") { ...J ${subJobsSelection(6)} }`);
    const caeAliases = [SIM_IDS.cae.doc, SIM_IDS.cae.failed, SIM_IDS.cae.success].map(
      (j, i) => `a${i}: caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${j}") { ...J ${subJobsSelection(1)} }`,
    );
    const cfwAliases = Object.values(SIM_IDS.cfw).map((j, i) => `f${i}: cfwJob(projectId: "${P}", jobId: "${j}") { ...J }`);
    const dbAliases = [SIM_IDS.db.completed, SIM_IDS.db.running, SIM_IDS.db.unauthorized].map(
      (j, i) => `d${i}: dbJob(projectId: "${P}", jobId: "${j}") { ...J }`,
    );
    const jobs: JobOut[] = [];
    for (const aliases of [cceAliases.slice(0, 4), cceAliases.slice(4), [...caeAliases, ...cfwAliases, ...dbAliases]]) {
      collectJobs(await run<Record<string, JobOut>>(`{ ${aliases.join('\n')} }`), jobs);
    }
    // 8 CCE roots + 2 + 2 + 9 sub-jobs; 3 CAE jobs + 1 + 3 + 4 tasks; 3 CFW (one id twice); 3 DB
    expect(new Set(jobs.filter((j) => j.__typename === 'CceJob').map((j) => j.jobId)).size).toBe(21);
    expect(jobs.filter((j) => j.__typename === 'CaeTask').map((j) => j.jobId)).toEqual([
      `${SIM_IDS.cae.doc}#1`,
      `${SIM_IDS.cae.failed}#1`,
      `${SIM_IDS.cae.failed}#2`,
      `${SIM_IDS.cae.failed}#3`,
      `${SIM_IDS.cae.success}#1`,
      `${SIM_IDS.cae.success}#2`,
      `${SIM_IDS.cae.success}#3`,
      `${SIM_IDS.cae.success}#4`,
    ]);
    const paths = await roundTrip(jobs);
    // cceJob ids are v3 ids: refetched from the v3 detail route only.
    const ccePaths = paths.filter((p) => p.startsWith('/api/'));
    expect(ccePaths.length).toBeGreaterThan(0);
    expect(ccePaths.filter((p) => !p.startsWith(`/api/v3/projects/${P}/jobs/`))).toEqual([]);
  });

  it('ids from cceJobs (v2 list) are refetched from the v2 detail route', async () => {
    const first = await run<{ cceJobs: JobOut[] }>(`{ cceJobs(projectId: "${P}") { ...J ${subJobsSelection(6)} } }`);
    const jobs = collectJobs(first);
    expect(jobs.every((j) => j.apiVersion === 'v2')).toBe(true);
    const paths = await roundTrip(jobs);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !p.startsWith(`/api/v2/projects/${P}/jobs/`))).toEqual([]);
    // Every top-level entry came back from its own v2 detail.
    for (const uid of [CCE.docV2, CCE.success, CCE.deepTree]) expect(paths).toContain(cceV2Path(uid));
  });

  it('a job from cceJobs refetched by id reads /api/v2/.../jobs/{uid}, one from cceJob reads /api/v3', async () => {
    const list = await run<{ cceJobs: JobOut[]; cceJob: JobOut }>(
      `{ cceJobs(projectId: "${P}") { id jobId } cceJob(projectId: "${P}", jobId: "${CCE.running}") { id jobId } }`,
    );
    const fromList = list.cceJobs.find((j) => j.jobId === CCE.running)!;
    expect(fromList.id).not.toBe(list.cceJob.id);

    const v2 = await run<{ job: JobOut }>(`query($id: ID!) { job(id: $id) { jobId ... on CceJob { apiVersion } } }`, { id: fromList.id });
    expect(v2.job).toEqual({ jobId: CCE.running, apiVersion: 'v2' });
    expect(pathsOf(gw.sim)).toEqual([cceV2Path(CCE.running)]);

    const v3 = await run<{ job: JobOut }>(`query($id: ID!) { job(id: $id) { jobId ... on CceJob { apiVersion } } }`, {
      id: list.cceJob.id,
    });
    expect(v3.job).toEqual({ jobId: CCE.running, apiVersion: 'v3' });
    expect(pathsOf(gw.sim)).toEqual([cceV3Path(CCE.running)]);
  });
});
