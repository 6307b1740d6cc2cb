/**
 * `npm run bench`: the gateway's cost, side by side with the limit, on loopback, in one run.
 *
 * Processes: the upstream (the simulator, zero latency, bench/upstream.ts), the limit
 * (bench/limit-server.ts: same HTTP request, the same upstream calls with undici, JSON passed
 * through) and the gateway (dist/main.js, NODE_ENV=production), each in its own process; this
 * process drives them with autocannon. Every figure that matters is a ratio against the limit
 * measured in the same run, one workload after the other, limit first then gateway.
 *
 * Workloads: A a CCE job with sub-jobs two levels deep (one upstream call);
 * B jobs(ids:) with 20 ids over four upstreams, 5 repeated (15 calls, one wave); C one terminal
 * job again and again (terminal cache); D A at a fixed rate of half the gateway's A maximum.
 * A and B run with one token for every request and with a token per request.
 *
 * Writes bench/results.json and bench/results.md (with bench/findings.md, hand-written, appended).
 *
 * Reference M (bench/mercurius-server.ts: Fastify + Mercurius + graphql-jit, hand-written resolvers,
 * the same upstream call) runs A and C in the same run as the limit and the gateway. D's open-loop
 * pair (limit, gateway) runs three times: the p99-added target must hold in each.
 *
 * The gateway runs with the V8 flags of `npm start` (package.json), so the peak RSS is the production one.
 *
 * Env: BENCH_QUICK=1 (5 s runs, 2 s warm-up, no micro, no fleet: about 4 minutes on 2 cores),
 * BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (50), BENCH_ROUNDS (3: how
 * many times A and B with a token per request are measured, the targets in rotation; each target's
 * median round is reported),
 * BENCH_ONLY (e.g. "A,C": closed-loop workloads to run; D needs A; FLEET the fleet scenario), BENCH_NO_MICRO=1,
 * BENCH_NO_FLEET=1 (skip bench/fleet.ts: three replicas on Redis, run after the rest),
 * BENCH_OUT (file stem, default bench/results; a partial run writes elsewhere if you set it).
 * BENCH_GATEWAY_ENV ("NAME=value NAME=value": settings added to the gateway's environment) is for the
 * probes that import startGateway from here (compare, alloc-profile, memory, gc-survival); this
 * run refuses it, so results.md always measures the defaults.
 * `--render` rewrites results.md from results.json without measuring (after editing findings.md).
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool, request } from 'undici';
import { SIM_BULK_CCE_IDS, SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from '../src/simulator/server.js';
import { endpointEnvAt } from '../src/upstreams/index.js';
import type { LimitTarget } from './limit-server.js';
import type { MicroResult } from './micro.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const QUICK = Boolean(env.BENCH_QUICK);
const DURATION = Number(env.BENCH_DURATION ?? (QUICK ? 5 : 10));
const WARMUP = Number(env.BENCH_WARMUP ?? (QUICK ? 2 : 3));
/** D's open-loop pair runs this many times (the p99-added target must hold in each). */
const OPEN_LOOP_ROUNDS = 3;
/**
 * A and B with a token per request (the targets' runs) are measured this many times, the targets
 * in rotation, and each target's median round is reported: on a shared machine one run of each
 * moves by a fifth (bench/findings.md, "Fifth pass"), enough to flip a ratio that sits near its target.
 */
const ROUNDS = Math.max(1, Math.floor(Number(env.BENCH_ROUNDS ?? 3)) || 1);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
const ONLY = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.toUpperCase().split(',')) : null;
const OUT = env.BENCH_OUT ?? join(ROOT, 'bench', 'results');
/** Gateway and limit alike: the gateway's default UPSTREAM_CONNECTIONS. */
const UPSTREAM_CONNECTIONS = 32;
/** Every Nth response body is checked. */
const SAMPLE_EVERY = 20;
const P = SIM_PROJECT_ID;
const started = Date.now();

export const log = (message: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);

/* ------------------------------------------------------------------------------------------ */
/* Processes                                                                                    */
/* ------------------------------------------------------------------------------------------ */

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** `npm run build` when dist/main.js is missing or older than anything it is built from. */
export function ensureBuild(): void {
  const main = join(ROOT, 'dist', 'main.js');
  const sources = Math.max(
    newestMtime(join(ROOT, 'src')),
    newestMtime(join(ROOT, 'tsconfig.json')),
    newestMtime(join(ROOT, 'tsconfig.build.json')),
  );
  if (existsSync(main) && statSync(main).mtimeMs >= sources) {
    log('dist/ is up to date');
    return;
  }
  log('dist/ is missing or stale: npm run build');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

const children: ChildProcess[] = [];

function nextMessage<T>(child: ChildProcess, type: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (message: { type?: string }) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(message as T);
    };
    child.on('message', on);
  });
}

/**
 * A TypeScript helper (upstream, limit) in a process of its own, with an IPC channel. `nodeArgs`
 * come before the script (V8 flags such as --trace-gc-nvp); `pipeStdout` leaves its stdout on
 * `child.stdout` for the caller to read instead of this process's.
 */
