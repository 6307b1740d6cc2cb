/**
 * GET /metrics after a known sequence of queries and faults: every counter moves by exactly what
 * the sequence should cost, read back through a parser of the Prometheus text format.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_IDS, SIM_PROJECT_ID as P, type SimCall, type Simulator } from '../../src/simulator/server.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';
import { LIVE_IDS, eventuallyAsync, pathOf, subscribeSse } from '../live/helpers.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import { parseExposition, scrape, type Exposition } from './prom.js';

type SimGateway = TestGateway & { sim: Simulator };

const TOKEN = 'metrics-token';
const N_OK = 3;
const BATCH_IDS = [SIM_IDS.db.pending, SIM_IDS.db.running, SIM_IDS.db.failed, SIM_IDS.db.canceled];
const K = BATCH_IDS.length;
const FLAKY_PATH = `/v3/${P}/jobs/${SIM_IDS.cfw.running}`;

const cce = (jobId: string) => `cceJob(projectId: "${P}", jobId: "${jobId}") { jobId state }`;

let g: SimGateway;
let flakyCalls = 0;

beforeAll(async () => {
  // The first call to the flaky CFW job gets a 503; its retry reaches the simulator.
  const intercept = (call: SimCall, res: ServerResponse): boolean => {
    if (pathOf(call) !== FLAKY_PATH || flakyCalls++ > 0) return false;
    res.statusCode = 503;
    res.end(JSON.stringify({ error_code: 'APIG.0503', error_msg: 'Service temporarily unavailable' }));
    return true;
  };
  g = await startSimulatedGateway(
    { UPSTREAM_RETRIES: '2', UPSTREAM_RETRY_BASE_MS: '5', UPSTREAM_RETRY_MAX_DELAY_MS: '20', POLL_INTERVAL_MS: '200' },
    { intercept },
  );
});
afterAll(async () => {
  await g.close();
});

/** after - before, for one series. */
const delta = (before: Exposition, after: Exposition, name: string, labels: Record<string, string> = {}): number =>
  after.value(name, labels) - before.value(name, labels);
const deltaSum = (before: Exposition, after: Exposition, name: string, labels: Record<string, string> = {}): number =>
  after.sum(name, labels) - before.sum(name, labels);

describe('the exposition parser', () => {
  it('reads labels (with escapes), histograms and special values', () => {
    const e = parseExposition(
      [
        '# HELP a_total Things.',
        '# TYPE a_total counter',
        'a_total{code="NOT_FOUND",msg="say \\"hi\\"\\n"} 3',
        'a_total{code="FORBIDDEN"} 1',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} 2',
        'g NaN',
        '',
      ].join('\n'),
    );
    expect(e.value('a_total', { code: 'NOT_FOUND' })).toBe(3);
    expect(e.samples[0]!.labels.msg).toBe('say "hi"\n');
    expect(e.sum('a_total')).toBe(4);
    expect(e.value('h_bucket', { le: '+Inf' })).toBe(2);
    expect(e.value('missing')).toBe(0);
    expect(e.types.get('h')).toBe('histogram');
    expect(() => e.value('a_total')).toThrow(/2 samples/);
    expect(() => parseExposition('a_total{code=NOT_FOUND} 1')).toThrow(/malformed labels/);
  });
});

