/**
 * Fleet mode, end to end: one real redis-server, three gateway processes (REDIS_URL set), one
 * simulator whose live jobs move only when the test moves its clock, and real SSE subscribers.
 * Upstream calls are counted at the simulator. Asserted: what subscribers receive (every state
 * once, in order, through the terminal one), upstream call counts, error codes, log lines.
 *
 * The tests run in order on the same fleet, each with its own token (so their cache entries,
 * leases and rate-limit slots are their own); the last two stop Redis and SIGKILL a replica.
 */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hash } from 'node:crypto';
import { startSimulator, type SimCall, type Simulator } from '../../src/simulator/server.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';
import {
  CCE_SEQUENCE,
  LIVE_IDS,
  LIVE_PATHS,
  P,
  REGION,
  SIM_IDS,
  callsOn,
  eventually,
  eventuallyAsync,
  jobOf,
  pathOf,
  sleep,
  subscribeSse,
  summary,
  type SseStream,
} from '../live/helpers.js';
import { haveRedis, startRedis, type TestRedis } from '../support/redis.js';
import { startReplica, type Replica } from './replicas.js';

const POLL_MS = 400;
const STEP = 1_000;
const T0 = Date.parse('2025-11-03T10:00:00.000Z');
const RATE = 5;

describe.skipIf(!haveRedis())('fleet mode: three replicas, one Redis', () => {
  let redis: TestRedis;
  let sim: Simulator;
  let replicas: Replica[] = [];
  const clock = { now: T0 };
  /** Tokens the simulator answers 401 for. */
  const revoked = new Set<string>();
  /** When each simulator call arrived (real time), by index in sim.calls. */
  const arrivals: number[] = [];
  const agent = new Agent({ connections: null });
  const streams: SseStream[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sim = await startSimulator({
      liveStepMs: STEP,
      now: () => clock.now,
      intercept: (call, res) => {
        arrivals.push(Date.now());
        if (!revoked.has(String(call.headers['x-auth-token']))) return false;
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error_code: 'APIG.0301', error_msg: 'token expired' }));
        return true;
      },
    });
    const env = {
      REDIS_URL: redis.url,
      POLL_INTERVAL_MS: String(POLL_MS),
      UPSTREAM_RATE_LIMIT: `CCE=${RATE}/s`,
      UPSTREAM_TIMEOUT_MS: '1500',
      // Above the default 250 ms: on a test machine shared by many, an event loop held up that long
      // turns a prompt Redis answer into a timeout, and each replica then decides on its own.
      REDIS_TIMEOUT_MS: '1000',
      UPSTREAM_RETRIES: '0',
      CCE_ENDPOINT: sim.url,
      CAE_ENDPOINT: sim.url,
      CFW_ENDPOINT: sim.url,
      DB_ENDPOINT: sim.url,
    };
    replicas = await Promise.all(['A', 'B', 'C'].map((name) => startReplica(name, env)));
    await eventuallyAsync(
      async () => (await Promise.all(replicas.map((r) => r.metric('redis_up')))).every((v) => v === 1),
      'every replica connected to Redis',
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(streams.map((s) => s.abort()));
    await agent.destroy();
    await Promise.all(replicas.map((r) => r.kill('SIGTERM')));
    await sim?.close();
    await redis?.stop();
  }, 60_000);

  // A test's subscribers leave with it, so the next one starts with no watch and no lease.
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((s) => s.abort()));
  });

  function reset(): void {
    sim.resetLive();
    clock.now = T0;
  }

  async function open(replica: Replica, id: string, token: string, n: number): Promise<SseStream[]> {
    const opened = await Promise.all(Array.from({ length: n }, () => subscribeSse(replica.url, { id, token, dispatcher: agent })));
    streams.push(...opened);
    return opened;
  }

  /** Calls on `path` with `token`, counted over `ms`, and the poll intervals that took. */
  async function callsDuring(path: string, token: string, ms: number): Promise<{ calls: number; intervals: number }> {
    const before = callsOn(sim, path, token).length;
    const started = performance.now();
    await sleep(ms);
    return { calls: callsOn(sim, path, token).length - before, intervals: (performance.now() - started) / POLL_MS };
  }

  it('a terminal job read through A is served by B to the same token with no upstream call; another token goes upstream', async () => {
    const token = 'fleet-cache-token';
    const other = 'fleet-cache-other-token';
    const query = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.success}") { id state terminal finishedAt } }`;
    const path = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.success}`;
    const [a, b, c] = replicas as [Replica, Replica, Replica];

    const first = await a.query<{ cceJob: { state: string } }>(query, token);
    expect(first.errors).toBeUndefined();
    expect(first.data?.cceJob.state).toBe('SUCCEEDED');
    expect(callsOn(sim, path).length).toBe(1);

    const second = await b.query(query, token);
    expect(second.data).toEqual(first.data);
    expect(callsOn(sim, path).length).toBe(1); // B had it from Redis
    expect(await b.metric('fleet_cache_lookups_total', 'tier="redis",result="hit"')).toBeGreaterThanOrEqual(1);

    const third = await b.query(query, other);
    expect(third.data).toEqual(first.data);
    expect(callsOn(sim, path).length).toBe(2); // another principal: its own permissions, its own call
    await c.query(query, other);
    expect(callsOn(sim, path).length).toBe(2);

    // Nothing secret in Redis: no token, no principal (the token's hash), in any key or value.
    const client = redis.client();
    const keys = await client.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith('job-gateway:'))).toBe(true);
    const storedValue = async (k: string): Promise<string> => {
      const type = await client.type(k);
      if (type === 'string') return (await client.get(k)) ?? '';
      if (type === 'set') return JSON.stringify(await client.smembers(k));
      return JSON.stringify(await client.hgetall(k));
    };
    const values = await Promise.all(keys.map(storedValue));
    const principal = hash('sha256', token, 'base64url');
    for (const text of [...keys, ...values]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(principal);
    }
  });

  it('a token the upstream rejects (401) on one replica stops reading the shared cache on every replica', async () => {
    const token = 'fleet-revoked-token';
    const query = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.success}") { state } }`;
    const path = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.success}`;
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    // A reads the finished job and B gets it from Redis: both now hold it in their own tier too. Asked
    // three times each, so each also holds the answer (src/server/answer-cache.ts), which must go with the job.
    for (const replica of [a, b]) {
      for (let i = 0; i < 3; i++)
        expect((await replica.query<{ cceJob: { state: string } }>(query, token)).data?.cceJob.state).toBe('SUCCEEDED');
    }
    expect(callsOn(sim, path, token).length).toBe(1);
    const hits = async (replica: Replica) => (await replica.metric('graphql_answer_cache_hits_total')) ?? 0;
    expect((await hits(a)) + (await hits(b))).toBe(2);

    revoked.add(token);
    // C reads another job for the token: the upstream answers 401, and C drops the token's jobs fleet-wide.
    const other = await c.query(`{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { state } }`, token);
    expect(other.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Neither Redis nor A's or B's own tier answers for the token any more: each asks the upstream, and is refused.
    const codeOn = async (replica: Replica) => (await replica.query(query, token)).errors?.[0]?.extensions?.code;
    await eventuallyAsync(async () => (await codeOn(a)) === 'UNAUTHENTICATED', 'A no longer serves the cached job', 5_000);
    expect(await codeOn(b)).toBe('UNAUTHENTICATED');
    expect(callsOn(sim, path, token).length).toBe(3);
  });

  it('300 subscribers over three replicas cost one upstream call per poll interval, and each sees every change once', async () => {
    reset();
    const token = 'fleet-fanout-token';
    const all = (await Promise.all(replicas.map((r) => open(r, LIVE_IDS.cce, token, 100)))).flat();
    await eventually(() => all.every((s) => s.payloads.length >= 1 || s.ended), 'every subscriber to get the first state', 30_000);

    const { calls, intervals } = await callsDuring(LIVE_PATHS.cce, token, 3_000);
    console.info(`fleet fan-out: ${calls} upstream calls in ${intervals.toFixed(1)} poll intervals for 300 subscribers on 3 replicas`);
    // One poller for the fleet; three islands would make three calls per interval.
    expect(calls).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
    expect(calls).toBeGreaterThanOrEqual(Math.floor(intervals / 2));

    for (let step = 1; step < CCE_SEQUENCE.length; step++) {
      clock.now = T0 + step * STEP;
      await eventually(() => all.every((s) => s.payloads.length >= step + 1 || s.ended), `every subscriber to see step ${step}`, 30_000);
    }
    await eventually(() => all.every((s) => s.ended), 'every stream to complete after the terminal state', 30_000);
    for (const s of all) {
      expect(s.completed).toBe(true);
      expect(s.payloads.map((p) => summary(jobOf(p)))).toEqual(CCE_SEQUENCE);
    }
  }, 120_000);

  it(`UPSTREAM_RATE_LIMIT=CCE=${RATE}/s: three replicas driven hard make at most ~${RATE} calls a second in all`, async () => {
    const token = 'fleet-rate-token';
    const started = Date.now();
    const firstIndex = sim.calls.length;
    const codes = new Map<string, number>();
    let answered = 0;
    let n = 0;
    const until = started + 3_000;
    // Eight callers per replica, each asking for jobs that do not exist (404s are never cached), one after the other.
    await Promise.all(
      replicas.flatMap((replica) =>
        Array.from({ length: 8 }, async () => {
          while (Date.now() < until) {
            const res = await replica.query(`{ cceJob(projectId: "${P}", jobId: "rate-${n++}") { id } }`, token);
            expect(res.status).toBe(200);
            answered++;
            const code = res.errors?.[0]?.extensions?.code ?? 'none';
            codes.set(code, (codes.get(code) ?? 0) + 1);
          }
        }),
      ),
    );
    const elapsed = (Date.now() - started) / 1000;
    const mine = sim.calls
      .map((call, i) => ({ call, at: arrivals[i]! }))
      .slice(firstIndex)
      .filter(({ call }) => call.service === 'CCE' && call.headers['x-auth-token'] === token);
    // The most arrivals in any two-second window.
    let busiest = 0;
    for (const { at } of mine) busiest = Math.max(busiest, mine.filter((c) => c.at >= at && c.at < at + 2000).length);
    const local = await Promise.all(replicas.map((r) => r.metric('fleet_rate_limit_total', 'outcome="local"')));
    console.info(
      `rate limit: ${answered} requests answered, ${mine.length} upstream calls in ${elapsed.toFixed(1)} s, busiest two seconds ${busiest}, ` +
        `codes ${JSON.stringify(Object.fromEntries(codes))}, decided without Redis ${JSON.stringify(local)}`,
    );
    expect(codes.get('UPSTREAM_THROTTLED') ?? 0).toBeGreaterThan(0);
    expect([...codes.keys()].every((c) => c === 'NOT_FOUND' || c === 'UPSTREAM_THROTTLED')).toBe(true);
    // Slots are exactly 1/RATE s apart on Redis's clock, but a call reaches the upstream a little after
    // its slot (more so on a loaded machine), so a short window of arrivals may catch a call or two
    // more than RATE per second. Over the run, the rate holds exactly.
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(elapsed * RATE) + 2);
    expect(busiest).toBeLessThanOrEqual(2 * RATE + 2);
    // Three replicas without a shared limit would make at least three times as many.
    expect(mine.length).toBeGreaterThanOrEqual(Math.floor(elapsed * RATE * 0.5));
  }, 60_000);

  it('Redis slow (every client paused): a request is answered without waiting for it', async () => {
    const token = 'fleet-slow-token';
    const query = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.docV2}") { state } }`;
    const pause = 4_000;
    await redis.client().client('PAUSE', pause, 'ALL');
    const started = Date.now();
    const answers = await Promise.all(replicas.map((r) => r.query<{ cceJob: { state: string } }>(query, token)));
    const took = Date.now() - started;
    console.info(`Redis paused for ${pause} ms: three requests answered after ${took} ms`);
    for (const res of answers) {
      expect(res.errors).toBeUndefined();
      expect(res.data?.cceJob.state).toBe('FAILED');
    }
    // Each waited REDIS_TIMEOUT_MS (250) for the shared cache, then went upstream: not for the pause.
    expect(took).toBeLessThan(pause);
    await sleep(Math.max(0, pause - took) + 200);
  });

  it('Redis stopped mid-run: every request is still answered and one warning is logged; restarted, sharing resumes', async () => {
    reset();
    const token = 'fleet-outage-token';
    const dbId = dbGlobalId({ region: REGION, projectId: P, jobId: SIM_IDS.live.db });
    const dbPath = `/v3/${P}/jobs?id=${SIM_IDS.live.db}`;
    const watchers = (await Promise.all(replicas.map((r) => open(r, dbId, token, 5)))).flat();
    const dbSummary = (s: SseStream) => s.payloads.map((p) => `${jobOf(p).state}:${jobOf(p).progress ?? ''}`);
    await eventually(() => watchers.every((s) => s.payloads.length >= 1), 'every watcher to get the first state', 30_000);
    const warnings = () => replicas.map((r) => r.logs().filter((l) => l.level === 40 && /Redis unavailable/.test(l.msg)).length);
    const earlier = warnings();
    const recoveries = () => replicas.map((r) => r.logs().filter((l) => l.level === 30 && /Redis is back/.test(l.msg)).length);
    const recoveredBefore = recoveries();

    await redis.stop();
    const query = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.failed}") { state } }`;
    for (let round = 0; round < 3; round++) {
      for (const r of replicas) {
        const res = await r.query<{ cceJob: { state: string } }>(query, token);
        expect(res.status).toBe(200);
        expect(res.data?.cceJob.state).toBe('FAILED');
        const ready = await fetch(`${r.url}/ready`);
        expect(ready.status).toBe(200); // readiness does not follow Redis
      }
    }
    // Watches go on, each replica polling for its own subscribers.
    clock.now = T0 + STEP;
    await eventually(() => watchers.every((s) => s.payloads.length >= 2), 'every watcher to see step 1 without Redis', 30_000);
    const once = earlier.map((n) => n + 1);
    await eventually(() => warnings().every((n, i) => n >= once[i]!), 'each replica to log the outage', 10_000);
    expect(warnings()).toEqual(once);
    for (const r of replicas) expect(await r.metric('redis_up')).toBe(0);

    await redis.start();
    await eventuallyAsync(
      async () => (await Promise.all(replicas.map((r) => r.metric('redis_up')))).every((v) => v === 1),
      'every replica back on Redis',
      30_000,
    );
    expect(warnings()).toEqual(once);
    await eventually(() => recoveries().every((n, i) => n > recoveredBefore[i]!), 'each replica to log the recovery', 10_000);
    expect(recoveries()).toEqual(recoveredBefore.map((n) => n + 1));
    // Sharing resumes: one poller again for the three replicas.
    await sleep(2 * POLL_MS);
    const { calls, intervals } = await callsDuring(dbPath, token, 2_400);
    console.info(`after Redis came back: ${calls} upstream calls in ${intervals.toFixed(1)} poll intervals`);
    expect(calls).toBeLessThanOrEqual(Math.ceil(intervals) + 1);

    for (let step = 2; step <= 3; step++) {
      clock.now = T0 + step * STEP;
      await eventually(() => watchers.every((s) => s.payloads.length >= step + 1 || s.ended), `every watcher to see step ${step}`, 30_000);
    }
    await eventually(() => watchers.every((s) => s.ended), 'every watch to complete', 30_000);
    for (const s of watchers) expect(dbSummary(s)).toEqual(['PENDING:', 'RUNNING:20', 'RUNNING:60', 'SUCCEEDED:']);
  }, 120_000);

  it('the lease holder SIGKILLed mid-watch: another replica polls within two intervals; nobody sees a duplicate', async () => {
    reset();
    const token = 'fleet-kill-token';
    const watchers = await Promise.all(replicas.map((r) => open(r, LIVE_IDS.cce, token, 10)));
    await eventually(() => watchers.flat().every((s) => s.payloads.length >= 1), 'every watcher to get the first state', 30_000);
    clock.now = T0 + STEP;
    await eventually(() => watchers.flat().every((s) => s.payloads.length >= 2), 'every watcher to see step 1', 30_000);

    const held = await Promise.all(replicas.map((r) => r.metric('fleet_leases_held')));
    const holder = held.indexOf(1);
    expect(held.filter((v) => v === 1)).toHaveLength(1);
    const victim = replicas[holder]!;
    const survivors = watchers.filter((_, i) => i !== holder).flat();

    const onPath = () => sim.calls.map((c, i) => ({ c, at: arrivals[i]! })).filter(({ c }: { c: SimCall }) => pathOf(c) === LIVE_PATHS.cce);
    const before = onPath().length;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    clock.now = T0 + 2 * STEP;
    await eventually(() => onPath().length > before, 'a surviving replica to poll', 10_000);
    const resumedAfter = onPath()[before]!.at - killedAt;
    console.info(`lease holder ${victim.name} killed: next upstream poll ${resumedAfter} ms later (poll interval ${POLL_MS} ms)`);
    // Lease expiry (one interval) plus one lease tick (a third); the allowance is for a loaded machine's timers.
    expect(resumedAfter).toBeLessThanOrEqual(2 * POLL_MS + 250);

    for (let step = 2; step < CCE_SEQUENCE.length; step++) {
      clock.now = T0 + step * STEP;
      await eventually(() => survivors.every((s) => s.payloads.length >= step + 1 || s.ended), `survivors to see step ${step}`, 30_000);
    }
    await eventually(() => survivors.every((s) => s.ended), 'surviving streams to complete', 30_000);
    for (const s of survivors) {
      expect(s.completed).toBe(true);
      expect(s.payloads.map((p) => summary(jobOf(p)))).toEqual(CCE_SEQUENCE);
    }
    replicas.splice(holder, 1);
  }, 120_000);
});