export async function startHelper(
  file: string,
  extraEnv: Record<string, string>,
  { nodeArgs = [], pipeStdout = false }: { nodeArgs?: string[]; pipeStdout?: boolean } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'bench', file)], {
    cwd: ROOT,
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '', NODE_ENV: 'production', ...extraEnv },
    stdio: ['ignore', pipeStdout ? 'pipe' : 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const ready = await nextMessage<{ url: string }>(child, 'ready', 30_000);
  return { child, url: ready.url };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Where the gateway's own log lines (LOG_LEVEL=warn) go during a run: counted, not shown. */
export const GATEWAY_LOG = join(tmpdir(), `job-gateway-bench-${process.pid}.log`);

/** The V8 flags `npm start` runs the gateway with (the heap bound), read from package.json so the two cannot drift. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts.start!.split(/\s+/).filter((arg) => /^--max-(old|semi)-space-size=\d+$/.test(arg));
}

export async function startGateway(
  upstream: string,
  extraArgs: string[] = startFlags(),
  main = join(ROOT, 'dist', 'main.js'),
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const logFd = openSync(GATEWAY_LOG, 'a');
  // A clean environment: only what the bench means to set, so a developer's shell cannot change the figures.
  const child = spawn(process.execPath, [...extraArgs, main], {
    cwd: ROOT,
    env: {
      PATH: env.PATH ?? '',
      HOME: env.HOME ?? '',
      NODE_ENV: 'production',
      ...endpointEnvAt(upstream),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS),
      // Measurement variants of the gateway's own settings ("CACHE_MAX_ENTRIES=0 ANSWER_CACHE_BYTES=0"): never in a results.md run.
      ...Object.fromEntries(
        (env.BENCH_GATEWAY_ENV ?? '')
          .split(/\s+/)
          .filter(Boolean)
          // At the first `=` only: a value may hold one too.
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      ),
    },
    stdio: ['ignore', logFd, 'inherit'],
  });
  closeSync(logFd);
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await untilHealthy(url, child, 'the gateway');
  return { child, url };
}

/** Waits (up to 20 s) for a started process's /health to answer 200; fails at once if it exits. */
export async function untilHealthy(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      const res = await request(`${url}/health`);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${what} did not become healthy`);
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Peak resident set size of some processes while a run lasts (VmRSS sampled every 100 ms). */
export function rssSampler(pids: number[]) {
  const peak = new Map<number, number>(pids.map((pid) => [pid, 0]));
  const read = () => {
    for (const pid of pids) {
      const kb = procStatusKb(pid, 'VmRSS');
      if (kb !== null) peak.set(pid, Math.max(peak.get(pid) ?? 0, kb));
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop(): Map<number, number> {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system) a process has used so far, in ms: a cost per request that drift in throughput does not hide. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Workloads                                                                                    */
/* ------------------------------------------------------------------------------------------ */

const SUB_FIELDS = 'id jobId type state terminal rawStatus ... on CceJob { apiVersion clusterId resourceName }';
const QUERY_A = `query DeepTree($projectId: String!, $jobId: String!) {
  cceJob(projectId: $projectId, jobId: $jobId) {
    id jobId type state terminal rawStatus message createdAt updatedAt finishedAt
    apiVersion clusterId resourceId resourceName extendParams { key value }
    subJobs { ${SUB_FIELDS} subJobs { ${SUB_FIELDS} } }
  }
}`;
const QUERY_B = `query Jobs($ids: [ID!]!) {
  jobs(ids: $ids) { __typename id jobId state terminal rawStatus type createdAt updatedAt }
}`;
const QUERY_C = `query Terminal($projectId: String!, $jobId: String!) {
  cceJob(projectId: $projectId, jobId: $jobId) {
    id jobId type state terminal rawStatus message createdAt updatedAt finishedAt
    apiVersion clusterId resourceId resourceName extendParams { key value }
  }
}`;

type Service = LimitTarget['service'];
interface BJob {
  service: Service;
  jobId: string;
}

// B: 15 distinct jobs over the four upstreams, interleaved (the set of test/gateway/batching.test.ts).
const B_CCE = SIM_BULK_CCE_IDS.slice(20, 24);
const B_CAE = [SIM_IDS.cae.doc, SIM_IDS.cae.running, SIM_IDS.cae.failed, SIM_IDS.cae.success];
const B_CFW = [SIM_IDS.cfw.success, SIM_IDS.cfw.running, SIM_IDS.cfw.failed];
const B_DB = [SIM_IDS.db.completed, SIM_IDS.db.pending, SIM_IDS.db.running, SIM_IDS.db.failed];
export const B_DISTINCT: BJob[] = [];
for (let i = 0; i < 4; i++) {
  for (const [service, list] of [
    ['CCE', B_CCE],
    ['CAE', B_CAE],
    ['CFW', B_CFW],
    ['DB', B_DB],
  ] as const) {
    const jobId = list[i];
    if (jobId) B_DISTINCT.push({ service, jobId });
  }
}
// 20 ids, 5 of them asked twice (positions as in the batching test).
const B_ORDER = [0, 1, 2, 3, 0, 4, 5, 6, 7, 3, 8, 9, 10, 11, 7, 12, 13, 14, 9, 14];

function limitTarget(job: BJob): LimitTarget {
  switch (job.service) {
    case 'CCE':
      return { service: 'CCE', path: `/api/v3/projects/${P}/jobs/${job.jobId}` };
    case 'CAE':
      return { service: 'CAE', path: `/v1/${P}/cae/jobs/${job.jobId}`, headers: { 'x-environment-id': SIM_CAE_ENVIRONMENT_ID } };
    case 'CFW':
      return { service: 'CFW', path: `/v3/${P}/jobs/${job.jobId}` };
    case 'DB':
      return { service: 'DB', path: `/v3/${P}/jobs?id=${encodeURIComponent(job.jobId)}` };
  }
}

export function rootField(job: BJob, alias: string): string {
  switch (job.service) {
    case 'CCE':
      return `${alias}: cceJob(projectId: "${P}", jobId: "${job.jobId}") { id }`;
    case 'CAE':
      return `${alias}: caeJob(projectId: "${P}", environmentId: "${SIM_CAE_ENVIRONMENT_ID}", jobId: "${job.jobId}") { id }`;
    case 'CFW':
      return `${alias}: cfwJob(projectId: "${P}", jobId: "${job.jobId}") { id }`;
    case 'DB':
      return `${alias}: dbJob(projectId: "${P}", jobId: "${job.jobId}") { id }`;
  }
}

interface Workload {
  name: 'A' | 'B' | 'C';
  title: string;
  body: string;
  targets: LimitTarget[];
  /** Upstream calls one request with a fresh token must make. */
  callsPerFreshRequest: number;
  /** A gateway body is right (beyond having no `errors`). */
  check(body: unknown): string | null;
}

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

/** The workloads a comma-separated list names (`A,B,C`), in its order; an unknown name is an error. */
export function workloadsNamed(all: Workload[], list: string): Workload[] {
  return list
    .toUpperCase()
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => {
      const found = all.find((w) => w.name === name);
      if (!found) throw new Error(`no workload ${name} (there are ${all.map((w) => w.name).join(', ')})`);
      return found;
    });
}

export function workloads(globalIds: string[]): Workload[] {
  const cce = (jobId: string): LimitTarget => ({ service: 'CCE', path: `/api/v3/projects/${P}/jobs/${jobId}` });
  return [
    {
      name: 'A',
      title: 'cceJob, subJobs { subJobs } two levels deep (embedded: one upstream call)',
      body: JSON.stringify({ query: QUERY_A, variables: { projectId: P, jobId: SIM_IDS.cce.deepTree }, operationName: 'DeepTree' }),
      targets: [cce(SIM_IDS.cce.deepTree)],
      callsPerFreshRequest: 1,
      check(body) {
        const job = (body as GqlBody).data?.cceJob as { subJobs?: Array<{ subJobs?: unknown[] }> } | undefined;
        const subs = job?.subJobs ?? [];
        return subs.length === 2 && subs.every((s) => (s.subJobs?.length ?? 0) > 0) ? null : 'not two levels of sub-jobs';
      },
    },
    {
      name: 'B',
      title: 'jobs(ids:) with 20 ids over CCE, CAE, CFW, RDS, 5 repeated (15 distinct)',
      body: JSON.stringify({ query: QUERY_B, variables: { ids: B_ORDER.map((i) => globalIds[i]) }, operationName: 'Jobs' }),
      targets: B_DISTINCT.map(limitTarget),
      callsPerFreshRequest: 15,
      check(body) {
        const jobs = (body as GqlBody).data?.jobs as Array<{ jobId: string } | null> | undefined;
        if (jobs?.length !== 20) return 'not 20 jobs';
        return jobs.every((j, i) => j?.jobId === B_DISTINCT[B_ORDER[i]!]!.jobId) ? null : 'jobs not in the order asked';
      },
    },
    {
      name: 'C',
      title: 'the same terminal CCE job again and again (terminal-job cache)',
      body: JSON.stringify({ query: QUERY_C, variables: { projectId: P, jobId: SIM_IDS.cce.success }, operationName: 'Terminal' }),
      targets: [cce(SIM_IDS.cce.success)],
      callsPerFreshRequest: 1,
      check(body) {
        const job = (body as GqlBody).data?.cceJob as { terminal?: boolean } | undefined;
        return job?.terminal === true ? null : 'not a terminal job';
      },
    },
  ];
}

/* ------------------------------------------------------------------------------------------ */
/* Measuring                                                                                    */
/* ------------------------------------------------------------------------------------------ */

interface Latency {
  p50: number;
  p99: number;
  p999: number;
  mean: number;
  max: number;
}

type Target = 'limit' | 'gateway' | 'M';

interface RunResult {
  workload: string;
  variant: string;
  target: Target;
  durationS: number;
  requests: number;
  reqPerSec: number;
  /** From every response's own time (ms, full resolution). */
  latency: Latency;
  /** autocannon's own histogram (whole milliseconds; coordinated-omission corrected at a fixed rate). */
  autocannonLatency?: { p50: number; p99: number; p99_9: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  sampled: number;
  sampledWithErrors: number;
  upstreamCalls: number;
  upstreamCallsPerRequest: number;
  /**
   * Upstream calls per request sent. Requests still in flight when a run stops made calls but got no
   * response, so calls per completed response is an upper bound and this a lower bound.
   */
  upstreamCallsPerSent?: number;
  /** CPU time (user + system) of the target process per response, in µs. */
  cpuUsPerRequest: number;
  /** The target's average CPU use over the run, in cores. */
  cpuCores: number;
  peakRssMB: number;
  rate?: number;
  /** req/s of every round, in the order run, when the run was repeated (ROUNDS); this result is the median one. */
  rounds?: number[];
}

function percentiles(values: number[]): Latency {
  if (values.length === 0) return { p50: NaN, p99: NaN, p999: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), mean: sum / sorted.length, max: sorted[sorted.length - 1]! };
}

interface Upstream {
  child: ChildProcess;
  url: string;
}

export async function upstreamCount(upstream: Upstream): Promise<number> {
  const reply = nextMessage<{ total: number }>(upstream.child, 'count');
  upstream.child.send({ type: 'count' });
  return (await reply).total;
}

export async function setLimitTargets(limit: ChildProcess, targets: LimitTarget[]): Promise<void> {
  const ack = nextMessage(limit, 'targets-set');
  limit.send({ type: 'targets', targets });
  await ack;
}

let tokenSeq = 0;
/** When each load run ended (epoch ms): gateway log lines from the moment connections are dropped are told apart. */
const runEnds: number[] = [];
export const freshToken = (label: string) => `bench-${label}-${process.pid}-${++tokenSeq}`;

interface CannonOptions {
  url: string;
  body: string;
  /** A different X-Auth-Token on every request, or this one token for all. */
  token: string | 'per-request';
  durationS: number;
  overallRate?: number;
  /** null when the body is fine; GraphQL bodies also count `errors`. */
  checkBody: (body: string) => boolean;
}

interface CannonOutcome {
  result: autocannon.Result;
  latencies: number[];
  sampled: number;
  bad: number;
}

export function cannon(options: CannonOptions): Promise<CannonOutcome> {
  const tokenLabel = `r${++tokenSeq}`;
  let seq = 0;
  let responses = 0;
  let sampled = 0;
  let bad = 0;
  const latencies: number[] = [];
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.token !== 'per-request') headers['x-auth-token'] = options.token;
  const requestSpec: autocannon.Request = {
    method: 'POST',
    path: '/graphql',
    headers,
    body: options.body,
    onResponse(_status, body) {
      if (++responses % SAMPLE_EVERY !== 0) return;
      sampled++;
      if (!options.checkBody(body)) bad++;
    },
  };
  if (options.token === 'per-request') {
    requestSpec.setupRequest = (req) => {
      req.headers = { ...req.headers, 'x-auth-token': `bench-${process.pid}-${tokenLabel}-${++seq}` };
      return req;
    };
  }
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${options.url}/graphql`,
        connections: CONNECTIONS,
        duration: options.durationS,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        requests: [requestSpec],
      },
      (error: unknown, result: autocannon.Result) => {
        runEnds.push(Date.now());
        if (error) reject(error);
        else resolve({ result, latencies, sampled, bad });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  });
}

