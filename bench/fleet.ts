/**
 * The fleet scenario (`npm run bench:fleet`, also the last part of `npm run bench`): three gateway
 * replicas (dist/main.js) on one Redis and one upstream (the simulator, its own process), N
 * subscribers of `jobUpdated` on one running job spread over the three. Measured over a window:
 * upstream calls per poll interval (target: exactly 1, however many subscribers and replicas) and
 * the CPU each replica spends per second. The same run without REDIS_URL (three islands) is shown
 * beside it for contrast.
 *
 * Env: BENCH_FLEET_SUBSCRIBERS (300), BENCH_FLEET_POLL_MS (500), BENCH_FLEET_DURATION (s, 10).
 * Needs /usr/bin/redis-server (REDIS_SERVER_PATH). Writes bench/fleet-results.md (with BENCH_OUT set:
 * `${BENCH_OUT}-fleet.md`, so `npm run bench:node24` writes bench/results-node24-fleet.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { SIM_IDS, SIM_PROJECT_ID } from '../src/simulator/server.js';
import { cceGlobalId } from '../src/upstreams/cce/map.js';
import { endpointEnvAt } from '../src/upstreams/index.js';
import { freePort, haveRedis, startRedis } from '../test/support/redis.js';
import { ROOT, ensureBuild, log, procCpuMs, sleep, startHelper, stopChild, untilHealthy, upstreamCount } from './run.js';

const SUBSCRIBERS = Number(process.env.BENCH_FLEET_SUBSCRIBERS ?? 300);
const POLL_MS = Number(process.env.BENCH_FLEET_POLL_MS ?? 500);
const DURATION_S = Number(process.env.BENCH_FLEET_DURATION ?? 10);
const JOB = cceGlobalId({ api: 'v3', region: 'cn-north-4', projectId: SIM_PROJECT_ID, jobId: SIM_IDS.cce.running });
const SUBSCRIPTION = JSON.stringify({
  query: 'subscription W($id: ID!) { jobUpdated(id: $id) { state updatedAt } }',
  variables: { id: JOB },
});

export interface FleetRun {
  mode: 'fleet (Redis)' | 'islands (no Redis)';
  subscribers: number;
  pollMs: number;
  seconds: number;
  upstreamCalls: number;
  callsPerInterval: number;
  /** CPU ms each replica used per second of the window. */
  cpuMsPerSecond: number[];
}

async function startReplica(upstream: string, extra: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      ...endpointEnvAt(upstream),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      POLL_INTERVAL_MS: String(POLL_MS),
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(url, child, 'a replica');
  return { child, url };
}

/** One SSE subscription; resolves once its first event arrived. */
async function subscribe(url: string, agent: Agent, signal: AbortSignal): Promise<void> {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', 'x-auth-token': 'bench-fleet-token' },
    body: SUBSCRIPTION,
    dispatcher: agent,
    signal,
  });
  const stream = res.body as AsyncIterable<Buffer>;
  const iterator = stream[Symbol.asyncIterator]();
  let text = '';
  while (!text.includes('event: next')) {
    const { value, done } = await iterator.next();
    if (done) throw new Error('subscription ended before its first event');
    text += value.toString();
  }
  // Keep reading (and dropping) so the replica's writes never back up.
  void (async () => {
    try {
      for (;;) if ((await iterator.next()).done) break;
    } catch {
      // aborted at the end of the run
    }
  })();
}

async function runOnce(fleet: boolean, upstream: { child: ChildProcess; url: string }, redisUrl: string): Promise<FleetRun> {
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(upstream.url, fleet ? { REDIS_URL: redisUrl } : {})));
  const agent = new Agent({ connections: null });
  const controller = new AbortController();
  setMaxListeners(SUBSCRIBERS + 10, controller.signal);
  try {
    await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => subscribe(replicas[i % 3]!.url, agent, controller.signal)));
    await sleep(2 * POLL_MS); // settled: leases taken, first polls done
    const calls0 = await upstreamCount(upstream);
    const cpu0 = replicas.map((r) => procCpuMs(r.child.pid!));
    const t0 = performance.now();
    await sleep(DURATION_S * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const upstreamCalls = (await upstreamCount(upstream)) - calls0;
    const cpuMsPerSecond = replicas.map((r, i) => (procCpuMs(r.child.pid!) - cpu0[i]!) / seconds);
    const run: FleetRun = {
      mode: fleet ? 'fleet (Redis)' : 'islands (no Redis)',
      subscribers: SUBSCRIBERS,
      pollMs: POLL_MS,
      seconds,
      upstreamCalls,
      callsPerInterval: upstreamCalls / ((seconds * 1000) / POLL_MS),
      cpuMsPerSecond,
    };
    log(
      `fleet ${run.mode.padEnd(18)} ${SUBSCRIBERS} subscribers on 3 replicas: ${run.callsPerInterval.toFixed(2)} upstream calls per ` +
        `${POLL_MS} ms interval; CPU per replica ${cpuMsPerSecond.map((c) => `${c.toFixed(1)}`).join(' / ')} ms/s`,
    );
    return run;
  } finally {
    controller.abort();
    await agent.destroy().catch(() => undefined);
    await Promise.all(replicas.map((r) => stopChild(r.child)));
  }
}

export async function runFleetBench(): Promise<FleetRun[] | undefined> {
  if (!haveRedis()) return undefined;
  ensureBuild();
  const redis = await startRedis();
  const upstream = await startHelper('upstream.ts', {});
  try {
    const runs = [await runOnce(true, upstream, redis.url), await runOnce(false, upstream, redis.url)];
    // Beside the run's own results: `npm run bench:node24` (BENCH_OUT=bench/results-node24) must not
    // overwrite Node 20's fleet figures.
    const file = process.env.BENCH_OUT ? `${process.env.BENCH_OUT}-fleet.md` : join(ROOT, 'bench', 'fleet-results.md');
    const lines = [
      '# Fleet scenario (bench/fleet.ts)',
      '',
      `Node ${process.version}. Three replicas (dist/main.js), ${SUBSCRIBERS} SSE subscribers of one running job spread over them, POLL_INTERVAL_MS=${POLL_MS}, ${DURATION_S} s window.`,
      '',
      '| mode | upstream calls per poll interval | CPU per replica (ms per second) |',
      '|---|---:|---|',
      ...runs.map((r) => `| ${r.mode} | ${r.callsPerInterval.toFixed(2)} | ${r.cpuMsPerSecond.map((c) => c.toFixed(1)).join(' / ')} |`),
      '',
    ];
    writeFileSync(file, lines.join('\n'));
    log(`wrote ${file}`);
    return runs;
  } finally {
    await stopChild(upstream.child);
    await redis.stop();
  }
}

if (process.argv[1]?.endsWith('fleet.ts')) {
  runFleetBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
