import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closedPort, type Fault } from './faulty-upstream.js';
import { MIXED, P, SIM_IDS, codeAt, errorAt, fieldAt, startFaultyGateway, timed, upstreamAt, type FaultyGateway } from './helpers.js';
import type { GraphQLResponse } from '../support/gateway.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await gw?.close();
  gw = undefined;
});

async function start(env: Record<string, string> = {}, cceEndpoint?: string, clock?: TestClock): Promise<FaultyGateway> {
  gw = await startFaultyGateway(env, { ...(cceEndpoint ? { cceEndpoint } : {}), ...(clock ? { clock } : {}) });
  return gw;
}

/** The unrelated CFW field came back whole from the simulator. */
function expectUnrelatedResolved(res: GraphQLResponse): void {
  expect(errorAt(res, 'cfw')).toBeUndefined();
  expect(fieldAt(res, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
}

/** The CCE field failed with `code`, alone: data is there, the field is null. */
function expectFaultyFailed(res: GraphQLResponse, code: string): void {
  expect(res.status).toBe(200);
  expect(codeAt(res, 'cce'), JSON.stringify(res.errors)).toBe(code);
  expect(fieldAt(res, 'cce')).toBeNull();
  expect(res.errors).toHaveLength(1);
  expectUnrelatedResolved(res);
}

function expectBothResolved(res: GraphQLResponse): void {
  expect(res.status).toBe(200);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  expect(fieldAt(res, 'cce')).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });
  expectUnrelatedResolved(res);
}

/** After a fault, with the upstream healthy again, the gateway answers normally with exactly one more call. */
async function expectNextRequestNormal(g: FaultyGateway): Promise<void> {
  g.faulty.reset();
  const res = await g.query(MIXED);
  expectBothResolved(res);
  expect(g.faulty.calls).toHaveLength(1);
}

const json503: Extract<Fault, { kind: 'json' }> = {
  kind: 'json',
  status: 503,
  body: { error_code: 'APIG.0502', error_msg: 'Service Unavailable' },
};
const json429 = (retryAfter?: string, requestId?: string): Fault => ({
  kind: 'json',
  status: 429,
  body: { error_code: 'APIG.0308', error_msg: 'The request is throttled' },
  headers: { ...(retryAfter !== undefined ? { 'Retry-After': retryAfter } : {}), ...(requestId ? { 'X-Request-Id': requestId } : {}) },
});

describe('an upstream slower than the deadline', () => {
  it('fails that field with UPSTREAM_TIMEOUT within the deadline, with one call and no retry', async () => {
    const g = await start({ UPSTREAM_TIMEOUT_MS: '300' });
    g.faulty.enqueue({ kind: 'healthy', delayMs: 5_000 });
    const { value: res, ms } = await timed(() => g.query(MIXED));
    expectFaultyFailed(res, 'UPSTREAM_TIMEOUT');
    expect(ms).toBeLessThan(300 + 2_000);
    expect(g.faulty.calls).toHaveLength(1);
    // The gateway gave up on the call: it closed the connection rather than leaving it open.
    await g.faulty.calls[0]!.closed;
    expect(g.faulty.calls[0]!.closedByClient).toBe(true);
    await expectNextRequestNormal(g);
  });
});

describe('an upstream that never answers', () => {
  it('fails with UPSTREAM_TIMEOUT at the deadline (one call), and frees the connection', async () => {
    const g = await start({ UPSTREAM_TIMEOUT_MS: '300' });
    g.faulty.enqueue({ kind: 'hang' });
    const { value: res, ms } = await timed(() => g.query(MIXED));
    expectFaultyFailed(res, 'UPSTREAM_TIMEOUT');
    expect(ms).toBeLessThan(300 + 2_000);
    expect(g.faulty.calls).toHaveLength(1);
    await g.faulty.calls[0]!.closed;
    await expectNextRequestNormal(g);
  });

  it('a body that starts and never ends also times out (one call)', async () => {
    const g = await start({ UPSTREAM_TIMEOUT_MS: '300' });
    g.faulty.enqueue({ kind: 'neverEnding' });
    const { value: res, ms } = await timed(() => g.query(MIXED));
    expectFaultyFailed(res, 'UPSTREAM_TIMEOUT');
    expect(ms).toBeLessThan(300 + 2_000);
    expect(g.faulty.calls).toHaveLength(1);
    await g.faulty.calls[0]!.closed;
    await expectNextRequestNormal(g);
  });
});

describe('connection refused', () => {
  it('fails with UPSTREAM_UNAVAILABLE after 1 + UPSTREAM_RETRIES connection attempts', async () => {
    const port = await closedPort();
    const attempts: string[] = [];
    const onConnectError = (message: unknown) => {
      const params = (message as { connectParams?: { port?: string | number } }).connectParams;
      if (String(params?.port) === String(port)) attempts.push(String((message as { error?: { code?: string } }).error?.code));
    };
    subscribe('undici:client:connectError', onConnectError);
    try {
      const g = await start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '5000' }, `http://127.0.0.1:${port}`);
      const { value: res, ms } = await timed(() => g.query(MIXED));
      expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
      expect(errorAt(res, 'cce')?.message).toMatch(/connection refused/);
      expect(attempts).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      expect(ms).toBeLessThan(5_000);
      // Still refused, still answered: the unrelated field resolves and nothing hangs.
      const next = await g.query(MIXED);
      expectFaultyFailed(next, 'UPSTREAM_UNAVAILABLE');
      expect(attempts).toHaveLength(6);
    } finally {
      unsubscribe('undici:client:connectError', onConnectError);
    }
  });
});

