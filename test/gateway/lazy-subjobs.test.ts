/**
 * subJobs are resolved only when selected, embedded sub-jobs cost no upstream call at any depth,
 * and what an embedded copy lacks is read from the sub-job's own record once per request; when
 * that read fails, only the fields that needed it fail.
 */
import type { ServerResponse } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import { SIM_CCE_JOBS, renderCceV2 } from '../../src/simulator/cce-data.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID, type SimCall } from '../../src/simulator/server.js';
import { useSharedSimulatedGateway, type GraphQLResponse } from '../support/gateway.js';
import { callsTo, errorAt, pathsOf, reply, subJobsSelection, uniqueToken, upstreamOf, withJ, type JobOut } from './helpers.js';

const P = SIM_PROJECT_ID;
const CCE = SIM_IDS.cce;
const v3 = (uid: string): string => `/api/v3/projects/${P}/jobs/${uid}`;
const v2 = (uid: string): string => `/api/v2/projects/${P}/jobs/${uid}`;
const LIST = `/api/v2/projects/${P}/jobs`;

const shared = useSharedSimulatedGateway();

// Each request gets a fresh token (no cross-request sharing), unless a test acts as one client.
let clientToken: string | undefined;
beforeEach(() => {
  clientToken = undefined;
});

/** One request with a fresh token (or the current client's); the call log is reset first. */
async function ask<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  shared.gw.sim.resetCalls();
  const res = await shared.gw.query<T>(withJ(query), { token: clientToken ?? uniqueToken('lazy'), variables });
  expect(res.status).toBe(200);
  return res;
}

async function data<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await ask<T>(query, variables);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

/** Global ids for CCE uids, as cceJob hands them out (read in a request of their own). */
async function idsOf(parentUid: string, depth: number): Promise<Map<string, string>> {
  const d = await data<{ cceJob: JobOut }>(
    `{ cceJob(projectId: "${P}", jobId: "${parentUid}") { id jobId ${subJobsSelection(depth, 'id jobId')} } }`,
  );
  const ids = new Map<string, string>();
  const walk = (j: JobOut): void => {
    ids.set(j.jobId, j.id);
    for (const s of j.subJobs ?? []) walk(s);
  };
  walk(d.cceJob);
  return ids;
}

// Fields an embedded sub-job always has: selecting them never needs the sub-job's own record.
const EMBEDDED_FIELDS =
  'id jobId type state rawStatus terminal message ... on CceJob { apiVersion clusterId resourceId extendParams { key value } }';

describe('sub-jobs embedded in the payload cost no upstream call', () => {
  it('the deep tree, subJobs selected 6 levels down (past the deepest leaf): one call', async () => {
    const d = await data<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { ${EMBEDDED_FIELDS} ${subJobsSelection(6, EMBEDDED_FIELDS)} } }`,
    );
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.deepTree)]);
    const branch: JobOut[] = [d.cceJob];
    for (let level = 1; level <= 5; level++) branch.push(branch.at(-1)!.subJobs!.at(-1)!);
    expect(branch.map((j) => j.jobId)).toEqual(CCE.deepBranch);
    expect(branch.map((j) => j.type)).toEqual([
      'ScaleupCluster',
      'CreateNode',
      'InstallNode',
      'InstallKubelet',
      'PullImage',
      'VerifyImageSignature',
    ]);
    // Embedded without apiVersion: every level inherits the root's.
    expect(branch.every((j) => j.apiVersion === 'v3')).toBe(true);
    // The deepest leaf has none, and says so without asking the upstream.
    expect(branch.at(-1)!.subJobs).toEqual([]);
    // Branch A: CreateNode → GetPSMCert, InstallNode, both leaves.
    const nodeA = d.cceJob.subJobs![0]!;
    expect(nodeA.subJobs!.map((s) => [s.jobId, s.type, s.state, s.subJobs])).toEqual([
      [CCE.deepPsmCertA, 'GetPSMCert', 'SUCCEEDED', []],
      [CCE.deepInstallNodeA, 'InstallNode', 'SUCCEEDED', []],
    ]);
  });

  it('the doc 004 example: its leaf sub-jobs answer subJobs [] without a call', async () => {
    const d = await data<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.docV3}") { jobId ${subJobsSelection(3, 'jobId type')} } }`,
    );
    expect(d.cceJob.subJobs).toEqual([
      { jobId: CCE.docV3InstallMaster, type: 'InstallMaster', subJobs: [] },
      { jobId: CCE.docV3CreatePSMCert, type: 'CreatePSMCert', subJobs: [] },
    ]);
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.docV3)]);
  });

  it('a v2 list entry that carries its sub-jobs: the list call only', async () => {
    const d = await data<{ cceJobs: JobOut[] }>(`{ cceJobs(projectId: "${P}") { jobId } }`);
    expect(d.cceJobs).toHaveLength(51);
    expect(pathsOf(shared.gw.sim)).toEqual([LIST]);
  });

  it("CAE tasks are the job's subJobs, from the one CAE call; tasks, CFW and DB jobs have none", async () => {
    const d = await data<{ caeJob: JobOut; cfwJob: JobOut; dbJob: JobOut }>(`{
      caeJob(projectId: "${P}", environmentId: "${SIM_CAE_ENVIRONMENT_ID}", jobId: "${SIM_IDS.cae.success}") { jobId ${subJobsSelection(3, 'jobId state')} }
      cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { jobId subJobs { jobId } }
      dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.completed}") { jobId subJobs { jobId } }
    }`);
    expect(d.caeJob.subJobs!.map((t) => [t.jobId, t.state, t.subJobs])).toEqual([
      [`${SIM_IDS.cae.success}#1`, 'SUCCEEDED', []],
      [`${SIM_IDS.cae.success}#2`, 'SUCCEEDED', []],
      [`${SIM_IDS.cae.success}#3`, 'SUCCEEDED', []],
      [`${SIM_IDS.cae.success}#4`, 'SKIPPED', []],
    ]);
    expect(d.cfwJob.subJobs).toEqual([]);
    expect(d.dbJob.subJobs).toEqual([]);
    expect(shared.gw.sim.calls.map((c) => c.service).sort()).toEqual(['CAE', 'CFW', 'DB']);
  });
});

