/**
 * Batching and de-duplication as the upstreams see them: one call per distinct job per request, all
 * of a request's calls in one concurrent wave, never shared between callers, and every answer
 * matched to the job it is about (by id, not by position).
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SIM_CCE_JOBS, renderCceV3 } from '../../src/simulator/cce-data.js';
import { SIM_CFW_JOBS, renderCfw } from '../../src/simulator/cfw-data.js';
import { SIM_DB_JOBS, renderDb } from '../../src/simulator/db-data.js';
import { SIM_BULK_CCE_IDS, SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID, type SimCall } from '../../src/simulator/server.js';
import { callsBy, useSharedSimulatedGateway, type GraphQLResponse } from '../support/gateway.js';
import { errorAt, pathsOf, reply, responseGate, uniqueToken, upstreamOf, withJ, type JobOut } from './helpers.js';

const P = SIM_PROJECT_ID;
const ENV = SIM_CAE_ENVIRONMENT_ID;

const shared = useSharedSimulatedGateway();

async function ask<T>(query: string, variables?: Record<string, unknown>, token = uniqueToken('batch')): Promise<GraphQLResponse<T>> {
  const res = await shared.gw.query<T>(withJ(query), { token, variables });
  expect(res.status).toBe(200);
  return res;
}

async function data<T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
  const res = await ask<T>(query, variables, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data as T;
}

/** Global ids, as the root fields hand them out, keyed by upstream job id (read in a request of their own). */
async function globalIds(fields: string[]): Promise<Map<string, string>> {
  const d = await data<Record<string, JobOut>>(`{ ${fields.map((f, i) => `x${i}: ${f} { id jobId }`).join('\n')} }`);
  const ids = new Map(Object.values(d).map((j) => [j.jobId, j.id]));
  shared.gw.sim.resetCalls();
  return ids;
}

const cceField = (uid: string): string => `cceJob(projectId: "${P}", jobId: "${uid}")`;
const caeField = (id: string): string => `caeJob(projectId: "${P}", environmentId: "${ENV}", jobId: "${id}")`;
const cfwField = (id: string): string => `cfwJob(projectId: "${P}", jobId: "${id}")`;
const dbField = (id: string): string => `dbJob(projectId: "${P}", jobId: "${id}")`;

// What the simulator's generated bulk job i looks like (see the seed): phase and type cycle with i.
const BULK_STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED'];
const BULK_TYPES = ['CreateNode', 'DeleteNode', 'UpgradeCluster', 'CreateCluster', 'ScaleupCluster', 'InstallAddon'];

describe('jobs(ids:) with 20 CCE ids of which 5 repeat', () => {
  // 15 distinct bulk jobs; 0, 3, 7, 9 and 14 are asked twice, interleaved.
  const ORDER = [0, 1, 2, 3, 0, 4, 5, 6, 7, 3, 8, 9, 10, 11, 7, 12, 13, 14, 9, 14];

  it('makes exactly 15 upstream calls, all open at once, and answers in the order asked', async () => {
    expect(ORDER).toHaveLength(20);
    expect(new Set(ORDER).size).toBe(15);
    const uids = ORDER.map((i) => SIM_BULK_CCE_IDS[i]!);
    const ids = await globalIds([...new Set(uids)].map(cceField));

    const gate = responseGate(15);
    shared.hook = gate.intercept;
    const d = await data<{ jobs: JobOut[] }>(
      `query($ids: [ID!]!) { jobs(ids: $ids) { id jobId type state ... on CceJob { resourceName } } }`,
      {
        ids: uids.map((u) => ids.get(u)),
      },
    );

    expect(callsBy(shared.gw.sim, 'CCE')).toBe(15);
    expect(shared.gw.sim.calls).toHaveLength(15);
    expect(new Set(pathsOf(shared.gw.sim))).toEqual(new Set([...new Set(uids)].map((u) => `/api/v3/projects/${P}/jobs/${u}`)));
    // One wave: every call was open before the first was answered.
    expect(gate.maxOpen).toBe(15);

    expect(d.jobs.map((j) => j.jobId)).toEqual(uids);
    expect(d.jobs.map((j) => j.id)).toEqual(uids.map((u) => ids.get(u)));
    expect(d.jobs).toEqual(
      ORDER.map((i) => ({
        id: ids.get(SIM_BULK_CCE_IDS[i]!),
        jobId: SIM_BULK_CCE_IDS[i],
        type: BULK_TYPES[i % 6],
        state: BULK_STATES[i % 4],
        resourceName: `bulk-node-${String(i).padStart(2, '0')}`,
      })),
    );
  });

  it('100 copies of one id are one call; 101 ids are refused', async () => {
    const ids = await globalIds([cceField(SIM_BULK_CCE_IDS[5]!)]);
    const id = ids.get(SIM_BULK_CCE_IDS[5]!)!;
    const d = await data<{ jobs: JobOut[] }>(`query($ids: [ID!]!) { jobs(ids: $ids) { jobId } }`, { ids: Array(100).fill(id) });
    expect(d.jobs).toHaveLength(100);
    expect(new Set(d.jobs.map((j) => j.jobId))).toEqual(new Set([SIM_BULK_CCE_IDS[5]]));
    expect(shared.gw.sim.calls).toHaveLength(1);
  });
});