describe('a connection reset', () => {
  it('mid-body, every time: retried as a connection error, then UPSTREAM_UNAVAILABLE (1 + retries calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.script = () => ({ kind: 'resetMidBody' });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(errorAt(res, 'cce')?.message).toMatch(/reset|connection/);
    expect(g.faulty.calls).toHaveLength(3);
    await expectNextRequestNormal(g);
  });

  it('mid-body once, then a whole answer: the retry succeeds (2 calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'resetMidBody' });
    const res = await g.query(MIXED);
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
    await expectNextRequestNormal(g);
  });

  it('before any header, once: retried and answered (2 calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'resetBeforeHeaders' });
    const res = await g.query(MIXED);
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
  });
});

describe('503 then 200', () => {
  it('retries once and answers (2 calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue(json503);
    const res = await g.query(MIXED);
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
    await expectNextRequestNormal(g);
  });

  it('503 with Retry-After: 1, then 200: waits as asked (2 calls)', async () => {
    const clock = createTestClock();
    const g = await start({ UPSTREAM_RETRIES: '2' }, undefined, clock);
    g.faulty.enqueue({ ...json503, headers: { 'Retry-After': '1' } });
    const pending = g.query(MIXED);
    await clock.waitForTimer(1000);
    await clock.advance(999);
    expect(g.faulty.calls).toHaveLength(1);
    await clock.advance(1);
    const res = await pending;
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
    expect(g.faulty.calls[1]!.receivedAt - g.faulty.calls[0]!.receivedAt).toBe(1000);
  });

  it('500 is not retried (1 call)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'json', status: 500, body: { errorCode: 'CCE.01500001', errorMessage: 'Internal error' } });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(g.faulty.calls).toHaveLength(1);
    await expectNextRequestNormal(g);
  });

  it('503 forever: UPSTREAM_UNAVAILABLE with the upstream status and X-Request-Id (1 + retries calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '1' });
    let n = 0;
    g.faulty.script = () => ({ ...json503, headers: { 'X-Request-Id': `upstream-req-${++n}` } });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(g.faulty.calls).toHaveLength(2);
    expect(upstreamAt(res, 'cce')).toMatchObject({ service: 'CCE', status: 503, errorCode: 'APIG.0502', requestId: 'upstream-req-2' });
    // The gateway's own request id went upstream on every attempt, and came back to the caller.
    const ours = res.headers['x-request-id'];
    expect(typeof ours).toBe('string');
    expect(g.faulty.calls.map((c) => c.headers['x-request-id'])).toEqual([ours, ours]);
    await expectNextRequestNormal(g);
  });
});

describe('429 with Retry-After', () => {
  it('in seconds, then 200: waits as asked, then answers (2 calls)', async () => {
    const clock = createTestClock();
    const g = await start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '10000' }, undefined, clock);
    g.faulty.enqueue(json429('1'));
    const pending = g.query(MIXED);
    await clock.waitForTimer(1000);
    // Honoured: no retry before the second the upstream asked for.
    await clock.advance(999);
    expect(g.faulty.calls).toHaveLength(1);
    await clock.advance(1);
    const res = await pending;
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
    expect(g.faulty.calls[1]!.receivedAt - g.faulty.calls[0]!.receivedAt).toBe(1000);
    await expectNextRequestNormal(g);
  });

  it('as an HTTP date, then 200: waits until then, then answers (2 calls)', async () => {
    const clock = createTestClock();
    const g = await start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '10000' }, undefined, clock);
    // HTTP dates have whole seconds: 2 s ahead of the answer, truncated, is more than 1 s ahead of it.
    let until = 0;
    g.faulty.script = (call) => {
      if (call.n > 1) return { kind: 'healthy' };
      until = Math.floor((Date.now() + 2_000) / 1000) * 1000;
      return json429(new Date(until).toUTCString());
    };
    const pending = g.query(MIXED);
    // The retry's wait: every timer but the 10 s deadline.
    await clock.waitForTimer((ms) => ms < 10_000);
    const wait = until - clock.now();
    expect(wait).toBeGreaterThan(1000);
    expect(clock.pending()).toContain(wait);
    await clock.advance(wait - 1);
    expect(g.faulty.calls).toHaveLength(1);
    await clock.advance(1);
    const res = await pending;
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
    expect(g.faulty.calls[1]!.receivedAt).toBe(until);
    await expectNextRequestNormal(g);
  });

  it('longer than the deadline (seconds): not waited for, the 429 comes back at once (1 call)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '3000' });
    g.faulty.script = () => json429('30');
    const { value: res, ms } = await timed(() => g.query(MIXED));
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(upstreamAt(res, 'cce')).toMatchObject({ status: 429 });
    expect(g.faulty.calls).toHaveLength(1);
    // Before the deadline, let alone the 30 s asked for: it neither slept nor timed out.
    expect(ms).toBeLessThan(3_000);
    await expectNextRequestNormal(g);
  });

  it('longer than the deadline (HTTP date): not waited for either (1 call)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2', UPSTREAM_TIMEOUT_MS: '3000' });
    g.faulty.script = () => json429(new Date(Date.now() + 60_000).toUTCString());
    const { value: res, ms } = await timed(() => g.query(MIXED));
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(g.faulty.calls).toHaveLength(1);
    expect(ms).toBeLessThan(3_000);
    await expectNextRequestNormal(g);
  });
});