describe('subJobs only when selected', () => {
  it('a query without subJobs makes one call and shows no subJobs', async () => {
    const d = await data<{ cceJob: Record<string, unknown> }>(`{ cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { ...J } }`);
    expect(d.cceJob).not.toHaveProperty('subJobs');
    expect(d.cceJob.jobId).toBe(CCE.deepTree);
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.deepTree)]);
  });

  it('selecting subJobs only 1 level deep on a tree with bare sub-jobs still costs one call', async () => {
    const d = await data<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.failed}") { jobId subJobs { jobId type state } } }`,
    );
    expect(d.cceJob.subJobs).toEqual([
      { jobId: CCE.failedPsmCert, type: 'GetPSMCert', state: 'SUCCEEDED' },
      { jobId: CCE.failedCreateServer, type: 'CreateServer', state: 'FAILED' },
    ]);
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.failed)]);
  });
});

describe('job(id:) for a sub-job in the same request as its parent', () => {
  it('costs no extra call, whichever root field comes first, at any depth', async () => {
    // The ids come from an earlier response of this gateway to the same client (same token), as a client's would.
    clientToken = uniqueToken('client');
    const ids = await idsOf(CCE.deepTree, 6);
    const root = ids.get(CCE.deepTree)!;
    const nodeB = ids.get(CCE.deepCreateNodeB)!;
    const leaf = ids.get(CCE.deepLeaf)!;
    const fields = 'id jobId type state ... on CceJob { apiVersion }';

    const parentFirst = await data<{ parent: JobOut; sub: JobOut; leaf: JobOut }>(
      `query($sub: ID!, $leaf: ID!) {
        parent: cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { ${fields} ${subJobsSelection(5, fields)} }
        sub: job(id: $sub) { ${fields} }
        leaf: job(id: $leaf) { ${fields} }
      }`,
      { sub: nodeB, leaf },
    );
    expect(parentFirst.sub).toEqual({ id: nodeB, jobId: CCE.deepCreateNodeB, type: 'CreateNode', state: 'RUNNING', apiVersion: 'v3' });
    expect(parentFirst.leaf).toEqual({ id: leaf, jobId: CCE.deepLeaf, type: 'VerifyImageSignature', state: 'PENDING', apiVersion: 'v3' });
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.deepTree)]);

    const subFirst = await data<{ jobs: JobOut[]; parent: JobOut }>(
      `query($ids: [ID!]!) {
        jobs(ids: $ids) { ${fields} }
        parent: cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { jobId }
      }`,
      { ids: [leaf, nodeB] },
    );
    expect(subFirst.jobs.map((j) => j.jobId)).toEqual([CCE.deepLeaf, CCE.deepCreateNodeB]);
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.deepTree)]);

    const together = await data<{ jobs: JobOut[] }>(`query($ids: [ID!]!) { jobs(ids: $ids) { ${fields} } }`, { ids: [nodeB, root, leaf] });
    expect(together.jobs.map((j) => j.id)).toEqual([nodeB, root, leaf]);
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.deepTree)]);
  });

  it('without its parent in the request, a sub-job is read from its own record, with the same id', async () => {
    const ids = await idsOf(CCE.failed, 1);
    const psm = ids.get(CCE.failedPsmCert)!;
    const d = await data<{ job: JobOut }>(`query($id: ID!) { job(id: $id) { id jobId type createdAt } }`, { id: psm });
    expect(d.job).toEqual({ id: psm, jobId: CCE.failedPsmCert, type: 'GetPSMCert', createdAt: '2024-05-10T12:00:00.200Z' });
    expect(pathsOf(shared.gw.sim)).toEqual([v3(CCE.failedPsmCert)]);
  });
});

