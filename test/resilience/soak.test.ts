import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_CAE_ENVIRONMENT_ID as SIM_ENV } from '../../src/simulator/server.js';
import type { GraphQLResponse } from '../support/gateway.js';
import type { Fault } from './faulty-upstream.js';
import { DOCUMENTED_CODES, MIXED, P, SIM_IDS, eventually, fieldAt, sleep, startFaultyGateway, type FaultyGateway } from './helpers.js';

const QUERIES = 3_000;
const CONCURRENCY = 50;
const TIMEOUT_MS = 800;
const MiB = 1024 * 1024;
// Refusals before execution carry yoga's codes, not ours.
const REJECTION_CODES = new Set(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

/** A forced full GC: `global.gc` under --expose-gc, or the same function exposed on the fly. */
function forceGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** mulberry32: a seeded PRNG, so a failing soak can be replayed with the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Faults injected on the CCE upstream, weighted. */
function randomFault(random: () => number): Fault {
  const r = random();
  if (r < 0.45) return { kind: 'healthy', delayMs: Math.floor(random() * 20) };
  if (r < 0.52) return { kind: 'healthy', delayMs: TIMEOUT_MS + 300 }; // past the deadline
  if (r < 0.55) return { kind: 'hang' };
  if (r < 0.57) return { kind: 'neverEnding' };
  if (r < 0.67) return { kind: 'json', status: 503, body: { error_code: 'APIG.0502', error_msg: 'unavailable' } };
  if (r < 0.71)
    return { kind: 'json', status: 429, body: { error_code: 'APIG.0308', error_msg: 'throttled' }, headers: { 'Retry-After': '0' } };
  if (r < 0.78) return { kind: 'resetMidBody' };
  if (r < 0.82) return { kind: 'resetBeforeHeaders' };
  if (r < 0.88) return { kind: 'raw', body: '{"kind":"Job",' };
  if (r < 0.91) return { kind: 'json', status: 500, body: { errorCode: 'CCE.01500001', errorMessage: 'boom' } };
  if (r < 0.94) return { kind: 'deepCce', levels: 500 };
  if (r < 0.97) return { kind: 'json', status: 404, body: { errorCode: 'CCE.01404001', errorMessage: 'Resource not found' } };
  return { kind: 'json', body: { unexpected: true } };
}

const CCE_IDS = [SIM_IDS.cce.docV3, SIM_IDS.cce.running, SIM_IDS.cce.success, SIM_IDS.cce.failed, SIM_IDS.cce.deepTree];
const CFW_IDS = [SIM_IDS.cfw.success, SIM_IDS.cfw.running, SIM_IDS.cfw.failed];
const CAE_IDS = [SIM_IDS.cae.doc, SIM_IDS.cae.running, SIM_IDS.cae.success];
const DB_IDS = [SIM_IDS.db.completed, SIM_IDS.db.running, SIM_IDS.db.failed];

interface Planned {
  query: string;
  /** Aliases that only the healthy simulator serves. */
  healthy: string[];
  hostile: boolean;
  /** `cceJobs` is a non-null root field: when it fails, GraphQL nulls the whole `data`. */
  nonNullRoot?: boolean;
  abortAfterMs?: number;
  token: string;
}

function plan(random: () => number, ids: { cfw: string; cae: string }): Planned {
  const token = `soak-tenant-${Math.floor(random() * 5)}`;
  const cce = `cce: cceJob(projectId: "${P}", jobId: "${pick(random, CCE_IDS)}") { id jobId state terminal subJobs { jobId state } }`;
  const cfw = `cfw: cfwJob(projectId: "${P}", jobId: "${pick(random, CFW_IDS)}") { id jobId state finishedAt }`;
  const cae = `cae: caeJob(projectId: "${P}", environmentId: "${SIM_ENV}", jobId: "${pick(random, CAE_IDS)}") { id jobId state progress }`;
  const db = `db: dbJob(projectId: "${P}", jobId: "${pick(random, DB_IDS)}") { id jobId state }`;
  const r = random();
  const abortAfterMs = random() < 0.03 ? Math.floor(random() * 40) : undefined;
  const base = { token, hostile: false, ...(abortAfterMs !== undefined ? { abortAfterMs } : {}) };
  if (r < 0.3) return { ...base, query: `{ ${cce} ${cfw} }`, healthy: ['cfw'] };
  if (r < 0.45) return { ...base, query: `{ ${cce} }`, healthy: [] };
  if (r < 0.55) return { ...base, query: `{ list: cceJobs(projectId: "${P}") { jobId state } }`, healthy: [], nonNullRoot: true };
  if (r < 0.6) return { ...base, query: `{ ${db} }`, healthy: ['db'] };
  if (r < 0.7) return { ...base, query: `{ ${cfw} ${cae} ${db} }`, healthy: ['cfw', 'cae', 'db'] };
  if (r < 0.8) return { ...base, query: `{ many: jobs(ids: ["${ids.cfw}", "${ids.cae}", "${ids.cfw}"]) { id state } }`, healthy: ['many'] };
  if (r < 0.9) return { ...base, query: `{ ${cce} ${cae} }`, healthy: ['cae'] };
  if (r < 0.95) return { ...base, query: `{ job(id: "${ids.cfw}") { id state } ${cce} }`, healthy: ['job'] };
  // Hostile: refused before execution.
  const deep = `${'subJobs { '.repeat(20)}state${' }'.repeat(20)}`;
  return {
    ...base,
    query: pick(random, [`{ ${cce.replace('subJobs { jobId state }', deep)} }`, '{ nope }', '{ cfwJob(']),
    healthy: [],
    hostile: true,
  };
}

interface Outcome {
  status: number;
  body: unknown;
}

async function send(url: string, p: Planned): Promise<Outcome | 'aborted'> {
  const controller = new AbortController();
  const timer = p.abortAfterMs !== undefined ? setTimeout(() => controller.abort(), p.abortAfterMs) : undefined;
  try {
    const res = await request(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': p.token },
      body: JSON.stringify({ query: p.query }),
      signal: controller.signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: JSON.parse(text) as unknown };
  } catch (error) {
    if (controller.signal.aborted) return 'aborted';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

interface ResultBody {
  data?: Record<string, unknown> | null;
  errors?: { message?: unknown; path?: unknown[]; extensions?: { code?: unknown } }[];
}

/** Problems with one response, as readable strings (empty when it is fine). */
function check(p: Planned, outcome: Outcome): string[] {
  const problems: string[] = [];
  const body = outcome.body as ResultBody;
  if (typeof body !== 'object' || body === null) return [`not a JSON object: ${String(body)}`];
  const errors = body.errors ?? [];
  if (p.hostile) {
    if (outcome.status !== 400) problems.push(`hostile query answered ${outcome.status}`);
    for (const e of errors)
      if (!REJECTION_CODES.has(String(e.extensions?.code))) problems.push(`rejection code ${String(e.extensions?.code)}`);
    if (errors.length === 0) problems.push('hostile query without errors');
    return problems;
  }
  if (outcome.status !== 200) problems.push(`status ${outcome.status}: ${JSON.stringify(body).slice(0, 300)}`);
  const nulledByRoot = p.nonNullRoot === true && body.data === null && errors.length > 0;
  if ((typeof body.data !== 'object' || body.data === null) && !nulledByRoot)
    problems.push(`no data: ${JSON.stringify(body).slice(0, 300)}`);
  for (const e of errors) {
    const code = String(e.extensions?.code);
    if (!DOCUMENTED_CODES.has(code)) problems.push(`undocumented code ${code}: ${String(e.message)}`);
    if (typeof e.message !== 'string' || e.message === '') problems.push('error without a message');
    const alias = e.path?.[0];
    if (typeof alias === 'string' && p.healthy.includes(alias)) problems.push(`healthy field ${alias} failed: ${String(e.message)}`);
  }
  return problems;
}

describe('soak: thousands of mixed queries with faults injected on one upstream', () => {
  let g: FaultyGateway;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const onUncaught = (error: unknown) => unhandled.push(error);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUncaught);
    g = await startFaultyGateway({
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      UPSTREAM_RETRIES: '1',
      UPSTREAM_RETRY_BASE_MS: '10',
      UPSTREAM_RETRY_MAX_DELAY_MS: '50',
      BREAKER_HALF_OPEN_AFTER_MS: '300',
    });
  });

  afterAll(async () => {
    await g?.close();
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUncaught);
  });

  it(`${QUERIES} queries at concurrency ${CONCURRENCY}: no crash, no unhandled rejection, typed errors, memory back near its start`, {
    timeout: 60_000,
  }, async () => {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    g.faulty.script = () => randomFault(random);

    // Global ids for job(id:) and jobs(ids:), read from the healthy simulator.
    const seedIds = await g.query<{ cfw: { id: string }; cae: { id: string } }>(
      `{ cfw: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { id } cae: caeJob(projectId: "${P}", environmentId: "${SIM_ENV}", jobId: "${SIM_IDS.cae.success}") { id } }`,
    );
    expect(seedIds.errors, JSON.stringify(seedIds.errors)).toBeUndefined();
    const ids = { cfw: seedIds.data!.cfw.id, cae: seedIds.data!.cae.id };

    const run = async (count: number) => {
      const problems: string[] = [];
      const tally = { ok: 0, partial: 0, rejected: 0, aborted: 0 };
      const codes = new Map<string, number>();
      let next = 0;
      const worker = async () => {
        while (next < count) {
          next++;
          const p = plan(random, ids);
          const outcome = await send(g.url, p);
          if (outcome === 'aborted') {
            tally.aborted++;
            continue;
          }
          const found = check(p, outcome);
          if (found.length > 0) problems.push(`[seed ${seed}] ${p.query.slice(0, 120)} -> ${found.join('; ')}`);
          const errors = (outcome.body as ResultBody).errors ?? [];
          for (const e of errors) {
            const key = `${String(e.extensions?.code)}${(e.extensions as { upstream?: { circuit?: string } } | undefined)?.upstream?.circuit ? ' (circuit open)' : ''}`;
            codes.set(key, (codes.get(key) ?? 0) + 1);
          }
          if (p.hostile) tally.rejected++;
          else if (errors.length > 0) tally.partial++;
          else tally.ok++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return { problems, tally, codes };
    };

    // Warm up (JIT, pools, caches, lazily built plugins), then take the baseline.
    const warm = await run(300);
    expect(warm.problems.slice(0, 10)).toEqual([]);
    await sleep(TIMEOUT_MS + 200);
    g.faulty.calls.length = 0;
    g.sim.resetCalls();
    const gc = forceGc();
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;

    const started = performance.now();
    const soak = await run(QUERIES);
    const seconds = (performance.now() - started) / 1000;
    expect(soak.problems.slice(0, 10)).toEqual([]);
    // Faults really were injected and really were survived: some answers whole, some partial.
    expect(soak.tally.ok).toBeGreaterThan(QUERIES / 10);
    expect(soak.tally.partial).toBeGreaterThan(QUERIES / 10);
    expect(soak.tally.ok + soak.tally.partial + soak.tally.rejected + soak.tally.aborted).toBe(QUERIES);
    expect(seconds).toBeLessThan(45);

    // Every upstream request the gateway started has ended: hung ones were abandoned at the deadline.
    await eventually(() => g.faulty.calls.every((c) => c.isClosed), 'every upstream request closed', 5_000);

    expect(unhandled).toEqual([]);

    // The gateway still answers normally once the upstream is healthy (after the breaker's half-open delay if it opened).
    g.faulty.script = undefined;
    let last: GraphQLResponse | undefined;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      last = await g.query(MIXED);
      if (!last.errors) break;
      await sleep(100);
    }
    expect(last?.errors, JSON.stringify(last?.errors)).toBeUndefined();
    expect(fieldAt(last!, 'cce')).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });

    await sleep(TIMEOUT_MS + 200);
    const upstreamCalls = g.faulty.calls.length;
    // The fault server and the simulator keep a record per call in this same process: not the gateway's memory.
    g.faulty.calls.length = 0;
    g.sim.resetCalls();
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    const growth = (after - before) / MiB;
    console.info(
      `soak seed=${seed}: ${QUERIES} queries in ${seconds.toFixed(1)} s`,
      soak.tally,
      Object.fromEntries(soak.codes),
      `upstream calls=${upstreamCalls}, heap ${(before / MiB).toFixed(1)} -> ${(after / MiB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(50);
  });
});
