import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { sdkDate, sdkSign } from '../src/model/sdk-signature.js';
import { SIM_CCE_JOBS, SIM_CCE_TOP_LEVEL } from '../src/simulator/cce-data.js';
import {
  SIM_BULK_CCE_IDS,
  SIM_CAE_ENVIRONMENT_ID,
  SIM_IDS,
  SIM_PROJECT_ID,
  startSimulator,
  type Simulator,
} from '../src/simulator/server.js';

const P = SIM_PROJECT_ID;
const TOKEN = 'test-token';
const DENIED = 'denied-token';
const KEYS = { ak: 'SIMAK000000000000000', sk: 'sim-secret-key' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: Simulator;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

async function call(
  path: string,
  headers: Record<string, string> = { 'x-auth-token': TOKEN },
  method: 'GET' | 'POST' | 'DELETE' = 'GET',
  body?: string,
  base = sim.url,
): Promise<Res> {
  const r = await request(`${base}${path}`, { method, headers, body });
  const text = await r.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.statusCode, headers: r.headers, text, json };
}

const cae = (jobId: string, env: string = SIM_CAE_ENVIRONMENT_ID): Promise<Res> =>
  call(`/v1/${P}/cae/jobs/${jobId}`, { 'x-auth-token': TOKEN, 'x-environment-id': env });

function obj(v: unknown): Record<string, unknown> {
  expect(v).toBeTypeOf('object');
  expect(v).not.toBeNull();
  return v as Record<string, unknown>;
}

beforeAll(async () => {
  sim = await startSimulator({ keys: KEYS, denyTokens: [DENIED] });
});
afterAll(async () => {
  await sim.close();
});

