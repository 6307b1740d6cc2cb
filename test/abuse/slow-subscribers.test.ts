/**
 * Subscribers that stop reading (SSE over a raw socket, graphql-ws with its socket paused) on a large
 * job that changes on every poll, against the production build with a bounded heap. Each subscriber
 * has its own token, so each has its own poller and its own stream of distinct payloads. Before
 * streams coalesced, every stalled subscriber kept a queue of up to 32 whole jobs and the process
 * ran out of heap; now each holds the newest state only (plus what its transport has in flight), and
 * one blocked past SUBSCRIBER_BLOCKED_MS is closed. Meanwhile a second tenant's queries are answered.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import {
  LARGE_JOB_ID,
  P,
  SEED_JOB,
  WATCH_LARGE,
  endpointsEnv,
  metric,
  postQuery,
  sleep,
  spawnGateway,
  stalledSse,
  stalledWebSocket,
  startLargeJobUpstream,
  type Child,
} from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Old-space limit of the child; before, this abuse exhausted it once about 300 changes had been polled. */
const HEAP_MB = 160;
/** About 1 MB of upstream JSON per read, most of it in the sub-jobs' messages, which every event carries. */
const SUB_JOBS = 200;
const REASON_BYTES = 5000;
const TENANT_B = `{ cceJob(projectId: "${P}", jobId: "${SEED_JOB}") { id state subJobs { state } } }`;

/** `n` stalled SSE and `n` stalled WebSocket subscribers, each with its own token (its own poller). */
async function stall(gw: Child, n: number): Promise<{ sse: Socket[]; ws: WebSocket[] }> {
  const sse: Socket[] = [];
  const ws: WebSocket[] = [];
  for (let i = 0; i < n; i++) {
    sse.push(await stalledSse(gw.url, { query: WATCH_LARGE, variables: { id: LARGE_JOB_ID } }, `slow-sse-${i}`));
    ws.push(await stalledWebSocket(gw.url, WATCH_LARGE, { id: LARGE_JOB_ID }, `slow-ws-${i}`));
  }
  for (const s of sse) cleanups.push(() => s.destroy());
  for (const w of ws) cleanups.push(() => w.terminate());
  return { sse, ws };
}