describe('an embedded CCE sub-job without timestamps', () => {
  it('is read by its uid when createdAt is selected: once per request, however often it is selected', async () => {
    const ids = await idsOf(CCE.failed, 1);
    const d = await data<{ a: JobOut; b: JobOut; again: JobOut }>(
      `query($psm: ID!) {
        a: cceJob(projectId: "${P}", jobId: "${CCE.failed}") { subJobs { jobId createdAt createdAgain: createdAt updatedAt finishedAt } }
        b: cceJob(projectId: "${P}", jobId: "${CCE.failed}") { subJobs { jobId createdAt } }
        again: job(id: $psm) { createdAt updatedAt }
      }`,
      { psm: ids.get(CCE.failedPsmCert) },
    );
    expect(d.a.subJobs).toEqual([
      {
        jobId: CCE.failedPsmCert,
        createdAt: '2024-05-10T12:00:00.200Z',
        createdAgain: '2024-05-10T12:00:00.200Z',
        updatedAt: '2024-05-10T12:00:05.800Z',
        finishedAt: '2024-05-10T12:00:05.800Z',
      },
      {
        jobId: CCE.failedCreateServer,
        createdAt: '2024-05-10T12:00:06.000Z',
        createdAgain: '2024-05-10T12:00:06.000Z',
        updatedAt: '2024-05-10T12:03:10.123Z',
        finishedAt: '2024-05-10T12:03:10.123Z',
      },
    ]);
    expect(d.b.subJobs!.map((s) => s.createdAt)).toEqual(['2024-05-10T12:00:00.200Z', '2024-05-10T12:00:06.000Z']);
    expect(d.again).toEqual({ createdAt: '2024-05-10T12:00:00.200Z', updatedAt: '2024-05-10T12:00:05.800Z' });
    expect(callsTo(shared.gw.sim, v3(CCE.failed))).toBe(1);
    expect(callsTo(shared.gw.sim, v3(CCE.failedPsmCert))).toBe(1);
    expect(callsTo(shared.gw.sim, v3(CCE.failedCreateServer))).toBe(1);
    expect(shared.gw.sim.calls).toHaveLength(3);
  });

  it('needs no read for finishedAt while it is still running (it cannot have finished)', async () => {
    const d = await data<{ cceJob: JobOut }>(
      `{ cceJob(projectId: "${P}", jobId: "${CCE.deepTree}") { subJobs { jobId subJobs { jobId finishedAt } } } }`,
    );
    const nodeB = d.cceJob.subJobs![1]!;
    expect(nodeB.jobId).toBe(CCE.deepCreateNodeB);
    // GetPSMCert (bare, Success) needs its own record for finishedAt; InstallNode (bare, Running) does not.
    expect(nodeB.subJobs).toEqual([
      { jobId: CCE.deepPsmCertB, finishedAt: '2025-10-01T09:02:20.000Z' },
      { jobId: CCE.deepInstallNodeB, finishedAt: null },
    ]);
    expect(callsTo(shared.gw.sim, v3(CCE.deepPsmCertB))).toBe(1);
    expect(callsTo(shared.gw.sim, v3(CCE.deepInstallNodeB))).toBe(0);
  });

  it.each([
    [500, 'UPSTREAM_UNAVAILABLE', 'CCE.01500001'],
    [404, 'NOT_FOUND', 'CCE.01404001'],
  ] as const)(
    'when its own record fails (%i), only its createdAt/updatedAt are null, with an error at each',
    async (status, code, errorCode) => {
      shared.hook = (call, res) =>
        call.path === v3(CCE.failedPsmCert) &&
        reply(res, status, JSON.stringify({ errorCode, errorMessage: 'injected' }), { 'X-Request-Id': `req-psm-${status}` });
      const res = await ask<{ cceJob: JobOut }>(
        `{ cceJob(projectId: "${P}", jobId: "${CCE.failed}") {
            jobId state
            subJobs { jobId type state rawStatus message ... on CceJob { apiVersion resourceId } createdAt updatedAt }
        } }`,
      );
      expect(res.data!.cceJob).toEqual({
        jobId: CCE.failed,
        state: 'FAILED',
        subJobs: [
          {
            jobId: CCE.failedPsmCert,
            type: 'GetPSMCert',
            state: 'SUCCEEDED',
            rawStatus: 'Success',
            message: null,
            apiVersion: 'v3',
            resourceId: null,
            createdAt: null,
            updatedAt: null,
          },
          {
            jobId: CCE.failedCreateServer,
            type: 'CreateServer',
            state: 'FAILED',
            rawStatus: 'Failed',
            message: 'ECS.0005: insufficient capacity',
            apiVersion: 'v3',
            resourceId: 'd4e0c2f6-9a44-11f0-8d2e-0255ac100034',
            createdAt: '2024-05-10T12:00:06.000Z',
            updatedAt: '2024-05-10T12:03:10.123Z',
          },
        ],
      });
      expect(res.errors).toHaveLength(2);
      for (const field of ['createdAt', 'updatedAt']) {
        const error = errorAt(res.errors, ['cceJob', 'subJobs', 0, field]);
        expect(error.extensions?.code).toBe(code);
        expect(upstreamOf(error)).toEqual({ service: 'CCE', status, errorCode, requestId: `req-psm-${status}` });
      }
      expect(callsTo(shared.gw.sim, v3(CCE.failedPsmCert))).toBe(1);
      expect(callsTo(shared.gw.sim, v3(CCE.failedCreateServer))).toBe(1);
    },
  );
});

