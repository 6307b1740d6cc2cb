/**
 * Mistakes a client or an upstream makes, and what each side then sees: the client a typed error
 * with a stable code (never an upstream's own text, never its own body quoted back), the logs the
 * upstream's text with every credential cut out and nothing at error level for a client's mistake,
 * the metrics a cancellation rather than an upstream outage. Real HTTP on loopback against the
 * simulator (verifying the gateway's AK/SK signatures) with per-test intercepts.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { SIM_IDS, SIM_PROJECT_ID as P, type SimCall, type Simulator } from '../../src/simulator/server.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { startSimulatedGateway, type Intercept, type TestGateway } from '../support/gateway.js';
import { reply } from './helpers.js';

const KEYS = { ak: 'MISTAKESTESTAK0000001', sk: 'mistakes-test-secret-key-0123456789' };
const MAX_JOB_IDS = 5;
const lines: string[] = [];
let hook: Intercept | undefined;
let gw: TestGateway & { sim: Simulator };

beforeAll(async () => {
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  gw = await startSimulatedGateway(
    // No 401 cool-down (test/abuse/fair-share covers it): these tests send a rejected token again and
    // must see the upstream's answer, not the gateway's local refusal.
    {
      CLOUD_SDK_AK: KEYS.ak,
      CLOUD_SDK_SK: KEYS.sk,
      MAX_JOB_IDS: String(MAX_JOB_IDS),
      UPSTREAM_RETRIES: '0',
      UPSTREAM_AUTH_COOLDOWN_MS: '0',
    },
    { keys: KEYS, intercept: (call, res) => hook?.(call, res) ?? false },
    { logger },
  );
});
afterAll(async () => {
  await gw?.close();
});
beforeEach(() => {
  hook = undefined;
  lines.length = 0;
  gw.sim.resetCalls();
});

const token = (label: string) => `${label}-${randomBytes(24).toString('base64url')}`;
const cce = (jobId: string) => `cceJob(projectId: "${P}", jobId: "${jobId}") { jobId state }`;
const cceId = (jobId: string) => cceGlobalId({ api: 'v3', region: 'cn-north-4', projectId: P, jobId });
const cceCalls = (jobId: string) => gw.sim.calls.filter((c) => c.path === `/api/v3/projects/${P}/jobs/${jobId}`);
const logged = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; upstream?: Record<string, unknown> });
const atLeast = (level: number) => logged().filter((line) => line.level >= level);

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: GqlError[] } };
}

interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; upstream?: Record<string, unknown> };
}

describe('a present but blank X-Auth-Token', () => {
  it('is UNAUTHENTICATED on both paths (yoga, then the fast path), never signed with the gateway AK/SK', async () => {
    const query = JSON.stringify({ query: `{ a: ${cce(SIM_IDS.cce.running)} }` });
    for (const blank of ['', '   ', ' \t ']) {
      for (let i = 0; i < 2; i++) {
        const res = await post(query, { 'x-auth-token': blank });
        expect(res.json.data).toEqual({ a: null });
        expect(res.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(res.json.errors?.[0]?.message).toMatch(/X-Auth-Token header is empty/);
      }
    }
    expect(gw.sim.calls).toHaveLength(0);
    // Without the header at all, the gateway's AK/SK serve the request.
    const signed = await post(query);
    expect(signed.json.data).toEqual({ a: { jobId: SIM_IDS.cce.running, state: 'RUNNING' } });
  });
});

describe('requests the gateway cannot read', () => {
  it('answers malformed GET variables or extensions with 400 BAD_REQUEST, logging nothing at error level', async () => {
    const q = encodeURIComponent(`query Q($id: String!) { cceJob(projectId: "${P}", jobId: $id) { state } }`);
    for (const params of ['variables=%7Bnope', 'extensions=%7Bnope', 'variables=%5B1%5D']) {
      const res = await request(`${gw.url}/graphql?query=${q}&${params}`, {
        headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
      });
      const body = (await res.body.json()) as { errors?: GqlError[] };
      expect(res.statusCode).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    }
    expect(atLeast(50)).toEqual([]);
    expect(gw.sim.calls).toHaveLength(0);
  });

  it('does not quote an invalid JSON body back', async () => {
    const res = await request(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": caller-secret-body-text',
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(400);
    expect((JSON.parse(text) as { errors: GqlError[] }).errors[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(text).not.toContain('caller-secret');
  });
});

describe('_entities', () => {
  const ENTITIES = 'query E($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Job { id state } } }';

  it('fails a representation without id, or with an unknown __typename, as BAD_USER_INPUT on its own entry', async () => {
    const id = cceId(SIM_IDS.cce.running);
    const representations = [
      { __typename: 'CceJob', id },
      { __typename: 'Nope', id },
      { __typename: 'CceJob' },
      { __typename: 'CceJob', id: 7 },
      // The interface entity, as a router with @interfaceObject sends it.
      { __typename: 'Job', id },
    ];
    const res = await post(JSON.stringify({ query: ENTITIES, variables: { r: representations } }), { 'x-auth-token': token('entities') });
    const job = { __typename: 'CceJob', id, state: 'RUNNING' };
    expect(res.json.data?._entities).toEqual([job, null, null, null, job]);
    expect(res.json.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([1, 2, 3].map((i) => [['_entities', i], 'BAD_USER_INPUT']));
    expect(atLeast(50)).toEqual([]);
  });

  it('is capped like jobs(ids:) (MAX_JOB_IDS), before any upstream call', async () => {
    const representations = Array.from({ length: MAX_JOB_IDS + 1 }, (_, i) => ({ __typename: 'CceJob', id: cceId(`job-${i}`) }));
    const res = await post(JSON.stringify({ query: ENTITIES, variables: { r: representations } }), { 'x-auth-token': token('cap') });
    expect(res.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.json.errors?.[0]?.message).toMatch(/at most 5/);
    expect(gw.sim.calls).toHaveLength(0);
  });
});

describe('an upstream error answer', () => {
  it('gives the client the code, the upstream error code and request id, and keeps the upstream text in the logs', async () => {
    const internals = 'java.lang.NullPointerException at com.example.JobDao(10.20.30.40:8080)';
    hook = (_call, res) =>
      reply(res, 500, JSON.stringify({ error_code: 'CCE.0x500001', error_msg: internals }), { 'X-Request-Id': 'req-cce-500' });
    const res = await post(JSON.stringify({ query: `{ a: ${cce(SIM_IDS.cce.running)} }` }), { 'x-auth-token': token('five-hundred') });
    const error = res.json.errors?.[0];
    expect(error?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error?.extensions?.upstream).toMatchObject({ service: 'CCE', status: 500, errorCode: 'CCE.0x500001', requestId: 'req-cce-500' });
    expect(res.text).not.toContain('NullPointer');
    expect(res.text).not.toContain('10.20.30.40');
    const failure = logged().find((line) => line.msg === 'upstream call failed');
    expect(failure?.upstream?.message).toBe(internals);
  });

  it('has the caller token, a partial echo of it, and the AK cut out of the logged text; a too-short "token" is left alone', async () => {
    const secret = token('echoed');
    let message = '';
    hook = (_call, res) => reply(res, 401, JSON.stringify({ error_code: 'APIG.0301', error_msg: message }));
    const cases: { message: string; token: string | null; hidden: string[]; kept: string }[] = [
      { message: `token ${secret} is invalid`, token: secret, hidden: [secret], kept: 'is invalid' },
      { message: `token ${secret.slice(3, 23)}... expired`, token: secret, hidden: [secret.slice(3, 23)], kept: 'expired' },
      { message: `access key ${KEYS.ak} unknown`, token: null, hidden: [KEYS.ak], kept: 'unknown' },
      { message: 'box of xylophones rejected', token: 'x', hidden: [], kept: 'box of xylophones rejected' },
    ];
    for (const c of cases) {
      lines.length = 0;
      message = c.message;
      const res = await post(
        JSON.stringify({ query: `{ a: ${cce(SIM_IDS.cce.running)} }` }),
        c.token === null ? {} : { 'x-auth-token': c.token },
      );
      expect(res.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.text).not.toContain(c.kept);
      const text = String(logged().find((line) => line.msg === 'upstream call failed')?.upstream?.message);
      expect(text).toContain(c.kept);
      for (const hidden of c.hidden) expect(text).not.toContain(hidden.slice(0, 12));
      if (c.hidden.length > 0) expect(text).toContain('[redacted]');
    }
  });

  it('401 for a principal drops its cached terminal jobs at once', async () => {
    const revoked = token('revoked');
    const query = (jobId: string) => JSON.stringify({ query: `{ a: ${cce(jobId)} }` });
    for (let i = 0; i < 2; i++) {
      const res = await post(query(SIM_IDS.cce.success), { 'x-auth-token': revoked });
      expect(res.json.data).toEqual({ a: { jobId: SIM_IDS.cce.success, state: 'SUCCEEDED' } });
    }
    expect(cceCalls(SIM_IDS.cce.success)).toHaveLength(1);
    // The token is revoked: the upstream now answers 401 for it.
    hook = (call, res) =>
      call.headers['x-auth-token'] === revoked && reply(res, 401, JSON.stringify({ error_code: 'APIG.0301', error_msg: 'token expired' }));
    const other = await post(query(SIM_IDS.cce.running), { 'x-auth-token': revoked });
    expect(other.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const again = await post(query(SIM_IDS.cce.success), { 'x-auth-token': revoked });
    expect(again.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(cceCalls(SIM_IDS.cce.success)).toHaveLength(2);
  });
});

describe('a client that leaves mid-call', () => {
  async function outcomes(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const sample of (await gw.gateway.metrics.upstreamDuration.get()).values) {
      if (sample.metricName !== 'upstream_request_duration_seconds_count') continue;
      const outcome = String(sample.labels.outcome);
      counts[outcome] = (counts[outcome] ?? 0) + sample.value;
    }
    return counts;
  }

  async function eventually(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !condition(); i++) await sleep(25);
    expect(condition()).toBe(true);
  }

  it('is counted and logged as a cancellation (on yoga and on the fast path), not as an upstream failure', async () => {
    const held: ServerResponse[] = [];
    const slow = `held-${randomBytes(4).toString('hex')}`;
    hook = (call: SimCall, res) => {
      if (!call.path.endsWith(`/jobs/${slow}`)) return false;
      held.push(res);
      return true;
    };
    const before = await outcomes();
    const document = `query Q($id: String!) { cceJob(projectId: "${P}", jobId: $id) { state } }`;
    try {
      // The first request of the document goes through yoga; once it is prepared, the next takes the fast path.
      await post(JSON.stringify({ query: document, variables: { id: SIM_IDS.cce.running } }), { 'x-auth-token': token('warm') });
      for (const label of ['fast', 'yoga']) {
        const body = JSON.stringify({ query: label === 'yoga' ? `${document} ` : document, variables: { id: slow } });
        const controller = new AbortController();
        const calls = held.length;
        const sent = request(`${gw.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-auth-token': token(label) },
          body,
          signal: controller.signal,
        }).catch(() => undefined);
        await eventually(() => held.length > calls);
        controller.abort();
        await sent;
      }
      // The abort reaches the upstream call a moment after the client's socket closes.
      let after = await outcomes();
      for (let i = 0; i < 200 && (after.CANCELLED ?? 0) - (before.CANCELLED ?? 0) < 2; i++) {
        await sleep(25);
        after = await outcomes();
      }
      expect((after.CANCELLED ?? 0) - (before.CANCELLED ?? 0)).toBe(2);
      expect(after.UPSTREAM_UNAVAILABLE ?? 0).toBe(before.UPSTREAM_UNAVAILABLE ?? 0);
      expect(atLeast(40)).toEqual([]);
    } finally {
      for (const res of held) res.destroy();
    }
  });

  it('that leaves mid-body is no error either', async () => {
    for (const headers of [
      'Content-Type: application/json\r\nContent-Length: 400\r\n',
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nOrigin: https://elsewhere.example\r\n',
    ]) {
      const { port } = new URL(gw.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const start = '{"query": "{ __typename';
      const chunked = headers.includes('chunked');
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n${chunked ? `${start.length.toString(16)}\r\n${start}\r\n` : start}`,
      );
      await sleep(100);
      socket.destroy();
    }
    // Once the server has closed both connections on its side, whatever it does about them is done.
    while ((await new Promise<number>((resolve, reject) => gw.server.getConnections((e, n) => (e ? reject(e) : resolve(n))))) > 0) {
      await sleep(10);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(atLeast(40)).toEqual([]);
  });
});

describe('AK/SK signing of ids with reserved characters', () => {
  it('is accepted by the verifier: an unknown id is NOT_FOUND, not UNAUTHENTICATED', async () => {
    for (const jobId of ['a:b', 'job one', 'x<y>']) {
      const res = await post(JSON.stringify({ query: `{ a: ${cce(jobId)} }` }));
      expect(res.json.errors?.[0]?.extensions?.code, jobId).toBe('NOT_FOUND');
    }
  });
});