/** A steady open-loop load: requests leave on schedule whether or not earlier ones have answered. */
export async function openLoop(url: string, body: string, rate: number, durationS: number, checkBody: (body: string) => boolean) {
  const pool = new Pool(url, { connections: 256 });
  const total = Math.round(rate * durationS);
  const latencies: number[] = [];
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  let sampled = 0;
  let bad = 0;
  const label = `o${++tokenSeq}`;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const finish = () => {
      if (++done === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) {
        const i = sent++;
        // Latency counts from when the request was due, so a stalled driver cannot hide a slow server.
        const scheduled = start + (i * 1000) / rate;
        pool
          .request({
            method: 'POST',
            path: '/graphql',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              'x-auth-token': `bench-${process.pid}-${label}-${i}`,
            },
            body,
          })
          .then(async (res) => {
            const text = await res.body.text();
            latencies.push(performance.now() - scheduled);
            if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
            if (i % SAMPLE_EVERY === 0) {
              sampled++;
              if (!checkBody(text)) bad++;
            }
          })
          .catch(() => errors++)
          .finally(finish);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return { latencies, non2xx, errors, sampled, bad, elapsed, total };
}

/* ------------------------------------------------------------------------------------------ */
/* The run                                                                                      */
/* ------------------------------------------------------------------------------------------ */

interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGB: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  date: string;
}

function describeMachine(): Machine {
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || cpus().length;
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

function runMicro(): MicroResult[] {
  log('microbenchmark (bench/micro.ts)');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'micro.ts'), '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`micro benchmark failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as MicroResult[];
}

