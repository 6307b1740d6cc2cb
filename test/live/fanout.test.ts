/**
 * jobUpdated over real SSE connections: one poller per (job, principal) however many subscribers,
 * polling stops with the last subscriber, terminal jobs complete every stream, and failures reach
 * the subscribers the way the schema documents.
 *
 * Upstream calls are counted at the simulator. Where a test counts polls, the gateway's pollers run
 * on a test clock that the test ticks one interval at a time, so the counts are exact; where the
 * test needs a job to move at a precise moment, the simulator runs on a fake clock too.
 */
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SimCall, Simulator, SimulatorOptions } from '../../src/simulator/server.js';
import { encodeId } from '../../src/model/ids.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { scrape } from '../observability/prom.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';
import {
  CCE_SEQUENCE,
  LIVE_IDS,
  LIVE_PATHS,
  P,
  SIM_IDS,
  allHave,
  callsOn,
  compareRank,
  errorCodeOf,
  eventually,
  eventuallyAsync,
  jobOf,
  pathOf,
  progressRank,
  sleep,
  subscribeSse,
  summary,
  type SseStream,
} from './helpers.js';

type SimGateway = TestGateway & { sim: Simulator };

const T0 = Date.parse('2025-11-03T10:00:00.000Z');
const STEP = 1_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  // Streams first, then agents, then servers: the reverse of the order they were made in.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A simulated gateway on a fake clock (the live jobs move only when the test says so). With
 * `timers`, the gateway's pollers run on a test clock too: a poll happens only when the test ticks.
 */
async function start(env: Record<string, string>, sim: SimulatorOptions = {}, timers?: TestClock) {
  const clock = { now: T0 };
  const g: SimGateway = await startSimulatedGateway(
    env,
    { liveStepMs: STEP, now: () => clock.now, ...sim },
    timers ? { clock: timers } : {},
  );
  cleanups.push(() => g.close());
  const agent = new Agent({ connections: null });
  cleanups.push(() => agent.destroy());
  return {
    g,
    clock,
    /** Moves the live jobs to `step` (the timelines started at T0, on the first request). */
    stepTo(step: number) {
      clock.now = T0 + step * STEP;
    },
    async open(id: string, token: string, n = 1): Promise<SseStream[]> {
      const streams = await Promise.all(Array.from({ length: n }, () => subscribeSse(g.url, { id, token, dispatcher: agent })));
      for (const s of streams) cleanups.push(() => s.abort());
      return streams;
    },
  };
}

/** One poll interval on the test clock, once `pollers` pollers are waiting for it: each polls once. */
async function tick(timers: TestClock, intervalMs: number, pollers = 1): Promise<void> {
  await timers.waitForTimer(intervalMs, pollers);
  await timers.advance(intervalMs);
}