describe('CCE v3 ShowJob', () => {
  it('serves the doc 004 example verbatim', async () => {
    const r = await call(`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.docV3}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      kind: 'Job',
      apiVersion: 'v3',
      metadata: {
        uid: '354331b2c-229a-11e8-9c75-0255ac100ceb',
        creationTimestamp: '2018-08-02 08:12:40.672772389 +0000 UTC',
        updateTimestamp: '2018-08-02 08:21:50.478108569 +0000 UTC',
      },
      spec: {
        type: 'CreateCluster',
        clusterUID: '4d1ecb2c-229a-11e8-9c75-0255ac100ceb',
        resourceID: '6f4dcb2c-229a-11e8-9c75-0255ac100ceb',
        resourceName: 'cluster-name',
        extendParam: { serverID: 'bc467e3a-2338-11e8-825b-0255ac100c13' },
        subJobs: [
          {
            kind: 'Job',
            apiVersion: 'v3',
            metadata: {
              uid: 'fd474fab-9606-11e8-baa9-0255ac10215d',
              creationTimestamp: '2018-08-02 03:52:34.615819618 +0000 UTC',
              updateTimestamp: '2018-08-02 04:05:29.196243031 +0000 UTC',
            },
            spec: {
              type: 'InstallMaster',
              clusterUID: 'fcc72de0-9606-11e8-baa8-0255ac10215d',
              resourceID: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d',
              extendParam: { serverID: 'fd3b4ac0-9606-11e8-baa8-0255ac10215d' },
            },
            status: { phase: 'Success' },
          },
          {
            kind: 'Job',
            apiVersion: 'v3',
            metadata: {
              uid: 'fd474f82-9606-11e8-baa8-0255ac10215d',
              creationTimestamp: '2018-08-02 03:52:33.859150791 +0000 UTC',
              updateTimestamp: '2018-08-02 03:52:34.615655429 +0000 UTC',
            },
            spec: { type: 'CreatePSMCert', clusterUID: 'fcc72de0-9606-11e8-baa8-0255ac10215d' },
            status: { phase: 'Success' },
          },
        ],
      },
      status: { phase: 'Running', reason: '' },
    });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-request-id']).toMatch(UUID);
  });

  it('reports every phase word, including one outside the documented four', async () => {
    const want: Array<[string, string]> = [
      [SIM_IDS.cce.initializing, 'Initializing'],
      [SIM_IDS.cce.running, 'Running'],
      [SIM_IDS.cce.success, 'Success'],
      [SIM_IDS.cce.failed, 'Failed'],
      [SIM_IDS.cce.unknownPhase, 'Paused'],
    ];
    for (const [id, phase] of want) {
      const r = await call(`/api/v3/projects/${P}/jobs/${id}`);
      expect(r.status).toBe(200);
      const body = obj(r.json);
      expect(obj(body.status).phase).toBe(phase);
      expect(obj(body.metadata).uid).toBe(id);
    }
  });

  it('renders the deep tree with bare embedded sub-jobs, 5 levels below the root', async () => {
    const r = await call(`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.deepTree}`);
    const root = obj(r.json);
    const [nodeA, nodeB] = obj(root.spec).subJobs as unknown[];
    expect(obj(obj(nodeA).spec).type).toBe('CreateNode');
    expect((obj(obj(nodeA).spec).subJobs as unknown[]).map((s) => obj(obj(s).spec).type)).toEqual(['GetPSMCert', 'InstallNode']);
    // node A keeps its timestamps when embedded, node B is bare
    expect(obj(nodeA).apiVersion).toBe('v3');
    expect(obj(obj(nodeA).metadata).creationTimestamp).toBeTypeOf('string');
    expect(obj(nodeB).apiVersion).toBeUndefined();
    expect(obj(nodeB).metadata).toEqual({ uid: SIM_IDS.cce.deepCreateNodeB });

    // Walk root → leaf along deepBranch.
    let cur = root;
    for (const uid of SIM_IDS.cce.deepBranch.slice(1)) {
      const next = (obj(cur.spec).subJobs as unknown[]).map(obj).find((s) => obj(s.metadata).uid === uid);
      expect(next, uid).toBeDefined();
      cur = next as Record<string, unknown>;
    }
    expect(obj(cur.metadata).uid).toBe(SIM_IDS.cce.deepLeaf);
    expect(SIM_IDS.cce.deepBranch).toHaveLength(6);
  });

  it('serves every sub-job on its own, whole', async () => {
    for (const id of [
      SIM_IDS.cce.deepLeaf,
      SIM_IDS.cce.deepInstallKubelet,
      SIM_IDS.cce.docV3CreatePSMCert,
      SIM_IDS.cce.failedCreateServer,
    ]) {
      const r = await call(`/api/v3/projects/${P}/jobs/${id}`);
      expect(r.status).toBe(200);
      const body = obj(r.json);
      expect(body.apiVersion).toBe('v3');
      expect(obj(body.metadata).uid).toBe(id);
      expect(obj(body.metadata).creationTimestamp).toBeTypeOf('string');
    }
    const leaf = obj((await call(`/api/v2/projects/${P}/jobs/${SIM_IDS.cce.deepLeaf}`)).json);
    expect(leaf.apiVersion).toBe('v2');
    expect(obj(leaf.status).status).toBe('Initializing');
  });

  it('404s an unknown job and any other project with the documented error_code/error_msg body', async () => {
    for (const path of [`/api/v3/projects/${P}/jobs/${randomUUID()}`, `/api/v3/projects/${'0'.repeat(32)}/jobs/${SIM_IDS.cce.running}`]) {
      const r = await call(path);
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error_code: 'CCE.01404001', error_msg: 'Resource not found' });
      expect(r.headers['x-request-id']).toMatch(UUID);
    }
  });
});

describe('CCE v2 GetOneJob / ListJobs', () => {
  it('serves the doc 000 example verbatim', async () => {
    const r = await call(`/api/v2/projects/${P}/jobs/${SIM_IDS.cce.docV2}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      kind: 'Job',
      apiVersion: 'v2',
      metadata: {
        uid: 'e43c6f3b-87e6-11f0-be88-0255ac10003f',
        creationTimestamp: '2025-09-02 10:23:38.987955 +0000 UTC',
        updateTimestamp: '2025-09-02 11:26:03.218087 +0000 UTC',
      },
      spec: {
        type: 'ScaleupCluster',
        clusteruid: '7ec8b73d-83db-11f0-8baa-0255ac10003e',
        resourceid: '3b4410fa-87e6-11f0-be88-0255ac10003f',
        resourcename: 'node-iv28j9',
        extendparam: {
          claimrollback: 'true',
          'node.zone': 'cn-north-7c',
          nodepooluid: '',
          orderID: 'CS25090218238EI5V',
          'v3-scaleup': 'true',
        },
      },
      status: {
        status: 'Failed',
        reason: 'Something bad happened at server, recycle resource',
        completionTime: '2025-09-02 11:26:03.218087 +0000 UTC',
      },
    });
  });

  it('renders a v3-example job in v2 casing, sub-jobs included', async () => {
    const body = obj((await call(`/api/v2/projects/${P}/jobs/${SIM_IDS.cce.docV3}`)).json);
    const spec = obj(body.spec);
    expect(Object.keys(spec)).toEqual(['type', 'clusteruid', 'resourceid', 'resourcename', 'extendparam', 'subjobs']);
    expect((spec.subjobs as unknown[]).map((s) => obj(obj(s).spec).type)).toEqual(['InstallMaster', 'CreatePSMCert']);
    expect(body.status).toEqual({ status: 'Running', reason: '' });
  });

  it('sets completionTime only for terminal jobs', async () => {
    const ok = obj((await call(`/api/v2/projects/${P}/jobs/${SIM_IDS.cce.success}`)).json);
    expect(obj(ok.status).completionTime).toBe(obj(ok.metadata).updateTimestamp);
    const running = obj((await call(`/api/v2/projects/${P}/jobs/${SIM_IDS.cce.running}`)).json);
    expect(obj(running.status).completionTime).toBeUndefined();
  });

  it('lists the top-level jobs as a bare v2 array', async () => {
    const r = await call(`/api/v2/projects/${P}/jobs`);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.json)).toBe(true);
    const list = (r.json as unknown[]).map(obj);
    expect(list).toHaveLength(SIM_CCE_TOP_LEVEL.length);
    const uids = list.map((j) => obj(j.metadata).uid);
    expect(uids).toContain(SIM_IDS.cce.docV2);
    expect(uids).toContain(SIM_IDS.cce.deepTree);
    expect(uids).not.toContain(SIM_IDS.cce.deepLeaf);
    for (const id of SIM_BULK_CCE_IDS) expect(uids).toContain(id);
    for (const j of list) {
      expect(j.apiVersion).toBe('v2');
      expect(obj(j.spec).clusterUID).toBeUndefined();
    }
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('has 40 distinct bulk jobs in a mix of phases, every uid fetchable', async () => {
    expect(new Set(SIM_BULK_CCE_IDS).size).toBe(40);
    const phases = new Set(SIM_BULK_CCE_IDS.map((id) => SIM_CCE_JOBS.get(id)?.phase));
    expect(phases).toEqual(new Set(['Initializing', 'Running', 'Success', 'Failed']));
    const r = await call(`/api/v3/projects/${P}/jobs/${SIM_BULK_CCE_IDS[39] ?? ''}`);
    expect(r.status).toBe(200);
  });

  it('404s the list of another project', async () => {
    const r = await call(`/api/v2/projects/${'f'.repeat(32)}/jobs`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error_code: 'CCE.01404001', error_msg: 'Resource not found' });
  });
});

