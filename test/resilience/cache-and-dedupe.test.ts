import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { callsBy, startSimulatedGateway, type GraphQLResponse, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { createGate } from './faulty-upstream.js';
import { scrape } from '../observability/prom.js';
import { MIXED, P, SIM_IDS, cceField, cfwField, codeAt, fieldAt, sleep, startFaultyGateway, timed, type FaultyGateway } from './helpers.js';

type SimGateway = TestGateway & { sim: Simulator };
let gw: SimGateway | FaultyGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const TERMINAL_CCE = `{ ${cceField('cce', SIM_IDS.cce.success)} }`;
const RUNNING_CCE = `{ ${cceField('cce', SIM_IDS.cce.running)} }`;
const TERMINAL_CFW = `{ ${cfwField('cfw', SIM_IDS.cfw.success)} }`;
const A = 'token-tenant-a';
const B = 'token-tenant-b';
const DENIED = 'token-tenant-denied';

function expectJob(res: GraphQLResponse, alias: string, jobId: string, state: string): void {
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(fieldAt(res, alias)).toEqual({ jobId, state });
}

describe('terminal-job cache', () => {
  it('serves a repeat read of a terminal job by the same tenant without an upstream call', async () => {
    const g = (gw = await startSimulatedGateway());
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    expectJob(await g.query(TERMINAL_CFW, { token: A }), 'cfw', SIM_IDS.cfw.success, 'SUCCEEDED');
    expectJob(await g.query(TERMINAL_CFW, { token: A }), 'cfw', SIM_IDS.cfw.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CFW')).toBe(1);
  });

  it("another tenant's read of the same job is a miss and goes upstream (then hits its own entry)", async () => {
    const g = (gw = await startSimulatedGateway());
    await g.query(TERMINAL_CCE, { token: A });
    await g.query(TERMINAL_CCE, { token: A });
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    expectJob(await g.query(TERMINAL_CCE, { token: B }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    // The upstream saw B's own credential, not A's.
    expect(g.sim.calls[1]?.headers['x-auth-token']).toBe(B);
    await g.query(TERMINAL_CCE, { token: B });
    expect(callsBy(g.sim, 'CCE')).toBe(2);
  });

  it("a denied tenant gets the upstream's FORBIDDEN even though another tenant's copy is cached", async () => {
    const g = (gw = await startSimulatedGateway({}, { denyTokens: [DENIED] }));
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expectJob(await g.query(`{ ${cfwField('cfw')} }`, { token: A }), 'cfw', SIM_IDS.cfw.success, 'SUCCEEDED');
    for (let i = 1; i <= 2; i++) {
      const res = await g.query(`{ ${cceField('cce', SIM_IDS.cce.success)} ${cfwField('cfw')} }`, { token: DENIED });
      expect(codeAt(res, 'cce')).toBe('FORBIDDEN');
      expect(codeAt(res, 'cfw')).toBe('FORBIDDEN');
      expect(fieldAt(res, 'cce')).toBeNull();
      expect(fieldAt(res, 'cfw')).toBeNull();
      // Asked upstream every time: neither A's copy nor B's error was served from a cache.
      expect(callsBy(g.sim, 'CCE')).toBe(1 + i);
      expect(callsBy(g.sim, 'CFW')).toBe(1 + i);
    }
    // A is unaffected, and still served from the cache.
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(3);
  });

  it('never keeps a non-terminal job across requests', async () => {
    const g = (gw = await startSimulatedGateway());
    expectJob(await g.query(RUNNING_CCE, { token: A }), 'cce', SIM_IDS.cce.running, 'RUNNING');
    expectJob(await g.query(RUNNING_CCE, { token: A }), 'cce', SIM_IDS.cce.running, 'RUNNING');
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    const running = `{ ${cfwField('cfw', SIM_IDS.cfw.running)} }`;
    await g.query(running, { token: A });
    await g.query(running, { token: A });
    expect(callsBy(g.sim, 'CFW')).toBe(2);
  });

  it('never caches an error: a failed read of a terminal job is retried upstream on the next request', async () => {
    let failNext = true;
    const g = (gw = await startSimulatedGateway(
      { UPSTREAM_RETRIES: '0' },
      {
        intercept: (call, res) => {
          if (call.service !== 'CCE' || !failNext) return false;
          failNext = false;
          res.statusCode = 503;
          res.end(JSON.stringify({ error_code: 'APIG.0502', error_msg: 'unavailable' }));
          return true;
        },
      },
    ));
    const first = await g.query(TERMINAL_CCE, { token: A });
    expect(codeAt(first, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    // The success is what got cached.
    expectJob(await g.query(TERMINAL_CCE, { token: A }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(2);
  });

  it('never caches a NOT_FOUND either', async () => {
    const g = (gw = await startSimulatedGateway());
    const missing = `{ ${cceField('cce', 'no-such-job')} }`;
    expect(codeAt(await g.query(missing, { token: A }), 'cce')).toBe('NOT_FOUND');
    expect(codeAt(await g.query(missing, { token: A }), 'cce')).toBe('NOT_FOUND');
    expect(callsBy(g.sim, 'CCE')).toBe(2);
  });

  it('CACHE_TTL_MS expires entries', async () => {
    const g = (gw = await startSimulatedGateway({ CACHE_TTL_MS: '150' }));
    await g.query(TERMINAL_CCE, { token: A });
    await g.query(TERMINAL_CCE, { token: A });
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    await sleep(300);
    await g.query(TERMINAL_CCE, { token: A });
    expect(callsBy(g.sim, 'CCE')).toBe(2);
  });

  it('CACHE_MAX_ENTRIES bounds the cache (LRU), and 0 turns it off', async () => {
    const g = (gw = await startSimulatedGateway({ CACHE_MAX_ENTRIES: '1' }));
    await g.query(TERMINAL_CCE, { token: A });
    await g.query(TERMINAL_CFW, { token: A }); // evicts the CCE entry
    await g.query(TERMINAL_CCE, { token: A });
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    await g.close();
    const off = (gw = await startSimulatedGateway({ CACHE_MAX_ENTRIES: '0' }));
    await off.query(TERMINAL_CCE, { token: A });
    await off.query(TERMINAL_CCE, { token: A });
    expect(callsBy(off.sim, 'CCE')).toBe(2);
  });

  it("one upstream's cached job never answers another upstream's field with the same ids", async () => {
    const g = (gw = await startSimulatedGateway());
    // A terminal CFW job, cached for A; then the same project and job id asked of RDS.
    expectJob(await g.query(TERMINAL_CFW, { token: A }), 'cfw', SIM_IDS.cfw.success, 'SUCCEEDED');
    const res = await g.query(`{ db: dbJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { jobId state } }`, { token: A });
    expect(codeAt(res, 'db'), JSON.stringify(res)).toBe('NOT_FOUND');
    expect(callsBy(g.sim, 'DB')).toBe(1);
  });

  it("the gateway's own AK/SK is a principal of its own: a token caller does not get its cached copy", async () => {
    const keys = { ak: 'RESILIENCEAK00000000', sk: 'resilience-secret' };
    const g = (gw = await startSimulatedGateway({ CLOUD_SDK_AK: keys.ak, CLOUD_SDK_SK: keys.sk }, { keys }));
    expectJob(await g.query(TERMINAL_CCE, { token: null }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expectJob(await g.query(TERMINAL_CCE, { token: null }), 'cce', SIM_IDS.cce.success, 'SUCCEEDED');
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    expect(g.sim.calls[0]?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 /);
    await g.query(TERMINAL_CCE, { token: A });
    expect(callsBy(g.sim, 'CCE')).toBe(2);
  });
});

describe('in-flight de-duplication', () => {
  it('many concurrent requests of one tenant for one job make one upstream call', async () => {
    const g = (gw = await startFaultyGateway());
    const gate = createGate();
    g.faulty.script = () => ({ kind: 'gate', gate });
    const pending = Array.from({ length: 20 }, () => g.query(RUNNING_CCE, { token: A }));
    await g.faulty.waitForCalls(1);
    await sleep(500); // every request reaches the gateway while the first call is held
    expect(g.faulty.calls).toHaveLength(1);
    gate.release();
    for (const res of await Promise.all(pending)) expectJob(res, 'cce', SIM_IDS.cce.running, 'RUNNING');
    expect(g.faulty.calls).toHaveLength(1);
  });

  it('never across tenants: two tokens make two calls, and each gets its own answer', async () => {
    const g = (gw = await startFaultyGateway());
    const gate = createGate();
    // A is allowed, B is forbidden: a shared call would hand one tenant the other's answer.
    g.faulty.script = (call) =>
      call.headers['x-auth-token'] === B
        ? { kind: 'gate', gate, then: { kind: 'json', status: 403, body: { errorCode: 'CCE.0x403001', errorMessage: 'Forbidden' } } }
        : { kind: 'gate', gate };
    const forA = Array.from({ length: 10 }, () => g.query(RUNNING_CCE, { token: A }));
    const forB = Array.from({ length: 10 }, () => g.query(RUNNING_CCE, { token: B }));
    await g.faulty.waitForCalls(2);
    await sleep(500);
    expect(g.faulty.calls).toHaveLength(2);
    expect(g.faulty.calls.map((c) => c.headers['x-auth-token']).sort()).toEqual([A, B].sort());
    gate.release();
    for (const res of await Promise.all(forA)) expectJob(res, 'cce', SIM_IDS.cce.running, 'RUNNING');
    for (const res of await Promise.all(forB)) expect(codeAt(res, 'cce')).toBe('FORBIDDEN');
    expect(g.faulty.calls).toHaveLength(2);
  });

  it('one tenant, two different jobs: two calls', async () => {
    const g = (gw = await startFaultyGateway());
    const gate = createGate();
    g.faulty.script = () => ({ kind: 'gate', gate });
    const pending = [
      ...Array.from({ length: 5 }, () => g.query(RUNNING_CCE, { token: A })),
      ...Array.from({ length: 5 }, () => g.query(`{ ${cceField('cce', SIM_IDS.cce.initializing)} }`, { token: A })),
    ];
    await g.faulty.waitForCalls(2);
    await sleep(500);
    gate.release();
    for (const res of await Promise.all(pending)) expect(res.errors).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(2);
  });

  it('a shared call is not cancelled while another request still waits for it', async () => {
    const g = (gw = await startFaultyGateway());
    const gate = createGate();
    g.faulty.script = () => ({ kind: 'gate', gate });
    const controller = new AbortController();
    const leaving = rawQuery(g.url, RUNNING_CCE, A, controller.signal).catch((error: unknown) => error);
    await g.faulty.waitForCalls(1);
    const staying = g.query(RUNNING_CCE, { token: A });
    await sleep(200);
    controller.abort();
    await leaving;
    await sleep(200);
    expect(g.faulty.calls[0]!.closedByClient).toBe(false);
    gate.release();
    expectJob(await staying, 'cce', SIM_IDS.cce.running, 'RUNNING');
    expect(g.faulty.calls).toHaveLength(1);
  });
});

describe('a client that disconnects', () => {
  it('cancels its upstream call: the upstream sees the socket closed long before the deadline', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_TIMEOUT_MS: '15000' }));
    g.faulty.script = () => ({ kind: 'hang' });
    const controller = new AbortController();
    const aborted = rawQuery(g.url, MIXED, A, controller.signal).catch((error: unknown) => error);
    await g.faulty.waitForCalls(1);
    const { ms } = await timed(async () => {
      controller.abort();
      await aborted;
      await Promise.race([
        g.faulty.calls[0]!.closed,
        sleep(5_000).then(() => {
          throw new Error('the upstream call was not cancelled');
        }),
      ]);
    });
    expect(g.faulty.calls[0]!.closedByClient).toBe(true);
    expect(g.faulty.calls[0]!.answered).toBe(false);
    expect(ms).toBeLessThan(5_000);
    // Nothing was retried after the cancellation, and the gateway answers the next request normally.
    await sleep(200);
    expect(g.faulty.calls).toHaveLength(1);
    g.faulty.script = undefined;
    const next = await g.query(MIXED, { token: A });
    expect(next.errors, JSON.stringify(next.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(2);
  });
});

describe('a client that disconnects on the fast path', () => {
  it('cancels its upstream call there too', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_TIMEOUT_MS: '15000' }));
    // Once through yoga, so that the document is prepared; the next request takes the fast path.
    const first = await g.query(MIXED, { token: A });
    expect(first.errors, JSON.stringify(first.errors)).toBeUndefined();
    const before = g.faulty.calls.length;
    const fastPathAnswers = async () => (await scrape(g.url)).value('graphql_prepared_operations_total');
    const answered = await fastPathAnswers();
    g.faulty.script = () => ({ kind: 'hang' });
    const controller = new AbortController();
    const aborted = rawQuery(g.url, MIXED, B, controller.signal).catch((error: unknown) => error);
    await g.faulty.waitForCalls(before + 1);
    expect(await fastPathAnswers()).toBe(answered + 1);
    controller.abort();
    await aborted;
    const call = g.faulty.calls[before]!;
    await Promise.race([
      call.closed,
      sleep(5_000).then(() => {
        throw new Error('the upstream call was not cancelled');
      }),
    ]);
    expect(call.closedByClient).toBe(true);
    expect(call.answered).toBe(false);
  });
});

/** A GraphQL POST that the caller can abort mid-flight. */
async function rawQuery(url: string, query: string, token: string, signal: AbortSignal): Promise<unknown> {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ query }),
    signal,
  });
  return res.body.json();
}