describe('jobUpdated over SSE: one poller per job and principal', () => {
  it('200 subscribers to one job cost one upstream call per interval, and all 200 complete when it succeeds', async () => {
    const INTERVAL = 150;
    const timers = createTestClock();
    const { g, open, stepTo } = await start({ POLL_INTERVAL_MS: String(INTERVAL) }, {}, timers);
    const streams = await open(LIVE_IDS.cce, 'fanout-token', 200);
    await allHave(streams, 1, 'subscribed');
    // Opening 200 streams cost one call, not 200: the first subscriber started the poller, the rest joined it.
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(1);
    for (const s of streams) {
      expect(s.status).toBe(200);
      expect(s.contentType).toMatch(/^text\/event-stream/);
    }
    expect(g.gateway.watches.size).toBe(1);
    const metrics = await scrape(g.url);
    expect(metrics.value('pollers_active')).toBe(1);
    expect(metrics.value('subscriptions_active')).toBe(200);

    for (let i = 0; i < 10; i++) await tick(timers, INTERVAL);
    // Ten intervals, ten calls: one per interval for all 200 subscribers.
    await eventually(() => callsOn(g.sim, LIVE_PATHS.cce).length === 11, 'the tenth poll');
    await timers.waitForTimer(INTERVAL);
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(11);
    // The job did not change: each subscriber got it once, not once per poll.
    for (const s of streams) expect(s.payloads.map((p) => summary(jobOf(p)))).toEqual([CCE_SEQUENCE[0]]);
    // Nothing else was read upstream.
    expect(new Set(g.sim.calls.map(pathOf))).toEqual(new Set([LIVE_PATHS.cce]));

    for (let step = 1; step < CCE_SEQUENCE.length; step++) {
      stepTo(step);
      await tick(timers, INTERVAL);
      await allHave(streams, step + 1, `step ${step}`);
    }
    await eventually(() => streams.every((s) => s.ended), 'every stream to end');
    for (const s of streams) {
      expect(s.payloads.map((p) => summary(jobOf(p)))).toEqual(CCE_SEQUENCE);
      expect(s.events.at(-1)).toEqual({ event: 'complete' });
    }
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
  });

  it('subscribers to two jobs make two pollers, each polling its own job once per interval', async () => {
    const INTERVAL = 150;
    const timers = createTestClock();
    const { g, open } = await start({ POLL_INTERVAL_MS: String(INTERVAL) }, {}, timers);
    const cce = await open(LIVE_IDS.cce, 'two-jobs', 5);
    const db = await open(LIVE_IDS.db, 'two-jobs', 5);
    await allHave([...cce, ...db], 1, 'subscribed');
    expect(g.gateway.watches.size).toBe(2);
    expect((await scrape(g.url)).value('pollers_active')).toBe(2);
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(1);
    expect(callsOn(g.sim, LIVE_PATHS.db)).toHaveLength(1);

    for (let i = 0; i < 8; i++) await tick(timers, INTERVAL, 2);
    await timers.waitForTimer(INTERVAL, 2);
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(9);
    expect(callsOn(g.sim, LIVE_PATHS.db)).toHaveLength(9);
    expect(new Set(g.sim.calls.map(pathOf))).toEqual(new Set([LIVE_PATHS.cce, LIVE_PATHS.db]));
    for (const s of cce) expect(jobOf(s.payloads[0]!).id).toBe(LIVE_IDS.cce);
    for (const s of db) expect(jobOf(s.payloads[0]!)).toMatchObject({ id: LIVE_IDS.db, state: 'PENDING' });
  });

  it('two principals on one job get two pollers, each calling with its own token', async () => {
    const INTERVAL = 150;
    const timers = createTestClock();
    const { g, open } = await start({ POLL_INTERVAL_MS: String(INTERVAL) }, {}, timers);
    const alice = await open(LIVE_IDS.cce, 'token-alice', 5);
    const bob = await open(LIVE_IDS.cce, 'token-bob', 5);
    await allHave([...alice, ...bob], 1, 'subscribed');
    expect(g.gateway.watches.size).toBe(2);
    expect((await scrape(g.url)).value('pollers_active')).toBe(2);

    for (let i = 0; i < 8; i++) await tick(timers, INTERVAL, 2);
    await timers.waitForTimer(INTERVAL, 2);
    expect(callsOn(g.sim, LIVE_PATHS.cce, 'token-alice')).toHaveLength(9);
    expect(callsOn(g.sim, LIVE_PATHS.cce, 'token-bob')).toHaveLength(9);
    // Every call carried one of the two tokens: no poll went out on someone else's (or no) credential.
    expect(g.sim.calls.every((c) => c.headers['x-auth-token'] === 'token-alice' || c.headers['x-auth-token'] === 'token-bob')).toBe(true);

    // Bob leaving ends only Bob's poller.
    await Promise.all(bob.map((s) => s.abort()));
    await eventually(() => g.gateway.watches.size === 1, "bob's poller to stop");
    for (let i = 0; i < 3; i++) await tick(timers, INTERVAL);
    await timers.waitForTimer(INTERVAL);
    expect(callsOn(g.sim, LIVE_PATHS.cce, 'token-alice')).toHaveLength(12);
    expect(callsOn(g.sim, LIVE_PATHS.cce, 'token-bob')).toHaveLength(9);
    for (const s of alice) expect(s.ended).toBe(false);
  });

  it('the last unsubscribe stops polling', async () => {
    const INTERVAL = 100;
    const timers = createTestClock();
    const { g, open } = await start({ POLL_INTERVAL_MS: String(INTERVAL) }, {}, timers);
    const streams = await open(LIVE_IDS.cce, 'leaving', 10);
    await allHave(streams, 1, 'subscribed');
    expect((await scrape(g.url)).value('subscriptions_active')).toBe(10);

    // All but one leave: the poller goes on for the one left.
    await Promise.all(streams.slice(1).map((s) => s.abort()));
    await eventuallyAsync(async () => (await scrape(g.url)).value('subscriptions_active') === 1, 'nine subscriptions to close');
    const remaining = callsOn(g.sim, LIVE_PATHS.cce).length;
    await tick(timers, INTERVAL);
    await tick(timers, INTERVAL);
    await timers.waitForTimer(INTERVAL);
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(remaining + 2);
    expect(g.gateway.watches.size).toBe(1);
    expect((await scrape(g.url)).value('pollers_active')).toBe(1);
    expect(streams[0]!.ended).toBe(false);

    await streams[0]!.abort();
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
    await eventuallyAsync(async () => (await scrape(g.url)).value('subscriptions_active') === 0, 'the last subscription to close');
    expect((await scrape(g.url)).value('pollers_active')).toBe(0);
    // Its next poll was called off: no timer left, and six more intervals bring no call.
    expect(timers.pending()).not.toContain(INTERVAL);
    const settled = g.sim.calls.length;
    await timers.advance(6 * INTERVAL);
    expect(g.sim.calls.length, 'calls after the last subscriber left').toBe(settled);
  });
});