describe('CAE ShowJob', () => {
  it('serves the doc 001 example verbatim', async () => {
    const r = await cae(SIM_IDS.cae.doc);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      api_version: 'v1',
      kind: 'Job',
      spec: {
        progress: 0,
        status: 'running',
        tasks: [
          {
            index: 1,
            name: 'upgrade',
            status: 'init',
            detail: '',
            created_at: '2023-02-16T11:24:07.950175Z',
            updated_at: '2023-02-16T11:24:07.950175Z',
          },
        ],
      },
    });
  });

  it('reports every status word, each job with its own tasks', async () => {
    const taskCounts = { init: 2, running: 3, failed: 3, timeout: 2, success: 4, skip: 2, terminating: 3, terminated: 2 } as const;
    for (const [w, count] of Object.entries(taskCounts) as [keyof typeof taskCounts, number][]) {
      const r = await cae(SIM_IDS.cae[w]);
      expect(r.status).toBe(200);
      const spec = obj(obj(r.json).spec);
      expect(spec.status).toBe(w);
      expect(spec.progress).toBeTypeOf('number');
      const tasks = spec.tasks as unknown[];
      expect(tasks, w).toHaveLength(count);
    }
  });

  it('accepts an optional X-Enterprise-Project-ID', async () => {
    const r = await call(`/v1/${P}/cae/jobs/${SIM_IDS.cae.failed}`, {
      'x-auth-token': TOKEN,
      'x-environment-id': SIM_CAE_ENVIRONMENT_ID,
      'x-enterprise-project-id': '0',
    });
    expect(r.status).toBe(200);
  });

  it('400s a missing X-Environment-ID with a CAE.015 code', async () => {
    const r = await call(`/v1/${P}/cae/jobs/${SIM_IDS.cae.doc}`);
    expect(r.status).toBe(400);
    expect(obj(r.json).error_code).toMatch(/^CAE\.015\d{5}$/);
  });

  it('answers an unknown environment (or another project) with HTTP 500 CAE.01500404', async () => {
    for (const r of [
      await cae(SIM_IDS.cae.doc, randomUUID()),
      await call(`/v1/${'1'.repeat(32)}/cae/jobs/${SIM_IDS.cae.doc}`, {
        'x-auth-token': TOKEN,
        'x-environment-id': SIM_CAE_ENVIRONMENT_ID,
      }),
    ]) {
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error_code: 'CAE.01500404', error_msg: 'Environment not found' });
    }
  });

  it('404s an unknown job in a known environment', async () => {
    const r = await cae(randomUUID());
    expect(r.status).toBe(404);
    expect(obj(r.json).error_code).toMatch(/^CAE\.015/);
  });
});

