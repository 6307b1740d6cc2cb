/**
 * Each failure kind as a caller sees it: HTTP 200, the failed field null with exactly one error
 * (extensions.code and extensions.upstream = { service, status, errorCode, requestId }), every
 * other field still answered, no credential ever echoed, and the request id carried end to end.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SIM_CAE_ENVIRONMENT_ID,
  SIM_IDS,
  SIM_PROJECT_ID,
  startSimulator,
  type SimCall,
  type Simulator,
} from '../../src/simulator/server.js';
import { startGateway, startSimulatedGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import { errorAt, reply, uniqueToken, upstreamOf, type JobOut } from './helpers.js';

const P = SIM_PROJECT_ID;
const ENV = SIM_CAE_ENVIRONMENT_ID;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DENIED = `denied-${uniqueToken('secret')}`;

const cce = (uid: string): string => `cceJob(projectId: "${P}", jobId: "${uid}")`;
const cae = (id: string, env = ENV): string => `caeJob(projectId: "${P}", environmentId: "${env}", jobId: "${id}")`;
const cfw = (id: string): string => `cfwJob(projectId: "${P}", jobId: "${id}")`;
const db = (id: string): string => `dbJob(projectId: "${P}", jobId: "${id}")`;

const PATHS = {
  cce: (uid: string) => `/api/v3/projects/${P}/jobs/${uid}`,
  cae: (id: string) => `/v1/${P}/cae/jobs/${id}`,
  cfw: (id: string) => `/v3/${P}/jobs/${id}`,
  db: (id: string) => `/v3/${P}/jobs?id=${id}`,
};

const pathOf = (call: SimCall): string => (call.query ? `${call.path}?${call.query}` : call.path);

let gw: TestGateway & { sim: Simulator };
let hook: ((call: SimCall, res: ServerResponse) => boolean) | undefined;
/** The X-Request-Id the simulator sent back, per request path (and the environment, for CAE). */
const sentRequestIds = new Map<string, string>();

beforeAll(async () => {
  gw = await startSimulatedGateway(
    {},
    {
      denyTokens: [DENIED],
      intercept: (call, res) => {
        sentRequestIds.set(
          `${pathOf(call)} ${String(call.headers['x-environment-id'] ?? '')}`.trim(),
          String(res.getHeader('x-request-id')),
        );
        return hook?.(call, res) ?? false;
      },
    },
  );
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  hook = undefined;
  sentRequestIds.clear();
  gw.sim.resetCalls();
});