/** One request through a target with a fresh token: status, body, and the upstream calls it made. */
export async function probe(url: string, body: string, upstream: Upstream, token = freshToken('probe')) {
  const before = await upstreamCount(upstream);
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': token },
    body,
  });
  const text = await res.body.text();
  await sleep(50);
  return { status: res.statusCode, text, calls: (await upstreamCount(upstream)) - before };
}

/** Holds the upstream's answers until `expected` calls are open at once: were they one wave? */
async function waveCheck(url: string, body: string, upstream: Upstream, expected: number): Promise<number> {
  const armed = nextMessage(upstream.child, 'gate-armed');
  upstream.child.send({ type: 'gate', expected, fallbackMs: 2000 });
  await armed;
  const done = nextMessage<{ maxOpen: number }>(upstream.child, 'gate-done', 10_000);
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': freshToken('wave') },
    body,
  });
  await res.body.dump();
  return (await done).maxOpen;
}

/** B's global ids, as the gateway hands them out (read once, with a token of their own). */
export async function readGlobalIds(gatewayUrl: string, upstream: Upstream): Promise<string[]> {
  const query = `{ ${B_DISTINCT.map((j, i) => rootField(j, `j${i}`)).join(' ')} }`;
  const setup = await probe(gatewayUrl, JSON.stringify({ query }), upstream, freshToken('setup'));
  const data = (JSON.parse(setup.text) as GqlBody).data ?? {};
  const ids = B_DISTINCT.map((_, i) => (data[`j${i}`] as { id?: string } | null)?.id ?? '');
  if (ids.some((id) => id === '')) throw new Error(`could not read B's global ids: ${setup.text.slice(0, 500)}`);
  return ids;
}

export const gatewayBodyOk = (body: string) => !body.includes('"errors"') && body.includes('"data"');
// The limit passes upstream JSON through (a failed CFW job carries an error_code of its own): its status is what is checked.
export const limitBodyOk = (body: string) => body.length > 0 && (body[0] === '{' || body[0] === '[');

/**
 * `a`'s req/s over `b`'s: with rounds on both, the median of each round's ratio (paired: the two
 * ran seconds apart, so the machine's slower drift cancels), else the ratio of the two runs.
 */
function pairedRatio(a: RunResult | undefined, b: RunResult | undefined): number {
  if (!a || !b) return NaN;
  if (!a.rounds || a.rounds.length !== b.rounds?.length) return a.reqPerSec / b.reqPerSec;
  const ratios = a.rounds.map((x, i) => x / b.rounds![i]!).sort((x, y) => x - y);
  return ratios[Math.floor((ratios.length - 1) / 2)]!;
}

/** The round with the median req/s (the lower middle of an even count), carrying every round's req/s. */
function medianRound(results: RunResult[]): RunResult {
  if (results.length === 1) return results[0]!;
  const sorted = [...results].sort((a, b) => a.reqPerSec - b.reqPerSec);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, rounds: results.map((r) => r.reqPerSec) };
}

async function measure(
  label: { workload: string; variant: string; target: Target },
  url: string,
  body: string,
  token: string | 'per-request',
  upstream: Upstream,
  pid: number,
  overallRate?: number,
): Promise<RunResult> {
  const checkBody = label.target === 'limit' ? limitBodyOk : gatewayBodyOk;
  if (!overallRate && WARMUP > 0) {
    await cannon({ url, body, token, durationS: WARMUP, checkBody });
    await sleep(300);
  }
  const before = await upstreamCount(upstream);
  const rss = rssSampler([pid]);
  const cpuBefore = procCpuMs(pid);
  const out = await cannon({ url, body, token, durationS: DURATION, checkBody, ...(overallRate ? { overallRate } : {}) });
  const cpuMs = procCpuMs(pid) - cpuBefore;
  const peak = rss.stop().get(pid) ?? 0;
  await sleep(300);
  const calls = (await upstreamCount(upstream)) - before;
  const r = out.result;
  const result: RunResult = {
    ...label,
    durationS: r.duration,
    requests: r.requests.total,
    reqPerSec: r.requests.total / r.duration,
    latency: percentiles(out.latencies),
    autocannonLatency: { p50: r.latency.p50, p99: r.latency.p99, p99_9: r.latency.p99_9 },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    sampled: out.sampled,
    sampledWithErrors: out.bad,
    upstreamCalls: calls,
    upstreamCallsPerRequest: r.requests.total > 0 ? calls / r.requests.total : NaN,
    upstreamCallsPerSent: (r.requests as { sent?: number }).sent ? calls / (r.requests as { sent: number }).sent : NaN,
    cpuUsPerRequest: (cpuMs * 1000) / r.requests.total,
    cpuCores: cpuMs / 1000 / r.duration,
    peakRssMB: peak / 1024,
    ...(overallRate ? { rate: overallRate } : {}),
  };
  log(
    `${label.workload} ${label.variant.padEnd(17)} ${label.target.padEnd(7)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  ` +
      `p50 ${result.latency.p50.toFixed(2)} p99 ${result.latency.p99.toFixed(2)} p99.9 ${result.latency.p999.toFixed(2)} ms  ` +
      `non2xx ${result.non2xx} err ${result.errors} bad ${result.sampledWithErrors}/${result.sampled}  ` +
      `upstream/req ${result.upstreamCallsPerRequest.toFixed(3)}  cpu ${result.cpuUsPerRequest.toFixed(0)} µs/req (${result.cpuCores.toFixed(2)} cores)  rss ${result.peakRssMB.toFixed(0)} MB`,
  );
  return result;
}