describe('cceJobs entries that come without subjobs', () => {
  /** The v2 list with these entries only, their `subjobs` stripped (as ListJobs may send them). */
  function strippedList(uids: string[]): (call: SimCall, res: ServerResponse) => boolean {
    const body = uids.map((uid) => {
      const entry = renderCceV2(SIM_CCE_JOBS.get(uid)!);
      const spec = entry.spec as Record<string, unknown>;
      delete spec.subjobs;
      return entry;
    });
    return (call, res) => call.path === LIST && reply(res, 200, JSON.stringify(body));
  }

  it('get their subJobs from the v2 detail, only when selected, once each', async () => {
    shared.hook = strippedList([CCE.docV3, CCE.docV2, CCE.deepTree]);
    const without = await data<{ cceJobs: JobOut[] }>(`{ cceJobs(projectId: "${P}") { jobId type } }`);
    expect(without.cceJobs.map((j) => j.jobId)).toEqual([CCE.docV3, CCE.docV2, CCE.deepTree]);
    expect(pathsOf(shared.gw.sim)).toEqual([LIST]);

    const d = await data<{ cceJobs: JobOut[] }>(
      `{ cceJobs(projectId: "${P}") { jobId ${subJobsSelection(3, 'jobId type ... on CceJob { apiVersion }')} } }`,
    );
    const [docV3, docV2, deep] = d.cceJobs;
    expect(docV3!.subJobs).toEqual([
      { jobId: CCE.docV3InstallMaster, type: 'InstallMaster', apiVersion: 'v2', subJobs: [] },
      { jobId: CCE.docV3CreatePSMCert, type: 'CreatePSMCert', apiVersion: 'v2', subJobs: [] },
    ]);
    expect(docV2!.subJobs).toEqual([]);
    expect(deep!.subJobs!.map((s) => s.jobId)).toEqual([CCE.deepCreateNodeA, CCE.deepCreateNodeB]);
    expect(deep!.subJobs![1]!.subJobs!.map((s) => s.type)).toEqual(['GetPSMCert', 'InstallNode']);
    // One detail read per entry, from v2 (the API the entry came from); what those details embed costs nothing more.
    expect(pathsOf(shared.gw.sim).sort()).toEqual([LIST, v2(CCE.docV3), v2(CCE.docV2), v2(CCE.deepTree)].sort());
  });

  it("a failed detail read nulls only that entry's subJobs", async () => {
    const list = strippedList([CCE.docV3, CCE.docV2]);
    shared.hook = (call, res) => list(call, res) || (call.path === v2(CCE.docV3) && reply(res, 503, '{"errorCode":"CCE.01500001"}'));
    const res = await ask<{ cceJobs: JobOut[] }>(`{ cceJobs(projectId: "${P}") { jobId type subJobs { jobId } } }`);
    expect(res.data!.cceJobs).toEqual([
      { jobId: CCE.docV3, type: 'CreateCluster', subJobs: null },
      { jobId: CCE.docV2, type: 'ScaleupCluster', subJobs: [] },
    ]);
    expect(res.errors).toHaveLength(1);
    expect(errorAt(res.errors, ['cceJobs', 0, 'subJobs']).extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
