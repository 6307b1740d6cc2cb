/**
 * jobUpdated (and plain queries) over graphql-ws on the same /graphql path: the same events as
 * SSE, the caller's token from connectionParams, the same query limits, and one poller shared by
 * both transports when the principal is the same.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Simulator } from '../../src/simulator/server.js';
import { scrape } from '../observability/prom.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import {
  CCE_SEQUENCE,
  JOB_UPDATED,
  LIVE_IDS,
  LIVE_PATHS,
  allHave,
  callsOn,
  errorCodeOf,
  eventually,
  eventuallyAsync,
  jobOf,
  sleep,
  subscribeSse,
  summary,
  type ExecutionPayload,
  type SseStream,
} from './helpers.js';

type SimGateway = TestGateway & { sim: Simulator };

const T0 = Date.parse('2025-11-03T10:00:00.000Z');
const STEP = 1_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(env: Record<string, string> = {}) {
  const clock = { now: T0 };
  const g: SimGateway = await startSimulatedGateway(env, { liveStepMs: STEP, now: () => clock.now });
  cleanups.push(() => g.close());
  const agent = new Agent();
  cleanups.push(() => agent.destroy());
  return {
    g,
    stepTo(step: number) {
      clock.now = T0 + step * STEP;
    },
    async sse(id: string, token: string): Promise<SseStream> {
      const s = await subscribeSse(g.url, { id, token, dispatcher: agent });
      cleanups.push(() => s.abort());
      return s;
    },
    ws(connectionParams: Record<string, string> = {}): Client {
      const client = createClient({
        url: `${g.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: true,
      });
      cleanups.push(async () => {
        await client.dispose();
      });
      return client;
    },
  };
}

interface WsOperation {
  readonly results: ExecutionPayload[];
  /** What the sink's error() got: a list of GraphQL errors, a CloseEvent, or an Error. */
  readonly error: unknown;
  readonly completed: boolean;
  readonly settled: boolean;
  waitForResults(n: number): Promise<void>;
  waitForSettled(): Promise<void>;
  unsubscribe(): void;
}

/** One operation over a graphql-ws client, with everything it receives recorded. */
function operate(client: Client, query: string, variables: Record<string, unknown>): WsOperation {
  const results: ExecutionPayload[] = [];
  let error: unknown;
  let completed = false;
  let settled = false;
  const unsubscribe = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (value: FormattedExecutionResult<Record<string, unknown>>) => results.push(value as ExecutionPayload),
      error: (e: unknown) => {
        error = e;
        settled = true;
      },
      complete: () => {
        completed = true;
        settled = true;
      },
    },
  );
  cleanups.push(async () => unsubscribe());
  return {
    results,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    get settled() {
      return settled;
    },
    waitForResults: (n) =>
      eventually(
        () => results.length >= n || settled,
        () => `${n} WebSocket results, have ${JSON.stringify(results)} (error ${String(error)})`,
      ).then(() => {
        if (results.length < n) throw new Error(`operation settled after ${results.length} of ${n} results: ${JSON.stringify(error)}`);
      }),
    waitForSettled: () => eventually(() => settled, 'the WebSocket operation to complete or fail'),
    unsubscribe,
  };
}

/** The messages of the GraphQL errors a graphql-ws sink's error() was given. */
function errorMessages(error: unknown): string[] {
  if (!Array.isArray(error)) throw new Error(`expected a list of GraphQL errors, got ${String(error)}`);
  return error.map((e: unknown) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e)));
}

const nest = (levels: number, inner: string): string => 'subJobs { '.repeat(levels) + inner + ' }'.repeat(levels);