describe('jobUpdated over SSE: what each subscriber sees', () => {
  it('a job that reaches SUCCEEDED completes every stream, each state once and in order', async () => {
    const { g, open, stepTo } = await start({ POLL_INTERVAL_MS: '100' });
    const streams = await open(LIVE_IDS.cce, 'in-order', 10);
    await allHave(streams, 1, 'subscribed');
    for (let step = 1; step < CCE_SEQUENCE.length; step++) {
      stepTo(step);
      await allHave(streams, step + 1, `step ${step}`);
    }
    await eventually(() => streams.every((s) => s.ended), 'every stream to end');
    for (const s of streams) {
      const jobs = s.payloads.map(jobOf);
      expect(jobs.map(summary)).toEqual(CCE_SEQUENCE);
      // Sub-jobs finish one by one: each snapshot has one more finished than the one two before it, never fewer.
      expect(jobs.map((j) => (j.subJobs ?? []).filter((sub) => sub.state === 'SUCCEEDED').length)).toEqual([0, 0, 1, 2, 3]);
      expect(jobs.map((j) => j.terminal)).toEqual([false, false, false, false, true]);
      const times = jobs.map((j) => j.updatedAt).filter((t): t is string => t !== null);
      expect(times).toEqual([...times].sort());
      // The terminal event, then `complete`, then nothing.
      expect(s.events.map((e) => e.event)).toEqual(['next', 'next', 'next', 'next', 'next', 'complete']);
    }
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
  });

  it('a live job moving on the real clock completes every stream with states that never go backwards', async () => {
    const { g, open } = await start({ POLL_INTERVAL_MS: '100' }, { liveStepMs: 300, now: Date.now });
    const streams = await open(LIVE_IDS.cce, 'real-clock', 10);
    for (const s of streams) await s.waitForEnd(15_000);
    const sequences = streams.map((s) => s.payloads.map((p) => jobOf(p)));
    const longest = sequences.reduce((a, b) => (b.length > a.length ? b : a));
    for (const [i, jobs] of sequences.entries()) {
      const what = `stream ${i}: ${jobs.map(summary).join(' → ')}`;
      expect(streams[i]!.events.at(-1), what).toEqual({ event: 'complete' });
      expect(jobs.at(-1), what).toMatchObject({ state: 'SUCCEEDED', terminal: true });
      expect(
        jobs.slice(0, -1).every((j) => !j.terminal),
        what,
      ).toBe(true);
      for (let k = 1; k < jobs.length; k++) {
        expect(compareRank(progressRank(jobs[k - 1]!), progressRank(jobs[k]!)), what).toBeLessThan(0);
      }
      for (const job of jobs) {
        // Finished sub-jobs are always a prefix: the second never finishes before the first.
        const states = (job.subJobs ?? []).map((s) => s.state);
        const firstUnfinished = states.findIndex((s) => s !== 'SUCCEEDED');
        if (firstUnfinished >= 0) expect(states.slice(firstUnfinished).includes('SUCCEEDED'), what).toBe(false);
        expect(states.filter((s) => s === 'RUNNING').length, what).toBeLessThanOrEqual(1);
      }
      // One poller feeds everyone: a stream that joined later saw a suffix of what the first saw.
      expect(longest.slice(longest.length - jobs.length).map(summary), what).toEqual(jobs.map(summary));
    }
    expect(longest.map(summary).at(0)).toBe(CCE_SEQUENCE[0]);
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
  });

  it('a subscriber gets the job at once, and a late subscriber gets the current job from the running poller', async () => {
    // With a one-minute interval the only poll during this test is the one the first subscriber starts.
    const { g, open, stepTo } = await start({ POLL_INTERVAL_MS: '60000' });
    const [first] = await open(LIVE_IDS.cce, 'early-and-late');
    await first!.waitForPayloads(1);
    expect(summary(jobOf(first!.payloads[0]!))).toBe(CCE_SEQUENCE[0]);
    expect(callsOn(g.sim, LIVE_PATHS.cce)).toHaveLength(1);

    stepTo(2); // the upstream moved on; the poller has not looked since
    const [late] = await open(LIVE_IDS.cce, 'early-and-late');
    await late!.waitForPayloads(1);
    expect(late!.payloads[0]).toEqual(first!.payloads[0]);
    expect(callsOn(g.sim, LIVE_PATHS.cce), 'the late subscriber joined the poller: no new call').toHaveLength(1);
    expect(g.gateway.watches.size).toBe(1);
    expect(first!.payloads).toHaveLength(1);
  });

  it('an unknown job ends the subscription with one NOT_FOUND event', async () => {
    const { g, open } = await start({ POLL_INTERVAL_MS: '100' });
    const [s] = await open(LIVE_IDS.missingCce, 'not-found');
    await s!.waitForEnd();
    expect(s!.status).toBe(200);
    expect(s!.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(errorCodeOf(s!.payloads[0]!)).toBe('NOT_FOUND');
    expect(s!.payloads[0]!.data ?? null).toBeNull();
    // Final: not retried, not polled again.
    expect(callsOn(g.sim, LIVE_PATHS.missingCce)).toHaveLength(1);
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
    await sleep(300);
    expect(callsOn(g.sim, LIVE_PATHS.missingCce)).toHaveLength(1);
  });

  it('a FORBIDDEN principal gets one error event and its subscription ends; another principal on the job goes on', async () => {
    const { g, open } = await start({ POLL_INTERVAL_MS: '100' }, { denyTokens: ['denied-token'] });
    const [allowed] = await open(LIVE_IDS.cce, 'allowed-token');
    await allowed!.waitForPayloads(1);
    const [denied] = await open(LIVE_IDS.cce, 'denied-token');
    await denied!.waitForEnd();
    expect(denied!.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(errorCodeOf(denied!.payloads[0]!)).toBe('FORBIDDEN');
    expect(callsOn(g.sim, LIVE_PATHS.cce, 'denied-token')).toHaveLength(1);
    // The allowed principal's poller was never shared with the denied one, and it goes on.
    const before = callsOn(g.sim, LIVE_PATHS.cce, 'allowed-token').length;
    await eventually(() => callsOn(g.sim, LIVE_PATHS.cce, 'allowed-token').length >= before + 2, 'the allowed poller to go on');
    expect(allowed!.ended).toBe(false);
    expect(allowed!.payloads.map((p) => summary(jobOf(p)))).toEqual([CCE_SEQUENCE[0]]);
    expect(g.gateway.watches.size).toBe(1);
  });

  it('an upstream 503 while watching is one error event after the retries are spent; the watch goes on and delivers the job again', async () => {
    const RETRIES = 2;
    const path = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`;
    const outcomes: ('fail' | 'pass')[] = [];
    let failures = 0;
    const intercept = (call: SimCall, res: ServerResponse): boolean => {
      if (pathOf(call) !== path) return false;
      if (failures === 0) {
        outcomes.push('pass');
        return false;
      }
      failures--;
      outcomes.push('fail');
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error_code: 'APIG.0503', error_msg: 'Service temporarily unavailable' }));
      return true;
    };
    const { g, open } = await start(
      {
        POLL_INTERVAL_MS: '100',
        POLL_MAX_BACKOFF_MS: '400',
        UPSTREAM_RETRIES: String(RETRIES),
        UPSTREAM_RETRY_BASE_MS: '5',
        UPSTREAM_RETRY_MAX_DELAY_MS: '20',
      },
      { intercept },
    );
    const id = cceGlobalId({ api: 'v3', region: 'cn-north-4', projectId: P, jobId: SIM_IDS.cce.running });
    const [s] = await open(id, 'flaky-upstream');
    await s!.waitForPayloads(1);
    const job = jobOf(s!.payloads[0]!);
    expect(job.state).toBe('RUNNING');

    const from = outcomes.length;
    failures = RETRIES + 1; // exactly one poll's worth of attempts fails
    await s!.waitForPayloads(3);
    const [, error, recovered] = s!.payloads;
    expect(errorCodeOf(error!), JSON.stringify(error)).toBe('UPSTREAM_UNAVAILABLE');
    expect(error!.errors).toHaveLength(1);
    expect(error!.errors![0]!.extensions).toMatchObject({ upstream: { service: 'CCE', status: 503 } });
    expect(jobOf(recovered!)).toEqual(job);
    // The failing poll made RETRIES + 1 attempts before the subscribers heard of it; the next poll passed.
    expect(outcomes.slice(from, from + RETRIES + 2)).toEqual([...Array<'fail'>(RETRIES + 1).fill('fail'), 'pass']);
    expect(s!.ended).toBe(false);
    expect(s!.payloads.filter((p) => p.errors)).toHaveLength(1);
    const metrics = await scrape(g.url);
    expect(metrics.value('upstream_retries_total', { service: 'CCE', code: 'UPSTREAM_UNAVAILABLE' })).toBe(RETRIES);
    expect(
      metrics.value('upstream_request_duration_seconds_count', { service: 'CCE', outcome: 'UPSTREAM_UNAVAILABLE', status_class: '5xx' }),
    ).toBe(RETRIES + 1);
  });

  it('a malformed id is refused at once, without a poller or an upstream call', async () => {
    const { g, open } = await start({ POLL_INTERVAL_MS: '100' });
    const notBase64 = 'not a job id!';
    const notJson = Buffer.from('{"cce3":').toString('base64url');
    for (const id of [notBase64, notJson]) {
      const [s] = await open(id, 'malformed');
      await s!.waitForEnd();
      expect(
        s!.events.map((e) => e.event),
        id,
      ).toEqual(['next', 'complete']);
      expect(errorCodeOf(s!.payloads[0]!), id).toBe('BAD_USER_INPUT');
    }
    expect(g.gateway.watches.size).toBe(0);
    const metrics = await scrape(g.url);
    expect(metrics.value('subscriptions_active')).toBe(0);
    expect(metrics.value('pollers_active')).toBe(0);
    // Well-formed but minted by no upstream: refused by the first (and only) poll, still without an upstream call.
    const [unknownTag] = await open(encodeId('nope', ['cn-north-4', P, 'x']), 'malformed');
    await unknownTag!.waitForEnd();
    expect(unknownTag!.payloads.map(errorCodeOf)).toEqual(['BAD_USER_INPUT']);
    expect(g.sim.calls).toHaveLength(0);
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
  });

  it('a watch ends after WATCH_MAX_MS with one UPSTREAM_TIMEOUT event', async () => {
    const { g, open } = await start({ POLL_INTERVAL_MS: '100', WATCH_MAX_MS: '300' });
    const [s] = await open(LIVE_IDS.cce, 'watch-max');
    await s!.waitForEnd();
    expect(s!.payloads.map((p) => errorCodeOf(p) ?? summary(jobOf(p)))).toEqual([CCE_SEQUENCE[0], 'UPSTREAM_TIMEOUT']);
    expect(s!.events.at(-1)).toEqual({ event: 'complete' });
    await eventually(() => g.gateway.watches.size === 0, 'the poller to stop');
    const calls = g.sim.calls.length;
    await sleep(300);
    expect(g.sim.calls.length).toBe(calls);
  });
});