describe('ids across all four upstreams in one query', () => {
  it('fire in one wave: every call is open before any is answered', async () => {
    const cce = SIM_BULK_CCE_IDS.slice(20, 24);
    const cae = [SIM_IDS.cae.doc, SIM_IDS.cae.running, SIM_IDS.cae.failed, SIM_IDS.cae.success];
    const cfw = [SIM_IDS.cfw.success, SIM_IDS.cfw.running, SIM_IDS.cfw.failed];
    const db = [SIM_IDS.db.completed, SIM_IDS.db.pending, SIM_IDS.db.running, SIM_IDS.db.failed];
    const ids = await globalIds([...cce.map(cceField), ...cae.map(caeField), ...cfw.map(cfwField), ...db.map(dbField)]);
    // Interleaved, so no upstream's ids sit together.
    const asked = [cce[0], cae[0], cfw[0], db[0], cce[1], cae[1], cfw[1], db[1], cce[2], cae[2], cfw[2], db[2], cce[3], cae[3], db[3]].map(
      (j) => j!,
    );

    const gate = responseGate(15);
    shared.hook = gate.intercept;
    const d = await data<{ jobs: JobOut[] }>(`query($ids: [ID!]!) { jobs(ids: $ids) { __typename jobId state } }`, {
      ids: asked.map((j) => ids.get(j)),
    });

    expect(gate.maxOpen).toBe(15);
    expect({
      CCE: callsBy(shared.gw.sim, 'CCE'),
      CAE: callsBy(shared.gw.sim, 'CAE'),
      CFW: callsBy(shared.gw.sim, 'CFW'),
      DB: callsBy(shared.gw.sim, 'DB'),
    }).toEqual({
      CCE: 4,
      CAE: 4,
      CFW: 3,
      DB: 4,
    });
    expect(d.jobs.map((j) => j.jobId)).toEqual(asked);
    expect(d.jobs.map((j) => j.__typename)).toEqual([
      ...['CceJob', 'CaeJob', 'CfwJob', 'DbJob'],
      ...['CceJob', 'CaeJob', 'CfwJob', 'DbJob'],
      ...['CceJob', 'CaeJob', 'CfwJob', 'DbJob'],
      ...['CceJob', 'CaeJob', 'DbJob'],
    ]);
    expect(d.jobs.slice(1, 4).map((j) => j.state)).toEqual(['RUNNING', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('root fields of all four upstreams in one query also share one wave', async () => {
    const gate = responseGate(4);
    shared.hook = gate.intercept;
    const d = await data<Record<string, JobOut>>(`{
      a: ${cceField(SIM_IDS.cce.running)} { state }
      b: ${caeField(SIM_IDS.cae.running)} { state }
      c: ${cfwField(SIM_IDS.cfw.running)} { state }
      d: ${dbField(SIM_IDS.db.running)} { state }
    }`);
    expect(gate.maxOpen).toBe(4);
    expect(Object.values(d).map((j) => j.state)).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
  });
});

describe('the same job asked twice in one query', () => {
  it('through aliases of each root field, job(id:) and jobs(ids:): one call per job', async () => {
    const ids = await globalIds([cceField(SIM_IDS.cce.running), cfwField(SIM_IDS.cfw.running)]);
    const cceId = ids.get(SIM_IDS.cce.running)!;
    const d = await data<Record<string, JobOut | JobOut[]>>(
      `query($cce: ID!, $cfw: ID!) {
        a: ${cceField(SIM_IDS.cce.running)} { jobId state }
        b: ${cceField(SIM_IDS.cce.running)} { jobId type }
        c: job(id: $cce) { jobId }
        d: jobs(ids: [$cce, $cce, $cfw]) { jobId }
        e: ${caeField(SIM_IDS.cae.running)} { jobId }
        f: ${caeField(SIM_IDS.cae.running)} { progress }
        g: ${cfwField(SIM_IDS.cfw.running)} { jobId }
        h: ${dbField(SIM_IDS.db.running)} { jobId }
        i: ${dbField(SIM_IDS.db.running)} { progress }
      }`,
      { cce: cceId, cfw: ids.get(SIM_IDS.cfw.running) },
    );
    expect(d.a).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });
    expect(d.b).toEqual({ jobId: SIM_IDS.cce.running, type: 'UpgradeCluster' });
    expect(d.c).toEqual({ jobId: SIM_IDS.cce.running });
    expect(d.d).toEqual([{ jobId: SIM_IDS.cce.running }, { jobId: SIM_IDS.cce.running }, { jobId: SIM_IDS.cfw.running }]);
    expect(d.f).toEqual({ progress: 50 });
    expect(d.i).toEqual({ progress: 60 });
    expect({
      CCE: callsBy(shared.gw.sim, 'CCE'),
      CAE: callsBy(shared.gw.sim, 'CAE'),
      CFW: callsBy(shared.gw.sim, 'CFW'),
      DB: callsBy(shared.gw.sim, 'DB'),
    }).toEqual({
      CCE: 1,
      CAE: 1,
      CFW: 1,
      DB: 1,
    });
  });
});

describe('callers never share upstream calls', () => {
  const RUNNING = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`;

  it('two tokens in two concurrent requests for the same job: two calls, each with its own token', async () => {
    const gate = responseGate(2, 1500);
    shared.hook = gate.intercept;
    const [a, b] = await Promise.all([
      data<{ cceJob: JobOut }>(`{ ${cceField(SIM_IDS.cce.running)} { jobId state } }`, undefined, 'caller-a-token'),
      data<{ cceJob: JobOut }>(`{ ${cceField(SIM_IDS.cce.running)} { jobId state } }`, undefined, 'caller-b-token'),
    ]);
    expect(a.cceJob).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });
    expect(b.cceJob).toEqual(a.cceJob);
    expect(gate.maxOpen).toBe(2);
    expect(pathsOf(shared.gw.sim)).toEqual([RUNNING, RUNNING]);
    expect(shared.gw.sim.calls.map((c) => c.headers['x-auth-token']).sort()).toEqual(['caller-a-token', 'caller-b-token']);
  });

  it('a finished job read by one token is read again, upstream, for another token', async () => {
    const path = `/v3/${P}/jobs/${SIM_IDS.cfw.success}`;
    const first = uniqueToken('first');
    const second = uniqueToken('second');
    for (const token of [first, first, second]) {
      const d = await data<{ cfwJob: JobOut }>(`{ ${cfwField(SIM_IDS.cfw.success)} { jobId state } }`, undefined, token);
      expect(d.cfwJob).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
    }
    const tokensSeen = shared.gw.sim.calls.filter((c) => c.path === path).map((c) => c.headers['x-auth-token']);
    expect(tokensSeen).toContain(first);
    expect(tokensSeen).toContain(second);
  });
});

describe('answers are matched to jobs by id, never by position', () => {
  /** Answers the route of job `asked` with the payload of job `other`. */
  const swap = (path: string, body: unknown) => (call: SimCall, res: ServerResponse) =>
    `${call.path}${call.query ? `?${call.query}` : ''}` === path && reply(res, 200, JSON.stringify(body));

  it.each([
    [
      'CCE',
      SIM_BULK_CCE_IDS[30]!,
      SIM_BULK_CCE_IDS[31]!,
      cceField,
      (asked: string, other: string) => swap(`/api/v3/projects/${P}/jobs/${asked}`, renderCceV3(SIM_CCE_JOBS.get(other)!)),
    ],
    [
      'CFW',
      SIM_IDS.cfw.running,
      SIM_IDS.cfw.failed,
      cfwField,
      (asked: string, other: string) => swap(`/v3/${P}/jobs/${asked}`, renderCfw(SIM_CFW_JOBS.get(other)!)),
    ],
    [
      'DB',
      SIM_IDS.db.pending,
      SIM_IDS.db.failed,
      dbField,
      (asked: string, other: string) => swap(`/v3/${P}/jobs?id=${asked}`, renderDb(SIM_DB_JOBS.get(other)!)),
    ],
  ] as const)(
    '%s: a payload about another job is an UPSTREAM_ERROR for that entry only',
    async (service, asked, other, field, makeHook) => {
      const ids = await globalIds([field(asked), field(other)]);
      shared.hook = makeHook(asked, other);
      const res = await ask<{ jobs: (JobOut | null)[]; direct: JobOut | null }>(
        `query($ids: [ID!]!) { jobs(ids: $ids) { jobId state } direct: ${field(asked)} { jobId state } }`,
        { ids: [ids.get(asked), ids.get(other)] },
      );
      // The swapped answer is not shown as either job; the real `other` is untouched.
      expect(res.data!.jobs[0]).toBeNull();
      expect(res.data!.direct).toBeNull();
      expect(res.data!.jobs[1]).toMatchObject({ jobId: other });
      expect(res.errors).toHaveLength(2);
      for (const path of [['jobs', 0], ['direct']]) {
        const error = errorAt(res.errors, path);
        expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
        expect(upstreamOf(error)).toMatchObject({ service, status: 200 });
      }
      expect(callsBy(shared.gw.sim, service)).toBe(2);
    },
  );
});