describe('slow subscribers on a large, fast-changing job', () => {
  it('stalled SSE and WebSocket subscribers keep the heap bounded while another tenant is served', { timeout: 90_000 }, async () => {
    const upstream = await startLargeJobUpstream(SUB_JOBS, REASON_BYTES);
    cleanups.push(() => upstream.close());
    // Never closed for being slow here: this test is about what they cost while they last.
    const gw = await spawnGateway({ ...endpointsEnv(upstream), POLL_INTERVAL_MS: '20', SUBSCRIBER_BLOCKED_MS: '600000' }, HEAP_MB);
    cleanups.push(() => gw.kill());
    await stall(gw, 4);

    const answers: { ok: boolean; ms: number; detail: string }[] = [];
    let maxRss = 0;
    let maxHeap = 0;
    const readsBefore = upstream.reads();
    // Until the job has changed 300 times under the stalled subscribers (about 300 MB polled) and tenant B
    // has asked at least 10 times; a loaded machine takes longer, so only a generous cap.
    const started = Date.now();
    const enough = () => upstream.reads() - readsBefore >= 300 && answers.length >= 10;
    while (!enough() && Date.now() - started < 60_000 && gw.alive()) {
      const asked = performance.now();
      const res: Awaited<ReturnType<typeof postQuery>> = await postQuery(gw.url, TENANT_B, 'tenant-b').catch((error: unknown) => ({
        status: 0,
        headers: {},
        body: { errors: [{ message: String(error) }] },
      }));
      const ok = res.status === 200 && !res.body.errors && res.body.data?.cceJob != null;
      answers.push({ ok, ms: Math.round(performance.now() - asked), detail: JSON.stringify(res.body).slice(0, 200) });
      if (gw.alive()) {
        maxRss = Math.max(maxRss, gw.rss());
        maxHeap = Math.max(maxHeap, await metric(gw.url, 'nodejs_heap_size_used_bytes').catch(() => 0));
      }
      await sleep(250);
    }
    const reads = upstream.reads() - readsBefore;
    console.info(
      `slow subscribers: ${reads} upstream reads, ${answers.length} tenant-B answers (slowest ${Math.max(...answers.map((a) => a.ms))} ms), ` +
        `peak heap used ${Math.round(maxHeap / 2 ** 20)} MiB, peak RSS ${Math.round(maxRss / 2 ** 20)} MiB`,
    );
    expect(gw.alive(), `the gateway died:\n${gw.output().slice(-1500)}`).toBe(true);
    expect(reads).toBeGreaterThanOrEqual(300);
    expect(
      answers.filter((a) => !a.ok),
      'tenant B answers that failed',
    ).toEqual([]);
    // Generous, for a shared two-core machine: tenant B is answered, not queued behind the abuse.
    expect(Math.max(...answers.map((a) => a.ms)), 'slowest tenant B answer (ms)').toBeLessThan(10_000);
    // A few payloads per subscriber, not a queue: well below the old-space limit (garbage included).
    expect(maxHeap, 'peak heap used').toBeLessThan(140 * 2 ** 20);
    expect(maxRss, 'peak RSS').toBeLessThan(360 * 2 ** 20);
  });

  it('a subscriber that drains after a stall gets the newest state next, not the updates it missed', { timeout: 60_000 }, async () => {
    const upstream = await startLargeJobUpstream(SUB_JOBS, REASON_BYTES);
    cleanups.push(() => upstream.close());
    const gw = await spawnGateway({ ...endpointsEnv(upstream), POLL_INTERVAL_MS: '20', SUBSCRIBER_BLOCKED_MS: '600000' }, HEAP_MB);
    cleanups.push(() => gw.kill());
    const socket = await stalledSse(gw.url, { query: WATCH_LARGE, variables: { id: LARGE_JOB_ID } }, 'draining-later');
    cleanups.push(() => socket.destroy());
    // The job changes 80 times while the subscriber reads nothing: more than the 32 a queue used to keep.
    const pausedAt = upstream.reads();
    for (let i = 0; i < 3000 && upstream.reads() < pausedAt + 80; i++) await sleep(10);
    const resumedAt = upstream.reads();
    expect(resumedAt).toBeGreaterThanOrEqual(pausedAt + 80);
    // Each event's job message is "read <n>", n counting the upstream's answers.
    let text = '';
    const seen: number[] = [];
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (const match of text.matchAll(/"message":"read (\d+)"/g)) seen.push(Number(match[1]));
      text = text.slice(text.lastIndexOf('"message":"read ') + 1);
    });
    socket.resume();
    for (let i = 0; i < 3000 && !seen.some((n) => n >= resumedAt); i++) await sleep(10);
    const stale = seen.findIndex((n) => n >= resumedAt);
    console.info(
      `drained after a stall: ${stale} older events before the newest (reads ${seen.slice(0, stale + 1).join(',')}; resumed at ${resumedAt})`,
    );
    expect(stale, `events after resuming: ${seen.join(',')}`).toBeGreaterThanOrEqual(0);
    // What was already in the socket's buffers arrives first (a few MB: a handful of 1 MB events), then
    // the newest state; a queue would have delivered every one of the 32 it kept before it.
    expect(stale, `events after resuming: ${seen.join(',')}`).toBeLessThan(20);
  });

  it('a subscriber blocked past SUBSCRIBER_BLOCKED_MS is closed and its poller stopped; the log says why', {
    timeout: 60_000,
  }, async () => {
    const upstream = await startLargeJobUpstream(SUB_JOBS, REASON_BYTES);
    cleanups.push(() => upstream.close());
    const gw = await spawnGateway({ ...endpointsEnv(upstream), POLL_INTERVAL_MS: '50', SUBSCRIBER_BLOCKED_MS: '2000' }, HEAP_MB);
    cleanups.push(() => gw.kill());
    const { sse, ws } = await stall(gw, 1);
    const wsClosed = new Promise<number>((resolve) => ws[0]!.once('close', (code) => resolve(code)));
    const sseClosed = new Promise<void>((resolve) => sse[0]!.once('close', () => resolve()));
    const started = Date.now();
    while ((await metric(gw.url, 'subscriptions_active')) > 0 && Date.now() - started < 30_000) await sleep(200);
    expect(await metric(gw.url, 'subscriptions_active')).toBe(0);
    expect(await metric(gw.url, 'pollers_active')).toBe(0);
    const closedSlow = gw
      .output()
      .split('\n')
      .filter((line) => line.includes('"code":"SUBSCRIBER_TOO_SLOW"'));
    expect(closedSlow, gw.output().slice(-2000)).toHaveLength(2);
    // Both connections are closed by the gateway: once they read again, they see the end.
    sse[0]!.resume();
    (ws[0] as unknown as { _socket: Socket })._socket.resume();
    await sseClosed;
    expect([1006, 1008]).toContain(await wsClosed);
    expect(gw.alive()).toBe(true);
  });
});