describe('jobUpdated and queries over WebSocket (graphql-ws)', () => {
  it('a graphql-ws client gets the same events as an SSE client and completes on the terminal state', async () => {
    const { g, stepTo, sse, ws } = await start({ POLL_INTERVAL_MS: '100' });
    // Different principals: each transport is served by its own poller, so neither just echoes the other.
    const overSse = await sse(LIVE_IDS.cce, 'sse-principal');
    const overWs = operate(ws({ 'X-Auth-Token': 'ws-principal' }), JOB_UPDATED, { id: LIVE_IDS.cce });
    await overSse.waitForPayloads(1);
    await overWs.waitForResults(1);
    expect(g.gateway.watches.size).toBe(2);
    for (let step = 1; step < CCE_SEQUENCE.length; step++) {
      stepTo(step);
      await overSse.waitForPayloads(step + 1);
      await overWs.waitForResults(step + 1);
    }
    await overWs.waitForSettled();
    await overSse.waitForEnd();
    expect(overWs.error).toBeUndefined();
    expect(overWs.completed).toBe(true);
    expect(overSse.completed).toBe(true);
    expect(overWs.results.map((r) => summary(jobOf(r)))).toEqual(CCE_SEQUENCE);
    expect(overWs.results).toEqual(overSse.payloads);
    await eventually(() => g.gateway.watches.size === 0, 'both pollers to stop');
  });

  it('the token in connectionParams is the one the upstream sees, for queries and subscriptions', async () => {
    const { g, ws } = await start({ POLL_INTERVAL_MS: '100' });
    const TOKEN = 'ws-connection-param-token-5f1c';
    const client = ws({ 'X-Auth-Token': TOKEN });
    const query = operate(client, 'query One($id: ID!) { job(id: $id) { id state } }', { id: LIVE_IDS.db });
    await query.waitForSettled();
    expect(query.error).toBeUndefined();
    expect(query.results).toEqual([{ data: { job: { id: LIVE_IDS.db, state: 'PENDING' } } }]);

    const watch = operate(client, JOB_UPDATED, { id: LIVE_IDS.cce });
    await watch.waitForResults(1);
    expect(jobOf(watch.results[0]!).id).toBe(LIVE_IDS.cce);
    expect(callsOn(g.sim, LIVE_PATHS.db)).toHaveLength(1);
    expect(callsOn(g.sim, LIVE_PATHS.cce).length).toBeGreaterThanOrEqual(1);
    const tokens = new Set(g.sim.calls.map((c) => c.headers['x-auth-token']));
    expect(tokens).toEqual(new Set([TOKEN]));

    // Without a token there is no credential: UNAUTHENTICATED ends the watch and nothing goes upstream.
    g.sim.resetCalls();
    const anonymous = operate(ws(), JOB_UPDATED, { id: LIVE_IDS.cce });
    await anonymous.waitForSettled();
    expect(anonymous.results.map(errorCodeOf)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.completed).toBe(true);
    expect(g.sim.calls.filter((c) => c.headers['x-auth-token'] === undefined)).toHaveLength(0);
  });

  it('query limits apply over WebSocket: a selection nested beyond MAX_DEPTH is refused before any upstream call', async () => {
    const { g, ws } = await start({ POLL_INTERVAL_MS: '100', MAX_DEPTH: '4' });
    const client = ws({ 'X-Auth-Token': 'deep-token' });
    const deepQuery = operate(client, `query Deep($id: ID!) { job(id: $id) { ${nest(6, 'state')} } }`, { id: LIVE_IDS.cce });
    const deepWatch = operate(client, `subscription DeepWatch($id: ID!) { jobUpdated(id: $id) { ${nest(6, 'state')} } }`, {
      id: LIVE_IDS.cce,
    });
    for (const op of [deepQuery, deepWatch]) {
      await op.waitForSettled();
      expect(op.results).toEqual([]);
      expect(errorMessages(op.error).join('\n')).toMatch(/depth limit of 4 exceeded/i);
    }
    // Within the limit the same connection works.
    const shallow = operate(client, `query Shallow($id: ID!) { job(id: $id) { ${nest(2, 'state')} } }`, { id: LIVE_IDS.cce });
    await shallow.waitForSettled();
    expect(shallow.error).toBeUndefined();
    expect(shallow.results[0]?.errors).toBeUndefined();
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(1);
    expect(g.gateway.watches.size).toBe(0);
  });

  it('SSE and WebSocket watching one job with one token share a single poller', async () => {
    const INTERVAL = 150;
    const { g, stepTo, sse, ws } = await start({ POLL_INTERVAL_MS: String(INTERVAL) });
    const TOKEN = 'both-transports';
    const overSse = await sse(LIVE_IDS.cce, TOKEN);
    const overWs = operate(ws({ 'X-Auth-Token': TOKEN }), JOB_UPDATED, { id: LIVE_IDS.cce });
    await allHave([overSse], 1, 'SSE subscribed');
    await overWs.waitForResults(1);
    expect(g.gateway.watches.size).toBe(1);
    const metrics = await scrape(g.url);
    expect(metrics.value('pollers_active')).toBe(1);
    expect(metrics.value('subscriptions_active')).toBe(2);

    const before = callsOn(g.sim, LIVE_PATHS.cce).length;
    const started = performance.now();
    await sleep(8 * INTERVAL);
    const intervals = (performance.now() - started) / INTERVAL;
    const calls = callsOn(g.sim, LIVE_PATHS.cce).length - before;
    expect(calls, `${calls} calls in ${intervals.toFixed(1)} intervals`).toBeLessThanOrEqual(Math.floor(intervals) + 2);
    expect(calls).toBeGreaterThanOrEqual(1);

    for (let step = 1; step < CCE_SEQUENCE.length; step++) {
      stepTo(step);
      await overSse.waitForPayloads(step + 1);
      await overWs.waitForResults(step + 1);
    }
    await overWs.waitForSettled();
    await overSse.waitForEnd();
    expect(overWs.results).toEqual(overSse.payloads);
    expect(overWs.results.map((r) => summary(jobOf(r)))).toEqual(CCE_SEQUENCE);
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
  });

  it('closing the WebSocket ends its subscriptions and stops the poller', async () => {
    const { g, ws } = await start({ POLL_INTERVAL_MS: '100' });
    const client = ws({ 'X-Auth-Token': 'closing-socket' });
    const watches = [operate(client, JOB_UPDATED, { id: LIVE_IDS.cce }), operate(client, JOB_UPDATED, { id: LIVE_IDS.db })];
    for (const w of watches) await w.waitForResults(1);
    expect(g.gateway.watches.size).toBe(2);
    expect((await scrape(g.url)).value('subscriptions_active')).toBe(2);
    client.terminate();
    await eventually(() => g.gateway.watches.size === 0, 'both pollers to stop');
    await eventuallyAsync(async () => (await scrape(g.url)).value('subscriptions_active') === 0, 'the subscriptions to close');
    await sleep(100);
    const calls = g.sim.calls.length;
    await sleep(500);
    expect(g.sim.calls.length, 'calls after the socket closed').toBe(calls);
  });
});

describe('a WebSocket that closes', () => {
  it('cancels the upstream calls of its operations, long before their deadline', async () => {
    let upstreamClosedEarly: Promise<boolean> | undefined;
    const g = await startSimulatedGateway(
      { UPSTREAM_TIMEOUT_MS: '15000' },
      {
        intercept: (call, res) => {
          if (!call.path.endsWith('/jobs/hanging-job')) return false;
          // Never answer: only the gateway can end this request, by giving up on it.
          upstreamClosedEarly = new Promise((resolve) => res.once('close', () => resolve(!res.writableEnded)));
          return true;
        },
      },
    );
    cleanups.push(() => g.close());
    const client = createClient({
      url: `${g.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { 'X-Auth-Token': 'ws-cancel' },
      retryAttempts: 0,
    });
    client.subscribe(
      { query: `{ cfwJob(projectId: "09bb24e6fe80d23d2fa2c010b53b418c", jobId: "hanging-job") { state } }` },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await eventually(() => upstreamClosedEarly !== undefined, 'the upstream call to start');
    const started = Date.now();
    await client.dispose();
    expect(await upstreamClosedEarly).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
