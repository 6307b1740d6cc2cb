/**
 * The limit: the least any server can do to answer the benchmark's requests. It accepts the same
 * HTTP request the gateway gets (a POST with a GraphQL body, read and ignored), makes the same
 * upstream calls with undici `request` over Pools sized like the gateway's (one Pool of
 * UPSTREAM_CONNECTIONS per upstream service, all pointing at the same simulator), and passes the
 * upstream JSON through: no GraphQL, no mapping, no resilience.
 *
 * What it calls is set over IPC by bench/run.ts before each run, so the HTTP request stays
 * byte-for-byte the one the gateway is sent:
 *   `{ type: 'targets', targets: [{ service, path, headers? }] }` → `{ type: 'targets-set' }`
 * One target: its body is passed through. Several (workload B): all are called at once and the
 * answer is the JSON array of their bodies, in order.
 *
 * Env: UPSTREAM_URL (required), PORT (0 = any), HOST (127.0.0.1), UPSTREAM_CONNECTIONS (32).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { JobSource } from '../src/model/job.js';
import { UPSTREAM_SOURCES } from '../src/upstreams/index.js';

export interface LimitTarget {
  service: JobSource;
  /** Path and query below the upstream origin. */
  path: string;
  headers?: Record<string, string>;
}

const upstream = process.env.UPSTREAM_URL;
if (!upstream) throw new Error('UPSTREAM_URL is required');
const connections = Number(process.env.UPSTREAM_CONNECTIONS ?? 32);
// The gateway has one client (and so one Pool) per upstream service; so does the limit.
const pools = Object.fromEntries(UPSTREAM_SOURCES.map((s) => [s, new Pool(upstream, { connections })])) as Record<JobSource, Pool>;
let targets: LimitTarget[] = [];

async function call(target: LimitTarget, token: string): Promise<{ status: number; text: string }> {
  const res = await pools[target.service].request({
    method: 'GET',
    path: target.path,
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-auth-token': token, ...target.headers },
  });
  return { status: res.statusCode, text: await res.body.text() };
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Read (and ignore) the GraphQL body, as any server must.
  for await (const _chunk of req) void _chunk;
  const token = req.headers['x-auth-token'];
  if (typeof token !== 'string' || targets.length === 0) return reply(res, 400, '{"error":"no token or no targets"}');
  if (targets.length === 1) {
    const { status, text } = await call(targets[0]!, token);
    return reply(res, status >= 200 && status < 300 ? 200 : 502, text);
  }
  const answers = await Promise.all(targets.map((t) => call(t, token)));
  const failed = answers.some((a) => a.status < 200 || a.status >= 300);
  reply(res, failed ? 502 : 200, `[${answers.map((a) => a.text).join(',')}]`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => reply(res, 502, JSON.stringify({ error: String(error) })));
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: { type: string; targets?: LimitTarget[] }) => {
  if (message.type === 'targets') {
    targets = message.targets ?? [];
    process.send?.({ type: 'targets-set' });
  }
});
const stop = () => {
  server.closeAllConnections();
  server.close();
  void Promise.all(Object.values(pools).map((p) => p.close())).finally(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  if (process.send) process.send({ type: 'ready', url });
  else console.log(url);
});