describe('429 forever', () => {
  it('gives up after UPSTREAM_RETRIES retries with UPSTREAM_UNAVAILABLE (3 calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    let n = 0;
    g.faulty.script = () => json429(undefined, `throttled-${++n}`);
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(g.faulty.calls).toHaveLength(3);
    expect(upstreamAt(res, 'cce')).toMatchObject({ service: 'CCE', status: 429, errorCode: 'APIG.0308', requestId: 'throttled-3' });
    await expectNextRequestNormal(g);
  });

  it('with UPSTREAM_RETRIES=0: exactly one call', async () => {
    const g = await start({ UPSTREAM_RETRIES: '0' });
    g.faulty.script = () => json429();
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_UNAVAILABLE');
    expect(g.faulty.calls).toHaveLength(1);
  });
});

describe('invalid JSON', () => {
  it('is an UPSTREAM_ERROR, not retried (1 call)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'raw', status: 200, body: '{"kind":"Job","metadata":{"uid": nope' });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_ERROR');
    expect(errorAt(res, 'cce')?.message).toMatch(/not valid JSON/);
    expect(g.faulty.calls).toHaveLength(1);
    await expectNextRequestNormal(g);
  });

  it('an HTML 502 page is retried like any 502 and then answered (2 calls)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'raw', status: 502, body: '<html><body>Bad Gateway</body></html>', headers: { 'Content-Type': 'text/html' } });
    const res = await g.query(MIXED);
    expectBothResolved(res);
    expect(g.faulty.calls).toHaveLength(2);
  });
});

describe('a 20 MiB body (UPSTREAM_MAX_BYTES 5 MiB)', () => {
  it.each([
    ['streamed without a length', false],
    ['with a declared Content-Length', true],
  ])('%s: UPSTREAM_ERROR, 1 call, the connection dropped', async (_name, declareLength) => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'large', bytes: 20 * 1024 * 1024, declareLength });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_ERROR');
    expect(errorAt(res, 'cce')?.message).toMatch(/larger than 5242880 bytes/);
    expect(g.faulty.calls).toHaveLength(1);
    // The gateway stopped reading and dropped the connection instead of draining 20 MiB.
    await g.faulty.calls[0]!.closed;
    expect(g.faulty.calls[0]!.answered).toBe(false);
    await expectNextRequestNormal(g);
  });

  it('a body just under the limit is read (control)', async () => {
    const g = await start({ UPSTREAM_MAX_BYTES: String(64 * 1024) });
    // A valid job padded to just under 64 KiB.
    const body = { kind: 'Job', metadata: { uid: SIM_IDS.cce.running }, status: { phase: 'Running' }, spec: { type: 'x'.repeat(60_000) } };
    g.faulty.enqueue({ kind: 'json', body });
    const res = await g.query(MIXED);
    expectBothResolved(res);
  });
});

describe('a 10,000-level nested sub-job payload', () => {
  it('is an UPSTREAM_ERROR (depth), not a stack overflow, and not retried (1 call)', async () => {
    const g = await start({ UPSTREAM_RETRIES: '2' });
    g.faulty.enqueue({ kind: 'deepCce', levels: 10_000, jobId: SIM_IDS.cce.running });
    const res = await g.query(MIXED);
    expectFaultyFailed(res, 'UPSTREAM_ERROR');
    expect(errorAt(res, 'cce')?.message).toMatch(/nested deeper than 32/);
    expect(g.faulty.calls).toHaveLength(1);
    await expectNextRequestNormal(g);
  });

  it('a tree within UPSTREAM_MAX_DEPTH is accepted (control)', async () => {
    const g = await start({ UPSTREAM_MAX_DEPTH: '32' });
    g.faulty.enqueue({ kind: 'deepCce', levels: 20, jobId: SIM_IDS.cce.running });
    const res = await g.query(
      `{ cce: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { jobId subJobs { jobId subJobs { jobId } } } }`,
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(fieldAt(res, 'cce')).toMatchObject({
      jobId: SIM_IDS.cce.running,
      subJobs: [{ jobId: 'deep-1', subJobs: [{ jobId: 'deep-2' }] }],
    });
  });
});