describe('/metrics', () => {
  it('is Prometheus text with every gateway metric declared with its type', async () => {
    const m = await scrape(g.url);
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    expect(Object.fromEntries(m.types)).toMatchObject({
      http_request_duration_seconds: 'histogram',
      graphql_operations_total: 'counter',
      graphql_errors_total: 'counter',
      upstream_request_duration_seconds: 'histogram',
      upstream_retries_total: 'counter',
      upstream_circuit_state: 'gauge',
      loader_batch_size: 'histogram',
      terminal_cache_lookups_total: 'counter',
      subscriptions_active: 'gauge',
      pollers_active: 'gauge',
    });
  });

  it('counts a known sequence of queries and faults exactly', async () => {
    const before = await scrape(g.url);
    g.sim.resetCalls();

    for (let i = 0; i < N_OK; i++) {
      const res = await g.query(`query Ok { ${cce(SIM_IDS.cce.running)} }`, { token: TOKEN });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    }
    const missing = await g.query(`query Missing { ${cce('00000000-dead-11f0-9f3c-0255ac100000')} }`, { token: TOKEN });
    expect(missing.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    const flaky = await g.query(`query Flaky { cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}") { jobId state } }`, {
      token: TOKEN,
    });
    expect(flaky.errors, JSON.stringify(flaky.errors)).toBeUndefined();
    expect(flakyCalls).toBe(2);
    for (let i = 0; i < 2; i++) {
      const res = await g.query(`query Terminal { ${cce(SIM_IDS.cce.success)} }`, { token: TOKEN });
      expect(res.data).toEqual({ cceJob: { jobId: SIM_IDS.cce.success, state: 'SUCCEEDED' } });
    }
    const ids = BATCH_IDS.map((jobId) => dbGlobalId({ region: 'cn-north-4', projectId: P, jobId }));
    const batch = await g.query('query Batch($ids: [ID!]!) { jobs(ids: $ids) { id state } }', { token: TOKEN, variables: { ids } });
    expect(batch.errors, JSON.stringify(batch.errors)).toBeUndefined();

    const after = await scrape(g.url);
    const d = (name: string, labels: Record<string, string> = {}) => delta(before, after, name, labels);
    const ds = (name: string, labels: Record<string, string> = {}) => deltaSum(before, after, name, labels);
    const QUERIES = N_OK + 1 + 1 + 2 + 1;

    expect(d('graphql_operations_total', { type: 'query' })).toBe(QUERIES);
    expect(ds('graphql_operations_total')).toBe(QUERIES);
    expect(d('graphql_errors_total', { code: 'NOT_FOUND' })).toBe(1);
    expect(ds('graphql_errors_total')).toBe(1);
    expect(d('http_request_duration_seconds_count', { method: 'POST', path: '/graphql', status: '200' })).toBe(QUERIES);

    // One observation per upstream attempt, by service, outcome and status class.
    const attempts = (service: string, outcome: string, statusClass: string) =>
      d('upstream_request_duration_seconds_count', { service, outcome, status_class: statusClass });
    expect(attempts('CCE', 'ok', '2xx')).toBe(N_OK + 1); // the terminal job's second read came from the cache
    expect(attempts('CCE', 'NOT_FOUND', '4xx')).toBe(1);
    expect(attempts('CFW', 'UPSTREAM_UNAVAILABLE', '5xx')).toBe(1);
    expect(attempts('CFW', 'ok', '2xx')).toBe(1);
    expect(attempts('DB', 'ok', '2xx')).toBe(K);
    expect(ds('upstream_request_duration_seconds_count')).toBe(g.sim.calls.length);
    // ok reads, the not-found read, the flaky read and its retry, the terminal job once, the batch.
    expect(g.sim.calls).toHaveLength(N_OK + 1 + 2 + 1 + K);

    expect(d('upstream_retries_total', { service: 'CFW', code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(ds('upstream_retries_total')).toBe(1);

    expect(d('terminal_cache_lookups_total', { service: 'CCE', result: 'hit' })).toBe(1);
    expect(ds('terminal_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(d('terminal_cache_lookups_total', { service: 'CCE', result: 'miss' })).toBe(N_OK + 1 + 1);
    expect(d('terminal_cache_lookups_total', { service: 'CFW', result: 'miss' })).toBe(1);
    expect(d('terminal_cache_lookups_total', { service: 'DB', result: 'miss' })).toBe(K);

    // The k ids were one DB batch of size k: one observation, in the buckets from k up.
    expect(d('loader_batch_size_count', { service: 'DB' })).toBe(1);
    expect(d('loader_batch_size_sum', { service: 'DB' })).toBe(K);
    expect(d('loader_batch_size_bucket', { service: 'DB', le: '2' })).toBe(0);
    expect(d('loader_batch_size_bucket', { service: 'DB', le: '5' })).toBe(1);
    expect(d('loader_batch_size_bucket', { service: 'DB', le: '+Inf' })).toBe(1);
    // Every CCE read was a batch of one.
    expect(d('loader_batch_size_count', { service: 'CCE' })).toBe(N_OK + 1 + 2);
    expect(d('loader_batch_size_bucket', { service: 'CCE', le: '1' })).toBe(N_OK + 1 + 2);

    expect(after.value('subscriptions_active')).toBe(0);
    expect(after.value('pollers_active')).toBe(0);
  });

  it('shows an open subscription and its poller, and 0 once it is closed', async () => {
    const before = await scrape(g.url);
    const stream = await subscribeSse(g.url, { id: LIVE_IDS.cce, token: TOKEN });
    try {
      await stream.waitForPayloads(1);
      const open = await scrape(g.url);
      expect(open.value('subscriptions_active')).toBe(1);
      expect(open.value('pollers_active')).toBe(1);
      expect(delta(before, open, 'graphql_operations_total', { type: 'subscription' })).toBe(1);
      expect(delta(before, open, 'graphql_operations_total', { type: 'query' })).toBe(0);
    } finally {
      await stream.abort();
    }
    await eventuallyAsync(async () => {
      const closed = await scrape(g.url);
      return closed.value('subscriptions_active') === 0 && closed.value('pollers_active') === 0;
    }, 'subscriptions_active and pollers_active back to 0');
    expect(g.gateway.watches.size).toBe(0);
  });

  it('counts the error events of subscriptions by code', async () => {
    const before = await scrape(g.url);
    const stream = await subscribeSse(g.url, { id: LIVE_IDS.missingCce, token: TOKEN });
    try {
      await stream.waitForEnd();
    } finally {
      await stream.abort();
    }
    expect(stream.payloads.map((p) => p.errors?.[0]?.extensions?.code)).toEqual(['NOT_FOUND']);
    const after = await scrape(g.url);
    expect(delta(before, after, 'graphql_errors_total', { code: 'NOT_FOUND' })).toBe(1);
    expect(deltaSum(before, after, 'graphql_errors_total')).toBe(1);
    expect(delta(before, after, 'graphql_operations_total', { type: 'subscription' })).toBe(1);
  });
});