async function ask<T>(
  query: string,
  options: { token?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const res = await gw.query<T>(query, { token: uniqueToken('errors'), ...options });
  expect(res.status).toBe(200);
  return res;
}

/** The X-Request-Id the simulator answered `path` with (CAE keyed with its environment). */
function requestIdFor(path: string, env?: string): string {
  const id = sentRequestIds.get(env ? `${path} ${env}` : path);
  expect(id, `request id sent for ${path}`).toMatch(UUID);
  return id!;
}

describe('no credential at all', () => {
  it('is UNAUTHENTICATED for every field, with zero upstream calls', async () => {
    const ids = await ask<{ j: JobOut }>(`{ j: ${cfw(SIM_IDS.cfw.running)} { id } }`);
    gw.sim.resetCalls();
    const res = await ask<Record<string, JobOut | null | (JobOut | null)[]>>(
      `query($id: ID!) {
        a: ${cce(SIM_IDS.cce.running)} { state }
        b: ${cae(SIM_IDS.cae.running)} { state }
        c: ${cfw(SIM_IDS.cfw.running)} { state }
        d: ${db(SIM_IDS.db.running)} { state }
        e: job(id: $id) { state }
        f: jobs(ids: [$id]) { state }
      }`,
      { token: null, variables: { id: ids.data!.j.id } },
    );
    expect(res.data).toEqual({ a: null, b: null, c: null, d: null, e: null, f: [null] });
    expect(res.errors).toHaveLength(6);
    for (const path of [['a'], ['b'], ['c'], ['d'], ['e'], ['f', 0]]) {
      const error = errorAt(res.errors, path);
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
      expect(error.message).toMatch(/X-Auth-Token|CLOUD_SDK_AK/);
    }
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('an empty X-Auth-Token is no credential either', async () => {
    const res = await ask<{ a: JobOut | null }>(`{ a: ${cfw(SIM_IDS.cfw.running)} { state } }`, { token: '   ' });
    expect(res.data).toEqual({ a: null });
    expect(errorAt(res.errors, ['a']).extensions?.code).toBe('UNAUTHENTICATED');
    expect(gw.sim.calls).toHaveLength(0);
  });
});

describe('rejected credentials', () => {
  it("a token the upstreams deny is FORBIDDEN per field, with each service's code and request id", async () => {
    const res = await ask<Record<string, JobOut | null>>(
      `{ a: ${cce(SIM_IDS.cce.running)} { state } b: ${cae(SIM_IDS.cae.running)} { state } c: ${cfw(SIM_IDS.cfw.running)} { state } d: ${db(SIM_IDS.db.running)} { state } }`,
      { token: DENIED },
    );
    expect(res.data).toEqual({ a: null, b: null, c: null, d: null });
    expect(res.errors).toHaveLength(4);
    const expected: Array<[string, string, string, string]> = [
      ['a', 'CCE', 'CCE.0x403001', requestIdFor(PATHS.cce(SIM_IDS.cce.running))],
      ['b', 'CAE', 'CAE.01500003', requestIdFor(PATHS.cae(SIM_IDS.cae.running), ENV)],
      ['c', 'CFW', 'CFW.00100001', requestIdFor(PATHS.cfw(SIM_IDS.cfw.running))],
      ['d', 'DB', 'DBS.200010', requestIdFor(PATHS.db(SIM_IDS.db.running))],
    ];
    for (const [field, service, errorCode, requestId] of expected) {
      const error = errorAt(res.errors, [field]);
      expect(error.extensions?.code).toBe('FORBIDDEN');
      expect(upstreamOf(error)).toEqual({ service, status: 403, errorCode, requestId });
    }
  });

  it('AK/SK the upstream does not accept is UNAUTHENTICATED (401 APIG.0301); AK/SK it accepts works', async () => {
    const sim = await startSimulator({ keys: { ak: 'GOODAK0000000000', sk: 'good-secret-key' } });
    const endpoints = { CCE: sim.url, CAE: sim.url, CFW: sim.url, DB: sim.url };
    const wrong = await startGateway(endpoints, { CLOUD_SDK_AK: 'WRONGAK000000000', CLOUD_SDK_SK: 'wrong-secret-key-value' });
    const right = await startGateway(endpoints, { CLOUD_SDK_AK: 'GOODAK0000000000', CLOUD_SDK_SK: 'good-secret-key' });
    try {
      const bad = await wrong.query<{ a: JobOut | null; b: JobOut | null }>(
        `{ a: ${cfw(SIM_IDS.cfw.running)} { state } b: ${cce(SIM_IDS.cce.running)} { state } }`,
        {
          token: null,
        },
      );
      expect(bad.status).toBe(200);
      expect(bad.data).toEqual({ a: null, b: null });
      expect(bad.errors).toHaveLength(2);
      for (const [field, service] of [
        ['a', 'CFW'],
        ['b', 'CCE'],
      ] as const) {
        const error = errorAt(bad.errors, [field]);
        expect(error.extensions?.code).toBe('UNAUTHENTICATED');
        expect(upstreamOf(error)).toMatchObject({ service, status: 401, errorCode: 'APIG.0301' });
        expect(upstreamOf(error).requestId).toMatch(UUID);
      }
      expect(JSON.stringify(bad)).not.toContain('wrong-secret-key-value');
      expect(sim.calls.length).toBeGreaterThanOrEqual(2);
      expect(sim.calls.every((c) => String(c.headers.authorization).startsWith('SDK-HMAC-SHA256 Access=WRONGAK000000000'))).toBe(true);

      const good = await right.query<{ a: JobOut | null }>(`{ a: ${cfw(SIM_IDS.cfw.running)} { state } }`, { token: null });
      expect(good.errors).toBeUndefined();
      expect(good.data).toEqual({ a: { state: 'RUNNING' } });
    } finally {
      await wrong.close();
      await right.close();
      await sim.close();
    }
  });
});

describe('unknown jobs', () => {
  it('are null plus one NOT_FOUND each, whatever status the upstream uses for it; the rest of the query resolves', async () => {
    const res = await ask<Record<string, JobOut | null>>(`{
      cceMissing: ${cce('no-such-job')} { state }
      caeNoEnvironment: ${cae(SIM_IDS.cae.success, 'no-such-environment')} { state }
      caeMissing: ${cae('no-such-job')} { state }
      cfwMissing: ${cfw('no-such-job')} { state }
      dbMissing: ${db('no-such-job')} { state }
      cceOk: ${cce(SIM_IDS.cce.running)} { state }
      caeOk: ${cae(SIM_IDS.cae.success)} { state }
      cfwOk: ${cfw(SIM_IDS.cfw.failed)} { state }
      dbOk: ${db(SIM_IDS.db.completed)} { state }
    }`);
    expect(res.data).toEqual({
      cceMissing: null,
      caeNoEnvironment: null,
      caeMissing: null,
      cfwMissing: null,
      dbMissing: null,
      cceOk: { state: 'RUNNING' },
      caeOk: { state: 'SUCCEEDED' },
      cfwOk: { state: 'FAILED' },
      dbOk: { state: 'SUCCEEDED' },
    });
    expect(res.errors).toHaveLength(5);
    const expected: Array<[string, string, number, string, string]> = [
      ['cceMissing', 'CCE', 404, 'CCE.01404001', requestIdFor(PATHS.cce('no-such-job'))],
      ['caeNoEnvironment', 'CAE', 500, 'CAE.01500404', requestIdFor(PATHS.cae(SIM_IDS.cae.success), 'no-such-environment')],
      ['caeMissing', 'CAE', 404, 'CAE.01500502', requestIdFor(PATHS.cae('no-such-job'), ENV)],
      ['cfwMissing', 'CFW', 400, 'CFW.00200005', requestIdFor(PATHS.cfw('no-such-job'))],
      ['dbMissing', 'DB', 404, 'DBS.280011', requestIdFor(PATHS.db('no-such-job'))],
    ];
    for (const [field, service, status, errorCode, requestId] of expected) {
      const error = errorAt(res.errors, [field]);
      expect(error.extensions?.code, field).toBe('NOT_FOUND');
      expect(upstreamOf(error)).toEqual({ service, status, errorCode, requestId });
    }
    // A not-found is an answer, not an outage: none is retried (CAE's comes as HTTP 500).
    expect(gw.sim.calls).toHaveLength(9);
  });

  it('job(id:) and jobs(ids:) for a job the upstream no longer has: null + NOT_FOUND, siblings intact', async () => {
    const ids = await ask<{ a: JobOut; b: JobOut }>(`{ a: ${cfw(SIM_IDS.cfw.running)} { id } b: ${db(SIM_IDS.db.running)} { id } }`);
    const gone = ids.data!.a.id;
    const kept = ids.data!.b.id;
    hook = (call, res) =>
      pathOf(call) === PATHS.cfw(SIM_IDS.cfw.running) &&
      reply(res, 400, JSON.stringify({ error_code: 'CFW.00200005', error_msg: 'Object not found.' }), { 'X-Request-Id': 'req-cfw-gone' });
    const res = await ask<{ one: JobOut | null; many: (JobOut | null)[] }>(
      `query($gone: ID!, $kept: ID!) { one: job(id: $gone) { state } many: jobs(ids: [$kept, $gone, $kept]) { state } }`,
      { variables: { gone, kept } },
    );
    expect(res.data).toEqual({ one: null, many: [{ state: 'RUNNING' }, null, { state: 'RUNNING' }] });
    expect(res.errors).toHaveLength(2);
    for (const path of [['one'], ['many', 1]]) {
      const error = errorAt(res.errors, path);
      expect(error.extensions?.code).toBe('NOT_FOUND');
      expect(upstreamOf(error)).toEqual({ service: 'CFW', status: 400, errorCode: 'CFW.00200005', requestId: 'req-cfw-gone' });
    }
  });
});

describe('upstream failures', () => {
  it("a 500 is UPSTREAM_UNAVAILABLE for that field only, carrying the upstream's code and X-Request-Id", async () => {
    hook = (call, res) =>
      pathOf(call) === PATHS.db(SIM_IDS.db.running) &&
      reply(res, 500, JSON.stringify({ error_code: 'DBS.200001', error_msg: 'Internal error' }), { 'X-Request-Id': 'req-db-500' });
    const res = await ask<Record<string, JobOut | null>>(`{
      broken: ${db(SIM_IDS.db.running)} { state }
      fine: ${db(SIM_IDS.db.failed)} { state message }
      other: ${cce(SIM_IDS.cce.success)} { state }
    }`);
    expect(res.data).toEqual({
      broken: null,
      fine: { state: 'FAILED', message: 'Insufficient resources: flavor rds.mysql.x1.large.2 is sold out in cn-north-4a.' },
      other: { state: 'SUCCEEDED' },
    });
    expect(res.errors).toHaveLength(1);
    const error = errorAt(res.errors, ['broken']);
    expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstreamOf(error)).toEqual({ service: 'DB', status: 500, errorCode: 'DBS.200001', requestId: 'req-db-500' });
    expect(gw.sim.calls.filter((c) => pathOf(c) === PATHS.db(SIM_IDS.db.running))).toHaveLength(1);
  });

  it('a connection dropped mid-request is UPSTREAM_UNAVAILABLE', async () => {
    hook = (call, res) => {
      if (call.path !== PATHS.cce(SIM_IDS.cce.initializing)) return false;
      res.socket?.destroy();
      return true;
    };
    const res = await ask<Record<string, JobOut | null>>(
      `{ broken: ${cce(SIM_IDS.cce.initializing)} { state } fine: ${cce(SIM_IDS.cce.running)} { state } }`,
    );
    expect(res.data).toEqual({ broken: null, fine: { state: 'RUNNING' } });
    expect(res.errors).toHaveLength(1);
    const error = errorAt(res.errors, ['broken']);
    expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstreamOf(error)).toMatchObject({ service: 'CCE', status: null, errorCode: null });
  });

  it('a body that is not JSON is UPSTREAM_ERROR', async () => {
    hook = (call, res) =>
      pathOf(call) === PATHS.cfw(SIM_IDS.cfw.running) && reply(res, 200, '{"data": {"id": "3c4d', { 'X-Request-Id': 'req-cfw-truncated' });
    const res = await ask<Record<string, JobOut | null>>(
      `{ broken: ${cfw(SIM_IDS.cfw.running)} { state } fine: ${cfw(SIM_IDS.cfw.success)} { state } }`,
    );
    expect(res.data).toEqual({ broken: null, fine: { state: 'SUCCEEDED' } });
    expect(res.errors).toHaveLength(1);
    const error = errorAt(res.errors, ['broken']);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(upstreamOf(error)).toEqual({ service: 'CFW', status: 200, errorCode: null, requestId: 'req-cfw-truncated' });
  });

  it('a payload without the fields a job needs is UPSTREAM_ERROR, per upstream', async () => {
    const broken: Record<string, string> = {
      [PATHS.cce(SIM_IDS.cce.running)]: JSON.stringify({ kind: 'Job', apiVersion: 'v3', metadata: {}, status: { phase: 'Running' } }),
      [PATHS.cae(SIM_IDS.cae.running)]: JSON.stringify({ api_version: 'v1', kind: 'Job' }),
      [PATHS.cfw(SIM_IDS.cfw.running)]: JSON.stringify({ data: { id: SIM_IDS.cfw.running } }),
      [PATHS.db(SIM_IDS.db.running)]: JSON.stringify({ job: { id: SIM_IDS.db.running, name: 'ResizeFlavor' } }),
    };
    hook = (call, res) => {
      const body = broken[pathOf(call)];
      return body !== undefined && reply(res, 200, body, { 'X-Request-Id': `req-${call.service}-partial` });
    };
    const res = await ask<Record<string, JobOut | null>>(`{
      a: ${cce(SIM_IDS.cce.running)} { state }
      b: ${cae(SIM_IDS.cae.running)} { state }
      c: ${cfw(SIM_IDS.cfw.running)} { state }
      d: ${db(SIM_IDS.db.running)} { state }
      e: ${db(SIM_IDS.db.pending)} { state }
    }`);
    expect(res.data).toEqual({ a: null, b: null, c: null, d: null, e: { state: 'PENDING' } });
    expect(res.errors).toHaveLength(4);
    for (const [field, service] of [
      ['a', 'CCE'],
      ['b', 'CAE'],
      ['c', 'CFW'],
      ['d', 'DB'],
    ] as const) {
      const error = errorAt(res.errors, [field]);
      expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
      expect(upstreamOf(error)).toEqual({ service, status: 200, errorCode: null, requestId: `req-${service}-partial` });
    }
  });

  it('a time the gateway cannot read is null, not an error', async () => {
    hook = (call, res) =>
      pathOf(call) === PATHS.cfw(SIM_IDS.cfw.failed) &&
      reply(
        res,
        200,
        JSON.stringify({ data: { id: SIM_IDS.cfw.failed, status: 'Failed', begin_time: 'yesterday', end_time: 1736935267890 } }),
      );
    const res = await ask<{ a: JobOut }>(`{ a: ${cfw(SIM_IDS.cfw.failed)} { state createdAt finishedAt } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ a: { state: 'FAILED', createdAt: null, finishedAt: '2025-01-15T10:01:07.890Z' } });
  });
});

describe('an upstream that does not answer in time', () => {
  let slow: TestGateway & { sim: Simulator };
  let stall: string | undefined;
  beforeAll(async () => {
    slow = await startSimulatedGateway(
      { UPSTREAM_TIMEOUT_MS: '400' },
      { intercept: (call) => pathOf(call) === stall /* never answered: the gateway must give up */ },
    );
  });
  afterAll(async () => {
    await slow.close();
  });

  it('is UPSTREAM_TIMEOUT for that field; the others resolve', async () => {
    stall = PATHS.cfw(SIM_IDS.cfw.running);
    const res = await slow.query<Record<string, JobOut | null>>(
      `{ stuck: ${cfw(SIM_IDS.cfw.running)} { state } fine: ${db(SIM_IDS.db.running)} { progress } }`,
      {
        token: uniqueToken('slow'),
      },
    );
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ stuck: null, fine: { progress: 60 } });
    expect(res.errors).toHaveLength(1);
    const error = errorAt(res.errors, ['stuck']);
    expect(error.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    expect(upstreamOf(error)).toMatchObject({ service: 'CFW', status: null, errorCode: null });
  });
});

describe('an upstream that is not there', () => {
  it('connection refused is UPSTREAM_UNAVAILABLE for its fields; other upstreams still answer', async () => {
    const sim = await startSimulator();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gateway = await startGateway({ CCE: sim.url, CAE: sim.url, CFW: deadUrl, DB: sim.url }, { UPSTREAM_RETRIES: '0' });
    try {
      const res = await gateway.query<Record<string, JobOut | null>>(
        `{ gone: ${cfw(SIM_IDS.cfw.running)} { state } here: ${cce(SIM_IDS.cce.running)} { state } }`,
      );
      expect(res.status).toBe(200);
      expect(res.data).toEqual({ gone: null, here: { state: 'RUNNING' } });
      expect(res.errors).toHaveLength(1);
      const error = errorAt(res.errors, ['gone']);
      expect(error.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(upstreamOf(error)).toEqual({ service: 'CFW', status: null, errorCode: null, requestId: null });
    } finally {
      await gateway.close();
      await sim.close();
    }
  });
});

describe('credentials never leak into responses', () => {
  it('a distinctive token appears nowhere in data, errors or headers, whatever fails (even when an upstream quotes it)', async () => {
    const secret = `TOKEN-${uniqueToken('do-not-echo')}-END`;
    hook = (call, res) => {
      if (call.path === PATHS.cce(SIM_IDS.cce.running))
        return reply(res, 500, JSON.stringify({ errorCode: 'CCE.01500001', errorMessage: `bad token ${secret}` }));
      if (pathOf(call) === PATHS.cfw(SIM_IDS.cfw.running)) return reply(res, 200, 'not json');
      // CFW can put an error in a 200 body; this one quotes the token back.
      if (pathOf(call) === PATHS.cfw(SIM_IDS.cfw.failed)) {
        return reply(res, 200, JSON.stringify({ error_code: 'CFW.00100002', error_msg: `token ${secret} has expired` }));
      }
      return false;
    };
    const responses = [
      await ask(
        `{ a: ${cce(SIM_IDS.cce.running)} { state } b: ${cfw(SIM_IDS.cfw.running)} { state } c: ${db('nope')} { state } d: ${cae(SIM_IDS.cae.doc, 'nope')} { state } e: ${cfw(SIM_IDS.cfw.failed)} { state } }`,
        { token: secret },
      ),
      await ask(`{ a: ${cce(SIM_IDS.cce.success)} { state } }`, { token: DENIED }),
    ];
    // The upstreams did receive the tokens (so the check below is about the gateway's answers).
    expect(gw.sim.calls.some((c) => c.headers['x-auth-token'] === secret)).toBe(true);
    expect(gw.sim.calls.some((c) => c.headers['x-auth-token'] === DENIED)).toBe(true);
    expect(responses[0]!.errors).toHaveLength(5);
    // The upstreams' own texts are for the logs only (test/gateway/client-mistakes.test.ts), never shown.
    expect(errorAt(responses[0]!.errors, ['a']).message).not.toContain('bad token');
    expect(errorAt(responses[0]!.errors, ['e']).message).not.toContain('has expired');
    expect(responses[1]!.errors).toHaveLength(1);
    for (const res of responses) {
      const text = JSON.stringify(res);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(DENIED);
      expect(text).not.toContain('do-not-echo');
    }
  });
});

describe('X-Request-Id', () => {
  it("the caller's id goes to every upstream call and comes back on the response", async () => {
    const res = await ask<Record<string, JobOut>>(
      `{ a: ${cce(SIM_IDS.cce.running)} { state } b: ${cae(SIM_IDS.cae.doc)} { state } c: ${cfw(SIM_IDS.cfw.running)} { state } d: ${db(SIM_IDS.db.running)} { state } }`,
      {
        headers: { 'x-request-id': 'client-req-0042' },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('client-req-0042');
    expect(gw.sim.calls).toHaveLength(4);
    expect(gw.sim.calls.map((c) => c.headers['x-request-id'])).toEqual(Array(4).fill('client-req-0042'));
  });

  it('without one (or with one unfit for a header), the gateway makes one and uses it the same way', async () => {
    const cases: Record<string, string>[] = [{}, { 'x-request-id': 'not <a> safe id' }, { 'x-request-id': 'x'.repeat(300) }];
    for (const headers of cases) {
      gw.sim.resetCalls();
      const res = await ask<Record<string, JobOut>>(`{ a: ${cfw(SIM_IDS.cfw.running)} { state } b: ${db(SIM_IDS.db.running)} { state } }`, {
        headers,
      });
      const id = res.headers['x-request-id'];
      expect(id).toMatch(UUID);
      expect(gw.sim.calls.map((c) => c.headers['x-request-id'])).toEqual([id, id]);
    }
  });

  it('on an error response too', async () => {
    const res = await ask(`{ a: ${cfw('no-such-job')} { state } }`, { headers: { 'x-request-id': 'client-req-err-7' } });
    expect(res.headers['x-request-id']).toBe('client-req-err-7');
    expect(gw.sim.calls[0]!.headers['x-request-id']).toBe('client-req-err-7');
    expect(errorAt(res.errors, ['a']).extensions?.code).toBe('NOT_FOUND');
  });
});