async function main(): Promise<void> {
  // A variant of the gateway's settings belongs in compare/alloc/memory runs, never in results.md.
  if (env.BENCH_GATEWAY_ENV) throw new Error('BENCH_GATEWAY_ENV is for bench/compare.ts and the other probes: unset it for npm run bench');
  const machine = describeMachine();
  log(`${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
  ensureBuild();
  const micro = env.BENCH_NO_MICRO || QUICK ? [] : runMicro();

  const upstream = await startHelper('upstream.ts', {});
  log(`upstream (simulator, zero latency) at ${upstream.url}`);
  const limit = await startHelper('limit-server.ts', { UPSTREAM_URL: upstream.url, UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS) });
  log(`limit at ${limit.url}`);
  const gateway = await startGateway(upstream.url);
  log(`gateway (dist/main.js, NODE_ENV=production, ${startFlags().join(' ') || 'no heap flags'}) at ${gateway.url}`);
  const mercurius = await startHelper('mercurius-server.ts', {
    UPSTREAM_URL: upstream.url,
    UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS),
  });
  log(`reference M (Fastify + Mercurius + graphql-jit) at ${mercurius.url}`);
  const pids = { limit: limit.child.pid!, gateway: gateway.child.pid!, M: mercurius.child.pid! };
  /** The workloads M serves (see bench/mercurius-server.ts). */
  const forM = new Set(['A', 'C']);

  const all = workloads(await readGlobalIds(gateway.url, upstream));

  // Single-request checks: the right answer, and the upstream calls each workload should make.
  const checks: Record<string, unknown> = {};
  for (const w of all) {
    await setLimitTargets(limit.child, w.targets);
    const lp = await probe(limit.url, w.body, upstream);
    if (lp.status !== 200 || !limitBodyOk(lp.text)) throw new Error(`limit ${w.name}: ${lp.status} ${lp.text.slice(0, 300)}`);
    const gp = await probe(gateway.url, w.body, upstream);
    const parsed = JSON.parse(gp.text) as GqlBody;
    const wrong = gp.status !== 200 ? `HTTP ${gp.status}` : parsed.errors ? JSON.stringify(parsed.errors).slice(0, 300) : w.check(parsed);
    if (wrong) throw new Error(`gateway ${w.name}: ${wrong}`);
    checks[w.name] = { limitCalls: lp.calls, gatewayCalls: gp.calls, expected: w.callsPerFreshRequest };
    if (forM.has(w.name)) {
      const mp = await probe(mercurius.url, w.body, upstream);
      const mParsed = JSON.parse(mp.text) as GqlBody;
      const mWrong =
        mp.status !== 200 ? `HTTP ${mp.status}` : mParsed.errors ? JSON.stringify(mParsed.errors).slice(0, 300) : w.check(mParsed);
      if (mWrong) throw new Error(`M ${w.name}: ${mWrong}`);
      (checks[w.name] as Record<string, number>).mCalls = mp.calls;
    }
    log(
      `check ${w.name}: one request with a fresh token → limit ${lp.calls}, gateway ${gp.calls} upstream calls (expected ${w.callsPerFreshRequest})`,
    );
  }
  // C again with the token that just read it: the terminal cache must answer.
  {
    const c = all.find((w) => w.name === 'C')!;
    const token = freshToken('c-repeat');
    const first = await probe(gateway.url, c.body, upstream, token);
    const second = await probe(gateway.url, c.body, upstream, token);
    checks.Crepeat = { first: first.calls, second: second.calls };
    log(`check C: same token twice → ${first.calls} then ${second.calls} upstream calls`);
  }
  // B: all 15 calls in one wave (held at the upstream until 15 are open at once).
  const b = all.find((w) => w.name === 'B')!;
  await setLimitTargets(limit.child, b.targets);
  const wave = { gateway: await waveCheck(gateway.url, b.body, upstream, 15), limit: await waveCheck(limit.url, b.body, upstream, 15) };
  checks.Bwave = wave;
  log(`check B: most upstream calls open at once → gateway ${wave.gateway}, limit ${wave.limit} (of 15)`);

  const runs: RunResult[] = [];
  const variants: Array<{ variant: string; token: (w: string) => string | 'per-request' }> = [
    { variant: 'one token', token: (w) => freshToken(`shared-${w}`) },
    { variant: 'token per request', token: () => 'per-request' },
  ];
  for (const w of all) {
    if (ONLY && !ONLY.has(w.name)) continue;
    await setLimitTargets(limit.child, w.targets);
    // C is the cache path: one caller asking again. A and B run both ways.
    for (const { variant, token } of w.name === 'C' ? variants.slice(0, 1) : variants) {
      const t = token(w.name);
      const targets: Array<{ target: Target; url: string; pid: number }> = [
        { target: 'limit', url: limit.url, pid: pids.limit },
        { target: 'gateway', url: gateway.url, pid: pids.gateway },
      ];
      if (forM.has(w.name)) targets.push({ target: 'M', url: mercurius.url, pid: pids.M });
      const rounds = variant === 'token per request' ? ROUNDS : 1;
      const measured = new Map<Target, RunResult[]>(targets.map(({ target }) => [target, []]));
      for (let round = 0; round < rounds; round++) {
        // In rotation, so that no target always runs first (or right after the heaviest one).
        for (let i = 0; i < targets.length; i++) {
          const { target, url, pid } = targets[(i + round) % targets.length]!;
          measured.get(target)!.push(await measure({ workload: w.name, variant, target }, url, w.body, t, upstream, pid));
        }
      }
      for (const { target } of targets) runs.push(medianRound(measured.get(target)!));
    }
  }

  // D: A with a token per request, at half the gateway's measured A maximum.
  const fixed: RunResult[] = [];
  const gatewayA = runs.find((r) => r.workload === 'A' && r.variant === 'token per request' && r.target === 'gateway');
  if (gatewayA) {
    const a = all.find((w) => w.name === 'A')!;
    await setLimitTargets(limit.child, a.targets);
    const rate = Math.max(1, Math.round(gatewayA.reqPerSec / 2));
    log(`D: fixed rate ${rate} req/s (half the gateway's A maximum)`);
    for (const target of ['limit', 'gateway'] as const) {
      const url = target === 'limit' ? limit.url : gateway.url;
      fixed.push(
        await measure({ workload: 'D', variant: 'autocannon -R', target }, url, a.body, 'per-request', upstream, pids[target], rate),
      );
    }
    for (let round = 1; round <= OPEN_LOOP_ROUNDS; round++)
      for (const target of ['limit', 'gateway'] as const) {
        const url = target === 'limit' ? limit.url : gateway.url;
        const before = await upstreamCount(upstream);
        const rss = rssSampler([pids[target]]);
        const cpuBefore = procCpuMs(pids[target]);
        const o = await openLoop(url, a.body, rate, DURATION, target === 'gateway' ? gatewayBodyOk : limitBodyOk);
        const cpuMs = procCpuMs(pids[target]) - cpuBefore;
        const peak = rss.stop().get(pids[target]) ?? 0;
        await sleep(300);
        const calls = (await upstreamCount(upstream)) - before;
        const result: RunResult = {
          workload: 'D',
          variant: `open loop ${round}`,
          target,
          durationS: o.elapsed,
          requests: o.latencies.length,
          reqPerSec: o.latencies.length / o.elapsed,
          latency: percentiles(o.latencies),
          non2xx: o.non2xx,
          errors: o.errors,
          timeouts: 0,
          sampled: o.sampled,
          sampledWithErrors: o.bad,
          upstreamCalls: calls,
          upstreamCallsPerRequest: calls / Math.max(1, o.latencies.length),
          cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, o.latencies.length),
          cpuCores: cpuMs / 1000 / o.elapsed,
          peakRssMB: peak / 1024,
          rate,
        };
        fixed.push(result);
        log(
          `D open loop ${round}      ${target.padEnd(7)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  p50 ${result.latency.p50.toFixed(2)} ` +
            `p99 ${result.latency.p99.toFixed(2)} p99.9 ${result.latency.p999.toFixed(2)} ms  non2xx ${o.non2xx} err ${o.errors} bad ${o.bad}/${o.sampled}`,
        );
      }
  }

  const gatewayPeakKb = procStatusKb(pids.gateway, 'VmHWM');
  const limitPeakKb = procStatusKb(pids.limit, 'VmHWM');
  const mPeakKb = procStatusKb(pids.M, 'VmHWM');
  await Promise.all([stopChild(gateway.child), stopChild(limit.child), stopChild(mercurius.child), stopChild(upstream.child)]);
  const gatewayLog = existsSync(GATEWAY_LOG) ? readFileSync(GATEWAY_LOG, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(GATEWAY_LOG, { force: true });
  const atRunEnd = (line: string) => {
    const time = Number(/"time":(\d+)/.exec(line)?.[1]);
    return runEnds.some((end) => time >= end - 500 && time <= end + 2000);
  };
  const logLines = {
    total: gatewayLog.length,
    cancelledByClient: gatewayLog.filter((l) => l.includes('UPSTREAM_UNAVAILABLE') && l.includes('"status":null') && atRunEnd(l)).length,
    levels: gatewayLog.reduce<Record<string, number>>((acc, l) => {
      const level = /"level":(\d+)/.exec(l)?.[1] ?? '?';
      acc[level] = (acc[level] ?? 0) + 1;
      return acc;
    }, {}),
  };

  machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const report = {
    machine,
    settings: {
      connections: CONNECTIONS,
      warmupS: WARMUP,
      durationS: DURATION,
      upstreamConnections: UPSTREAM_CONNECTIONS,
      sampleEvery: SAMPLE_EVERY,
      rounds: ROUNDS,
    },
    wallClockS: Math.round((Date.now() - started) / 1000),
    peakRssMB: { gateway: (gatewayPeakKb ?? 0) / 1024, limit: (limitPeakKb ?? 0) / 1024, M: (mPeakKb ?? 0) / 1024 },
    gatewayFlags: startFlags(),
    gatewayLogLines: logLines,
    checks,
    runs,
    fixed,
    micro,
  };
  writeFileSync(`${OUT}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${OUT}.md`, renderMarkdown(report));
  log(`wrote ${OUT}.md and ${OUT}.json (${report.wallClockS} s)`);
  // The fleet scenario (three replicas on Redis) is its own small run: bench/fleet.ts, bench/fleet-results.md.
  if (!env.BENCH_NO_FLEET && !QUICK && (!ONLY || ONLY.has('FLEET'))) await (await import('./fleet.js')).runFleetBench();
}

/* ------------------------------------------------------------------------------------------ */
/* results.md                                                                                   */
/* ------------------------------------------------------------------------------------------ */

type Report = {
  machine: Machine;
  settings: { connections: number; warmupS: number; durationS: number; upstreamConnections: number; sampleEvery: number; rounds?: number };
  wallClockS: number;
  peakRssMB: { gateway: number; limit: number; M?: number };
  gatewayFlags?: string[];
  gatewayLogLines: { total: number; cancelledByClient: number; levels: Record<string, number> };
  checks: Record<string, unknown>;
  runs: RunResult[];
  fixed: RunResult[];
  micro: MicroResult[];
};

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

function renderMarkdown(report: Report): string {
  const { machine, settings, runs, fixed, checks } = report;
  const pair = (workload: string, variant: string) => ({
    limit: runs.find((r) => r.workload === workload && r.variant === variant && r.target === 'limit'),
    gateway: runs.find((r) => r.workload === workload && r.variant === variant && r.target === 'gateway'),
    M: runs.find((r) => r.workload === workload && r.variant === variant && r.target === 'M'),
  });
  /** One target's req/s over another's in a workload and variant (paired by round when it has rounds). */
  const versus = (workload: string, variant: string, a: Target, b: Target) => {
    const p = pair(workload, variant);
    return pairedRatio(p[a], p[b]);
  };
  const ratio = (workload: string, variant: string) => versus(workload, variant, 'gateway', 'limit');
  const ratioM = (workload: string, variant: string) => versus(workload, variant, 'gateway', 'M');
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Written by \`npm run bench\` (bench/run.ts) on ${machine.date.slice(0, 10)}; the whole run took ${report.wallClockS} s. ` +
      'Every figure that matters is a ratio against the limit measured minutes apart in the same run on the same machine; ' +
      'absolute req/s and milliseconds are only for scale, they drift from run to run on a shared machine.',
    '',
  );
  lines.push('## Machine', '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| Cores (\`nproc\`) | ${machine.nproc} |`);
  lines.push(`| CPU | ${machine.cpuModel} |`);
  lines.push(`| Node | ${machine.node} |`);
  lines.push(`| OS | ${machine.os} |`);
  lines.push(`| Memory | ${machine.memoryGB} GB |`);
  lines.push(`| Load average at start (1, 5, 15 min) | ${machine.loadAverageAtStart.join(', ')} |`);
  if (machine.loadAverageAtEnd) lines.push(`| Load average at end | ${machine.loadAverageAtEnd.join(', ')} |`);
  lines.push(`| Gateway V8 flags (from \`npm start\`) | ${report.gatewayFlags?.join(' ') || 'none'} |`);
  lines.push(`| Date | ${machine.date} |`, '');
  lines.push('## Setup', '');
  lines.push(
    `- **Upstream**: the simulator (src/simulator) with zero added latency, in its own process (bench/upstream.ts); ` +
      'it counts the calls it receives, so "upstream calls per request" is measured at the upstream.',
    `- **Limit**: bench/limit-server.ts, a bare node:http server that reads the same POST, makes the same upstream calls with ` +
      `undici \`request\` (one Pool of ${settings.upstreamConnections} connections per upstream service, as the gateway has) and passes the JSON through.`,
    `- **M**: bench/mercurius-server.ts, Fastify + Mercurius with graphql-jit (\`jit: 1\`) and hand-written resolvers, one undici Pool, the same upstream call per \`cceJob\` (A and C only): the fastest conventional Node GraphQL stack.`,
    `- **Gateway**: \`node dist/main.js\` (the production build) with \`npm start\`'s V8 flags, NODE_ENV=production, LOG_LEVEL=warn, defaults otherwise ` +
      '(all limits, masking, metrics, breaker, bulkhead, retries, terminal cache on).',
    `- **Load**: autocannon in the bench process, closed loop, ${settings.connections} connections, ${settings.warmupS} s warm-up then ` +
      `${settings.durationS} s measured, per target and variant; limit first, then gateway (then M).` +
      ((settings.rounds ?? 1) > 1
        ? ` A and B with a token per request run ${settings.rounds} rounds with the targets in rotation, and each target's median round is the one reported.`
        : '') +
      ' Latency percentiles come from every ' +
      "response's own time (autocannon's histogram has whole-millisecond resolution). Every " +
      `${settings.sampleEvery}th body is checked: a gateway body must have \`data\` and no \`errors\`.`,
    "- All three processes and the load generator share the machine's cores, so neither side gets a core to itself; the ratio is what carries over.",
    '- "one token": every request sends the same X-Auth-Token, so the gateway may share in-flight upstream calls and terminal-cache entries ' +
      'between requests. "token per request": a new token every request, so nothing is shared across requests: the honest figure.',
    '',
  );

  // Targets.
  const aRatio = ratio('A', 'token per request');
  const aRatioM = ratioM('A', 'token per request');
  const bRatio = ratio('B', 'token per request');
  const rounds = [...new Set(fixed.filter((r) => r.variant.startsWith('open loop')).map((r) => r.variant))];
  const addedByRound = rounds.map((variant) => {
    const l = fixed.find((r) => r.variant === variant && r.target === 'limit');
    const g = fixed.find((r) => r.variant === variant && r.target === 'gateway');
    return l && g ? g.latency.p99 - l.latency.p99 : NaN;
  });
  const added = addedByRound.length > 0 ? Math.max(...addedByRound) : NaN;
  const bUnique = pair('B', 'token per request').gateway;
  const wave = checks.Bwave as { gateway: number } | undefined;
  const c = pair('C', 'one token');
  const cRatio = ratio('C', 'one token');
  const yes = (ok: boolean | null) => (ok === null ? 'not run' : ok ? '**met**' : '**not met**');
  lines.push('## Targets (issues 6 and 13)', '');
  lines.push('| Target | Measured | Met? |', '|---|---|---|');
  lines.push(
    `| A, token per request: gateway ≥ 0.6 × the limit's req/s | ${f2(aRatio)} × | ${yes(Number.isFinite(aRatio) ? aRatio >= 0.6 : null)} |`,
  );
  lines.push(
    `| A, token per request: gateway ≥ 0.6 × M's req/s (Fastify + Mercurius + graphql-jit) | ${f2(aRatioM)} × (M itself ${f2(versus('A', 'token per request', 'M', 'limit'))} × the limit) | ${yes(Number.isFinite(aRatioM) ? aRatioM >= 0.6 : null)} |`,
  );
  lines.push(
    `| B, token per request: gateway ≥ 0.5 × the limit's req/s | ${f2(bRatio)} × | ${yes(Number.isFinite(bRatio) ? bRatio >= 0.5 : null)} |`,
  );
  lines.push(
    `| A at 50% of the gateway's max (open loop): p99 added ≤ 5 ms in each of ${rounds.length} consecutive runs | ${addedByRound.map(f2).join(', ')} ms | ${yes(addedByRound.length > 0 ? addedByRound.every((a) => a <= 5) : null)} |`,
  );
  lines.push(
    `| Peak RSS of the gateway over the whole bench ≤ 150 MB | ${f1(report.peakRssMB.gateway)} MB | ${yes(report.peakRssMB.gateway > 0 ? report.peakRssMB.gateway <= 150 : null)} |`,
  );
  const bCheck = checks.B as { gatewayCalls: number } | undefined;
  const bLow = bUnique?.upstreamCallsPerSent ?? NaN;
  const bHigh = bUnique?.upstreamCallsPerRequest ?? NaN;
  // Under load the in-flight requests at the end blur the count by a few hundredths either way; 15 must lie within the bounds.
  const bMet = bCheck && bUnique ? bCheck.gatewayCalls === 15 && bLow <= 15.005 && bHigh >= 14.995 : null;
  lines.push(
    `| B, token per request: upstream calls per request = 15 | one request: ${bCheck?.gatewayCalls ?? 'n/a'}; under load ${f2(bLow)}–${f2(bHigh)} (per request sent – per response) | ${yes(bMet)} |`,
  );
  lines.push(
    `| B: all 15 calls in one wave | ${wave ? `${wave.gateway} of 15 open at once` : 'n/a'} | ${yes(wave ? wave.gateway === 15 : null)} |`,
  );
  lines.push(
    `| C: 0 upstream calls per request after the first | ${f2(c.gateway?.upstreamCallsPerRequest ?? NaN)} | ${yes(c.gateway ? c.gateway.upstreamCallsPerRequest < 0.001 : null)} |`,
  );
  lines.push(`| C: req/s ≥ the limit's | ${f2(cRatio)} × | ${yes(Number.isFinite(cRatio) ? cRatio >= 1 : null)} |`);
  lines.push(
    '',
    'For scale (from the issue, same kind of 2-core machine, same limit): a hand-written Apollo Server 5 + RESTDataSource reaches about 0.16 × the limit on A, ' +
      'Hive Gateway over an OpenAPI description about 0.06 ×, a straightforward yoga + dataloader implementation about 0.16 ×.',
    '',
  );

  lines.push('## Closed loop (max throughput)', '');
  lines.push(
    '| Workload | Variant | Target | req/s | / limit | gateway / M | p50 ms | p99 ms | p99.9 ms | non-2xx | errors | sampled bodies with GraphQL errors | upstream calls / req | CPU µs / req (gateway / limit) | peak RSS MB |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of runs) {
    const limitRun = pair(r.workload, r.variant).limit;
    const rr = r.target === 'limit' ? '1' : `**${f2(pairedRatio(r, limitRun))} ×**`;
    const rm = r.target === 'gateway' ? `**${f2(ratioM(r.workload, r.variant))} ×**` : '';
    const limitCpu = limitRun?.cpuUsPerRequest ?? NaN;
    const cpu = r.target !== 'limit' ? `${int(r.cpuUsPerRequest)} (${f1(r.cpuUsPerRequest / limitCpu)} ×)` : int(r.cpuUsPerRequest);
    lines.push(
      `| ${r.workload} | ${r.variant} | ${r.target} | ${int(r.reqPerSec)} | ${rr} | ${rm} | ${f2(r.latency.p50)} | ${f2(r.latency.p99)} | ${f2(r.latency.p999)} | ` +
        `${r.non2xx} | ${r.errors + r.timeouts} | ${r.target === 'gateway' ? `${r.sampledWithErrors} of ${r.sampled}` : `n/a (${r.sampledWithErrors} bad of ${r.sampled})`} | ${f2(r.upstreamCallsPerRequest)} | ${cpu} | ${int(r.peakRssMB)} |`,
    );
  }
  lines.push('');
  const repeated = runs.filter((r) => r.rounds && r.rounds.length > 1);
  if (repeated.length > 0) {
    lines.push(
      "Rounds (req/s of each, in the order run). The table shows each target's median round; its ratios are the median of the rounds' own ratios (a round's targets ran seconds apart, so the machine's slower drift cancels): " +
        repeated.map((r) => `${r.workload} ${r.target} ${r.rounds!.map(int).join(' / ')}`).join('; ') +
        '.',
      '',
    );
  }
  lines.push(
    '"CPU µs / req" is the target process\'s own CPU time (user + system, from /proc) over the run divided by the responses: ' +
      'it moves much less with machine load than req/s and shows what each request costs the process itself. ' +
      '"upstream calls / req" is per completed response; requests in flight when a run stops add a few hundredths.',
    '',
  );
  lines.push('Workloads:', '');
  lines.push(
    "- **A**: `cceJob` on the simulator's deep-tree job (Running, so never cached) with `subJobs { subJobs { … } }`; the sub-jobs are embedded in the one v3 payload. Sub-jobs select no timestamps: the bare embedded ones would need their own record. " +
      'With one token, concurrent requests share one in-flight upstream call (de-duplication per principal), hence far fewer than 1 call per request there.',
    '- **B**: `jobs(ids:)` with 20 global ids, 15 distinct (4 CCE, 4 CAE, 3 CFW, 4 RDS; 8 of them terminal), 5 asked twice. The limit makes the 15 calls at once and returns the array of bodies. ' +
      'With one token, terminal jobs come from the terminal cache after the first request and concurrent requests share in-flight calls, so fewer than 15 calls per request is expected there.',
    '- **C**: `cceJob` on a terminal (Success) job, one token: after the first request the gateway answers from its terminal-job cache; the limit calls the upstream every time.',
    '',
  );

  if (fixed.length > 0) {
    lines.push(`## D: fixed rate (A, token per request, ${int(fixed[0]!.rate ?? NaN)} req/s = half the gateway's A maximum)`, '');
    lines.push(
      '| Driver | Target | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | non-2xx | errors | bad sampled bodies | upstream calls / req |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of fixed) {
      lines.push(
        `| ${r.variant} | ${r.target} | ${int(r.reqPerSec)} | ${f2(r.latency.p50)} | ${f2(r.latency.p99)} | ${f2(r.latency.p999)} | ${f2(r.latency.max)} | ${r.non2xx} | ${r.errors + r.timeouts} | ${r.sampledWithErrors} of ${r.sampled} | ${f2(r.upstreamCallsPerRequest)} |`,
      );
    }
    const acL = fixed.find((r) => r.variant === 'autocannon -R' && r.target === 'limit');
    const acG = fixed.find((r) => r.variant === 'autocannon -R' && r.target === 'gateway');
    lines.push(
      '',
      `Added p99 latency at this rate: open loop **${addedByRound.map(f2).join(', ')} ms** (worst ${f2(added)}); autocannon -R ${acL && acG ? f2(acG.latency.p99 - acL.latency.p99) : 'n/a'} ms.`,
      '',
      "autocannon's `overallRate` gives each connection a quota per second that it spends back-to-back at the start of each second, so its " +
        '"fixed rate" is a burst at full closed-loop speed followed by idleness, and its tail is the tail under full load. The open-loop ' +
        'driver (undici, in the bench process) sends each request on its own schedule, 1 ms granularity, and times it from when it was due, ' +
        'so it is the fair reading of "latency at 50% load" and is the one the target is checked against.',
      '',
    );
  }

  lines.push('## Single-request checks', '');
  lines.push('```json', JSON.stringify(checks, null, 2), '```', '');
  lines.push(
    `Peak RSS over the whole run (VmHWM): gateway ${f1(report.peakRssMB.gateway)} MB, limit ${f1(report.peakRssMB.limit)} MB, M ${f1(report.peakRssMB.M ?? NaN)} MB.`,
    '',
    `Gateway log lines at LOG_LEVEL=warn over the whole run: ${report.gatewayLogLines.total} (by pino level: ${JSON.stringify(report.gatewayLogLines.levels)}), of which ${report.gatewayLogLines.cancelledByClient} ` +
      'are UPSTREAM_UNAVAILABLE without an HTTP status logged within 2 s of the end of a load run: upstream calls cancelled because autocannon dropped its connections ' +
      '(the gateway cancels a call once every caller waiting for it has gone). Any other line would be a problem worth reading.',
    '',
  );

  if (report.micro.length > 0) {
    lines.push('## Microbenchmark (bench/micro.ts)', '');
    lines.push('Plain timed loops in a process of their own, before the load runs start.', '');
    lines.push('| Function | ops/s | ns/op |', '|---|---:|---:|');
    for (const m of report.micro) lines.push(`| ${m.name} | ${int(m.opsPerSec)} | ${int(m.nsPerOp)} |`);
    lines.push('');
  }

  const findings = join(ROOT, 'bench', 'findings.md');
  if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trim(), '');

  lines.push('## How to run', '');
  lines.push(
    '```sh',
    'npm ci',
    'npm run bench          # builds dist/ if stale, then about 4 minutes; writes bench/results.md and bench/results.json',
    'npm run bench:micro    # the microbenchmark alone',
    'npm run bench:profile  # a CPU profile of the gateway under workload A, and its top functions',
    'npm run bench:alloc    # bytes allocated per request, by function and package',
    'npx tsx bench/compare.ts before=/tmp/old/dist/main.js after=dist/main.js   # paired before/after of two builds',
    '```',
    '',
    'BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ONLY=A,B,C,FLEET, BENCH_NO_MICRO=1 and BENCH_NO_FLEET=1 shorten or narrow a run (see bench/run.ts); `npm run bench:fleet` runs the fleet scenario alone (bench/fleet-results.md).',
    '',
  );
  return lines.join('\n');
}

// `tsx bench/run.ts --render`: rewrite results.md from results.json (e.g. after editing findings.md), without measuring again.
if (process.argv[1]?.endsWith('run.ts') && process.argv.includes('--render')) {
  writeFileSync(`${OUT}.md`, renderMarkdown(JSON.parse(readFileSync(`${OUT}.json`, 'utf8')) as Report));
  log(`rewrote ${OUT}.md from ${OUT}.json`);
} else if (process.argv[1]?.endsWith('run.ts'))
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