describe('CFW ListJob', () => {
  it('serves the doc 003 example verbatim, times as epoch-ms numbers', async () => {
    const r = await call(`/v3/${P}/jobs/${SIM_IDS.cfw.success}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      data: { begin_time: 1641370501000, end_time: 1641370515000, id: 'f588ce71-e26c-400d-8981-f854355f6849', status: 'Success' },
    });
  });

  it('reports Running (no end_time) and Failed (with error fields)', async () => {
    const running = obj(obj((await call(`/v3/${P}/jobs/${SIM_IDS.cfw.running}`)).json).data);
    expect(running.status).toBe('Running');
    expect(running.begin_time).toBeTypeOf('number');
    expect(running.end_time).toBeUndefined();
    const failed = obj((await call(`/v3/${P}/jobs/${SIM_IDS.cfw.failed}`)).json);
    expect(obj(failed.data).status).toBe('Failed');
    expect(failed.error_code).toBeTypeOf('string');
  });

  it('answers not-found with HTTP 400 CFW.00200005', async () => {
    for (const path of [`/v3/${P}/jobs/${randomUUID()}`, `/v3/${'2'.repeat(32)}/jobs/${SIM_IDS.cfw.success}`]) {
      const r = await call(path);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error_code: 'CFW.00200005', error_msg: 'Object not found.' });
    }
  });
});

describe('RDS task center', () => {
  it('serves the RDS API reference example verbatim', async () => {
    const r = await call(`/v3/${P}/jobs?id=${SIM_IDS.db.doc}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"job":{"id":"a9767ede-fe0f-4888-9003-e843a4c90514","name":"CreateMysqlInstance","status":"Completed","created":"2021-07-12T09:22:04+0800","ended":"2021-07-12T10:10:13+0800","progress":"","instance":{"id":"b34f8c791f2643578510c093aa2351a8in01","name":"mysql-c1a3"},"fail_reason":null}}',
    );
  });

  it('reports every status word; progress "60%" only while running', async () => {
    const want: Array<[string, string]> = [
      [SIM_IDS.db.pending, 'Pending'],
      [SIM_IDS.db.running, 'Running'],
      [SIM_IDS.db.completed, 'Completed'],
      [SIM_IDS.db.failed, 'Failed'],
      [SIM_IDS.db.canceled, 'Canceled'],
      [SIM_IDS.db.unauthorized, 'Unauthorized'],
    ];
    for (const [id, status] of want) {
      const job = obj(obj((await call(`/v3/${P}/jobs?id=${id}`)).json).job);
      expect(job.status).toBe(status);
      expect(job.progress).toBe(status === 'Running' ? '60%' : '');
      if (status === 'Failed') expect(job.fail_reason).toBeTypeOf('string');
    }
  });

  it('404s an unknown job with a DBS body; 400s a missing id', async () => {
    const r = await call(`/v3/${P}/jobs?id=${randomUUID()}`);
    expect(r.status).toBe(404);
    expect(obj(r.json).error_code).toMatch(/^DBS\./);
    expect(obj(r.json).error_msg).toBeTypeOf('string');
    const other = await call(`/v3/${'3'.repeat(32)}/jobs?id=${SIM_IDS.db.doc}`);
    expect(other.status).toBe(404);
    const missing = await call(`/v3/${P}/jobs`);
    expect(missing.status).toBe(400);
  });
});

