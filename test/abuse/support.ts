/**
 * Shared pieces of the abuse tests: the production build of the gateway started as a child process
 * (with a bounded heap, so a leak shows as a crash or a memory reading rather than a slow test), a
 * purpose-built upstream serving a large CCE job that changes on every read, raw-socket clients
 * that stop reading, and readings of the child's memory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import WebSocket from 'ws';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { startFaultyUpstream, type FaultyUpstream } from '../resilience/faulty-upstream.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const P = SIM_PROJECT_ID;
export const REGION = 'cn-north-4';
export { sleep };

let built: string | undefined;

/**
 * The production build (`tsc -p tsconfig.build.json`) of the current sources, what `npm start` and the
 * Docker image run, never a stale dist/. Built inside the repository (so it resolves node_modules
 * as dist/ does) under a hash of the sources, and shared by every test file that needs it: the
 * first builds (about 4 s), the others reuse it.
 */
export function buildGateway(): string {
  if (built) return built;
  const base = fileURLToPath(new URL('../artifacts/abuse-build/', import.meta.url));
  const hash = createHash('sha256');
  for (const dir of ['src', 'schema']) {
    for (const file of (readdirSync(`${ROOT}${dir}`, { recursive: true }) as string[]).sort()) {
      const path = `${ROOT}${dir}/${file}`;
      if (statSync(path).isFile()) hash.update(file).update(readFileSync(path));
    }
  }
  hash.update(readFileSync(`${ROOT}tsconfig.json`)).update(readFileSync(`${ROOT}tsconfig.build.json`));
  const key = hash.digest('hex').slice(0, 16);
  const dir = `${base}${key}/`;
  if (!existsSync(`${dir}dist/main.js`)) {
    const tmp = `${base}${key}.${process.pid}.${randomBytes(3).toString('hex')}/`;
    mkdirSync(tmp, { recursive: true });
    // The build reads its SDL from ../schema, as dist/ does.
    symlinkSync(`${ROOT}schema`, `${tmp}schema`);
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${tmp}dist`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
    // Builds of older sources go; a build finished meanwhile by another test file wins the rename.
    for (const old of readdirSync(base)) if (!old.startsWith(key)) rmSync(`${base}${old}`, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  built = `${dir}dist/main.js`;
  return built;
}

export interface Child {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Everything it wrote so far (JSON log lines). */
  output(): string;
  /** Resolves with how it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Resident set size now, in bytes (from /proc). */
  rss(): number;
  /** SIGKILL if still running. */
  kill(): Promise<void>;
}

/** The built gateway in a child process on a free loopback port, with an old-space limit of `heapMb`. */
export async function spawnGateway(env: Record<string, string>, heapMb = 256): Promise<Child> {
  const main = buildGateway();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/_ENDPOINT$|^CLOUD_SDK_|^OTEL_|^PORT$|^HOST$|^LOG_LEVEL$|^NODE_ENV$|^VITEST/.test(key)) continue;
    childEnv[key] = value;
  }
  Object.assign(childEnv, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', NODE_ENV: 'production', ...env });
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, main], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"msg":"listening on (http:\/\/[^ "/]+)\/graphql/.exec(out);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      } else if (child.exitCode !== null || child.signalCode !== null) {
        clearInterval(timer);
        reject(new Error(`the gateway exited before listening:\n${out}`));
      }
    }, 20);
  });
  return {
    child,
    url,
    pid: child.pid!,
    output: () => out,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kb) * 1024;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Upstream endpoints for a child gateway: every service on `upstream`. */
export function endpointsEnv(upstream: { url: string }): Record<string, string> {
  return { CCE_ENDPOINT: upstream.url, CAE_ENDPOINT: upstream.url, CFW_ENDPOINT: upstream.url, DB_ENDPOINT: upstream.url };
}

/** The job id of the large live job on the upstream from `startLargeJobUpstream`. */
export const LARGE_JOB = '7b2d0000-1a2b-11f0-9f3c-0255ac10ffff';
export const LARGE_JOB_ID = cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: LARGE_JOB });
/** A seed job the second tenant reads. */
export const SEED_JOB = SIM_IDS.cce.docV3;

/**
 * The fault-injecting upstream (healthy seed data), plus one large CCE v3 job (`subJobs` sub-jobs)
 * that is different on every read: its updateTimestamp, one sub-job's phase and every sub-job's reason
 * move each time.
 */
export async function startLargeJobUpstream(subJobs: number, reasonBytes = 40): Promise<FaultyUpstream & { reads(): number }> {
  const upstream = await startFaultyUpstream();
  let n = 0;
  const path = `/api/v3/projects/${P}/jobs/${LARGE_JOB}`;
  upstream.script = (call) => {
    if (call.path !== path) return { kind: 'healthy' };
    n++;
    return { kind: 'raw', body: largeJob(n, subJobs, reasonBytes) };
  };
  return Object.assign(upstream, { reads: () => n });
}

/** Each sub-job's `reason` is about `reasonBytes` long, and new on every read. */
function largeJob(n: number, count: number, reasonBytes: number): string {
  const filler = 'x'.repeat(Math.max(0, reasonBytes - 30));
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString();
  const subs: string[] = [];
  for (let i = 0; i < count; i++) {
    const phase = i === n % count ? 'Running' : i < n % count ? 'Success' : 'Initializing';
    subs.push(
      `{"kind":"Job","metadata":{"uid":"7b2d${String(i).padStart(4, '0')}-1a2b-11f0-9f3c-0255ac10ffff","creationTimestamp":"${at(0)}","updateTimestamp":"${at(n)}"},` +
        `"spec":{"type":"InstallNode${i}","clusterUID":"c-${i}","resourceID":"node-${i}","resourceName":"node-${i}-of-a-large-cluster"},"status":{"phase":"${phase}","reason":"step ${n} of a long rollout ${filler}"}}`,
    );
  }
  return (
    `{"kind":"Job","apiVersion":"v3","metadata":{"uid":"${LARGE_JOB}","creationTimestamp":"${at(0)}","updateTimestamp":"${at(n)}"},` +
    `"spec":{"type":"ScaleupCluster","clusterUID":"c","subJobs":[${subs.join(',')}]},"status":{"phase":"Running","reason":"read ${n}"}}`
  );
}

/** A subscription that selects every sub-job: a large payload per event. */
export const WATCH_LARGE = `subscription W($id: ID!) {
  jobUpdated(id: $id) { id state updatedAt message subJobs { jobId type state createdAt updatedAt message } }
}`;

/**
 * An SSE subscriber over a raw socket that reads until its first event, then stops reading for good
 * (socket paused): the server's writes back up behind it.
 */
export async function stalledSse(url: string, body: { query: string; variables: Record<string, unknown> }, token: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const json = JSON.stringify(body);
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n` +
      `X-Auth-Token: ${token}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('event: next')) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      } else if (seen.length > 1_000_000) reject(new Error(`no event in ${seen.slice(0, 300)}`));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before the first event: ${seen.slice(0, 300)}`)));
  });
  return socket;
}

/** A graphql-ws subscriber that reads until its first `next`, then pauses its socket for good. */
export async function stalledWebSocket(url: string, query: string, variables: Record<string, unknown>, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  ws.on('error', () => undefined);
  let paused = false;
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { 'X-Auth-Token': token } })));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      if (message.type === 'next' && !paused) {
        paused = true;
        (ws as unknown as { _socket: Socket })._socket.pause();
        resolve();
      }
    });
    ws.once('close', (code, reason) => reject(new Error(`closed before the first event: ${code} ${reason.toString()}`)));
  });
  return ws;
}

/** One GraphQL POST; the parsed body and the status. */
export async function postQuery(
  url: string,
  query: string,
  token: string,
  variables?: Record<string, unknown>,
): Promise<{
  status: number;
  headers: Record<string, unknown>;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}> {
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ query, variables }),
    // A gateway that stops answering fails the caller's check rather than hanging the test.
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: JSON.parse(text) as never };
}

/** The value of one unlabelled metric on /metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const res = await request(`${url}/metrics`, { signal: AbortSignal.timeout(15_000) });
  const text = await res.body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}