describe('routing', () => {
  it('404s unknown routes with JSON and a request id', async () => {
    for (const path of ['/', '/api/v4/projects/x/jobs/y', `/v3/${P}/jobs/a/b`, `/api/v3/projects/${P}/jobs`]) {
      const r = await call(path);
      expect(r.status, path).toBe(404);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-request-id']).toMatch(UUID);
      expect(obj(r.json).error_code).toBeTypeOf('string');
    }
  });

  it('405s non-GET methods', async () => {
    const r = await call(`/v3/${P}/jobs/${SIM_IDS.cfw.success}`, { 'x-auth-token': TOKEN }, 'POST', '{}');
    expect(r.status).toBe(405);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers.allow).toBe('GET');
  });
});

describe('authentication', () => {
  const routes: Array<[string, string, Record<string, string>]> = [
    ['CCE', `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`, {}],
    ['CAE', `/v1/${P}/cae/jobs/${SIM_IDS.cae.running}`, { 'x-environment-id': SIM_CAE_ENVIRONMENT_ID }],
    ['CFW', `/v3/${P}/jobs/${SIM_IDS.cfw.running}`, {}],
    ['DB', `/v3/${P}/jobs?id=${SIM_IDS.db.running}`, {}],
  ];

  it('401s a request with no credentials, with the API gateway body', async () => {
    for (const [, path, extra] of routes) {
      const r = await call(path, extra);
      expect(r.status).toBe(401);
      const body = obj(r.json);
      expect(body.error_code).toBe('APIG.0301');
      expect(body.error_msg).toMatch(/^Incorrect IAM authentication information: /);
      expect(body.request_id).toBe(r.headers['x-request-id']);
    }
    expect((await call(routes[0]?.[1] ?? '', { 'x-auth-token': '' })).status).toBe(401);
  });

  it('403s a denied token with each service body, never echoing the token', async () => {
    const want: Record<string, unknown> = {
      CCE: { error_code: 'CCE.0x403001', error_msg: 'Forbidden' },
    };
    for (const [service, path, extra] of routes) {
      const r = await call(path, { ...extra, 'x-auth-token': DENIED });
      expect(r.status).toBe(403);
      if (want[service]) expect(r.json).toEqual(want[service]);
      else expect(obj(r.json).error_code).toMatch(service === 'DB' ? /^DBS\./ : new RegExp(`^${service}\\.`));
      expect(r.text).not.toContain(DENIED);
    }
  });

  it('accepts an AK/SK-signed request (host, x-sdk-date, x-project-id; empty body)', async () => {
    for (const [, path, extra] of routes) {
      const [p, q = ''] = path.split('?');
      const headers = { host: `127.0.0.1:${sim.port}`, 'x-sdk-date': sdkDate(), 'x-project-id': P };
      const sig = sdkSign({ method: 'GET', path: p ?? '', query: q, headers, ...KEYS });
      const r = await call(path, { ...headers, ...extra, authorization: sig.authorization });
      expect(r.status, path).toBe(200);
    }
  });

  it('hashes the `{}` body the official Node SDK sends on GETs', async () => {
    const path = `/api/v2/projects/${P}/jobs/${SIM_IDS.cce.docV2}`;
    const headers = { host: `127.0.0.1:${sim.port}`, 'x-sdk-date': sdkDate(), 'x-project-id': P, 'content-type': 'application/json' };
    const sig = sdkSign({ method: 'GET', path, headers, body: '{}', ...KEYS });
    expect((await call(path, { ...headers, authorization: sig.authorization }, 'GET', '{}')).status).toBe(200);
    // Signed over `{}` but sent without a body: the hash no longer matches.
    expect((await call(path, { ...headers, authorization: sig.authorization })).status).toBe(401);
  });

  it('401s tampered, foreign-key, undated and stale signatures without echoing the signature', async () => {
    const path = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`;
    const headers = { host: `127.0.0.1:${sim.port}`, 'x-sdk-date': sdkDate(), 'x-project-id': P };
    const sig = sdkSign({ method: 'GET', path, headers, ...KEYS });

    const tamperedPath = await call(`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.failed}`, { ...headers, authorization: sig.authorization });
    expect(tamperedPath.status).toBe(401);
    expect(obj(tamperedPath.json).error_code).toBe('APIG.0301');
    expect(tamperedPath.text).not.toContain(sig.signature);

    const tamperedHeader = await call(path, { ...headers, 'x-project-id': 'someone-else', authorization: sig.authorization });
    expect(tamperedHeader.status).toBe(401);

    const foreign = sdkSign({ method: 'GET', path, headers, ak: KEYS.ak, sk: 'wrong' });
    expect((await call(path, { ...headers, authorization: foreign.authorization })).status).toBe(401);

    const { 'x-sdk-date': _date, ...undated } = headers;
    expect((await call(path, { ...undated, authorization: sig.authorization })).status).toBe(401);

    const staleHeaders = { ...headers, 'x-sdk-date': sdkDate(new Date(Date.now() - 20 * 60 * 1000)) };
    const stale = sdkSign({ method: 'GET', path, headers: staleHeaders, ...KEYS });
    const r = await call(path, { ...staleHeaders, authorization: stale.authorization });
    expect(r.status).toBe(401);
    expect(obj(r.json).error_code).toBe('APIGW.0303');
  });

  it('401s signed requests when the simulator has no keys', async () => {
    const plain = await startSimulator();
    try {
      const path = `/v3/${P}/jobs/${SIM_IDS.cfw.success}`;
      const headers = { host: `127.0.0.1:${plain.port}`, 'x-sdk-date': sdkDate(), 'x-project-id': P };
      const sig = sdkSign({ method: 'GET', path, headers, ...KEYS });
      expect((await call(path, { ...headers, authorization: sig.authorization }, 'GET', undefined, plain.url)).status).toBe(401);
    } finally {
      await plain.close();
    }
  });
});

describe('call recording, latency and fault injection', () => {
  beforeEach(() => sim.resetCalls());

  it('records every routed request, before auth, per service', async () => {
    await call(`/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`);
    await call(`/api/v2/projects/${P}/jobs`);
    await call(`/v3/${P}/jobs/${SIM_IDS.cfw.running}`, {}); // 401, still recorded
    await cae(SIM_IDS.cae.running);
    await call(`/v3/${P}/jobs?id=${SIM_IDS.db.running}`);
    await call('/nowhere');
    const by = (s: string): number => sim.calls.filter((c) => c.service === s).length;
    expect([by('CCE'), by('CAE'), by('CFW'), by('DB')]).toEqual([2, 1, 1, 1]);
    const db = sim.calls.find((c) => c.service === 'DB');
    expect(db).toMatchObject({ method: 'GET', path: `/v3/${P}/jobs`, query: `id=${SIM_IDS.db.running}` });
    expect(sim.calls.find((c) => c.service === 'CAE')?.headers['x-environment-id']).toBe(SIM_CAE_ENVIRONMENT_ID);
    sim.resetCalls();
    expect(sim.calls).toHaveLength(0);
  });

  it('lets a test answer requests itself, and adds latency', async () => {
    let n = 0;
    const faulty = await startSimulator({
      latencyMs: 60,
      intercept: (c, res) => {
        if (c.service !== 'CFW' || n++ > 0) return false;
        res.statusCode = 429;
        res.setHeader('Retry-After', '1');
        res.end(JSON.stringify({ error_code: 'APIG.0308', error_msg: 'The request is throttled.' }));
        return true;
      },
    });
    try {
      const path = `/v3/${P}/jobs/${SIM_IDS.cfw.success}`;
      const started = Date.now();
      const first = await call(path, { 'x-auth-token': TOKEN }, 'GET', undefined, faulty.url);
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
      expect(first.status).toBe(429);
      expect(first.headers['retry-after']).toBe('1');
      expect(first.headers['x-request-id']).toMatch(UUID);
      const second = await call(path, { 'x-auth-token': TOKEN }, 'GET', undefined, faulty.url);
      expect(second.status).toBe(200);
      expect(faulty.calls).toHaveLength(2);
    } finally {
      await faulty.close();
    }
  });
});
