/**
 * A local stand-in for the five upstream job APIs (CCE v3/v2, CAE, CFW, RDS), served from one
 * port over real HTTP. It mimics what the gateway has to cope with: each service's casing,
 * status words, time formats, error bodies (including CAE's 500 and CFW's 400 for not-found),
 * the API gateway's 401 bodies, X-Request-Id on every response, token and AK/SK auth.
 * Each upstream's routes and seed are its own (`<name>.ts`, `<name>-data.ts`, registered in
 * index.ts); this file is what they share: the HTTP server, the call log, auth and fault hooks.
 *
 * Besides the immutable seed it serves live jobs (SIM_IDS.live, see live.ts) whose state moves
 * on with time: `liveStepMs` per step, restarting `liveRestartAfterMs` after they finish, on the
 * clock `now` (injectable for tests). Their timelines belong to one simulator instance.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSdkDate, verifySdkSignature } from './sdk-verifier.js';
import type { JobSource } from '../model/job.js';
import { SIMULATED_UPSTREAMS } from './index.js';
import { DEFAULT_LIVE_RESTART_AFTER_MS, DEFAULT_LIVE_STEP_MS, LiveTimelines } from './live.js';
import { firstHeader, type Reply, type SimRequest, type SimulatedUpstream } from './types.js';

export { SIM_PROJECT_ID } from './seed.js';
export { SIM_IDS } from './index.js';
export { SIM_CAE_ENVIRONMENT_ID } from './cae-data.js';
export { SIM_BULK_CCE_IDS } from './cce-data.js';

export type SimService = JobSource;

export interface SimCall {
  service: SimService;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, AK/SK-signed requests are verified against these keys. */
  keys?: { ak: string; sk: string };
  /** These X-Auth-Token values get the service's 403. */
  denyTokens?: string[];
  /** Added before each routed request is answered. */
  latencyMs?: number;
  /** Sees each routed request after it is recorded; return true if it answered the request itself (fault injection). */
  intercept?: (call: SimCall, res: ServerResponse) => boolean;
  /** How long each step of a live job (SIM_IDS.live) lasts. Default 3000 ms. */
  liveStepMs?: number;
  /** A live job that has been terminal this long restarts at its next request. Default 30 000 ms. */
  liveRestartAfterMs?: number;
  /** The clock that drives the live jobs (epoch ms). Default Date.now. AK/SK clock skew is always checked against the real clock. */
  now?: () => number;
}

export interface Simulator {
  url: string;
  port: number;
  calls: SimCall[];
  resetCalls(): void;
  /** Forgets the live jobs' timelines: the next request to each starts it afresh. */
  resetLive(): void;
  close(): Promise<void>;
}

/** The API gateway rejects signatures whose X-Sdk-Date is further than this from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The simulated upstream that serves a path, and its answer; null when none does. */
function matchRoute(rawPath: string): { upstream: SimulatedUpstream; answer: (request: SimRequest) => Reply } | null {
  const raw = rawPath.split('/');
  if (raw[0] !== '') return null;
  const segments: string[] = [];
  for (const s of raw.slice(1)) {
    const d = decodeSegment(s);
    if (d === null || d === '') return null; // empty segments (`//`, trailing `/`) are not routes upstream either
    segments.push(d);
  }
  for (const upstream of SIMULATED_UPSTREAMS) {
    const answer = upstream.route(segments);
    if (answer) return { upstream, answer };
  }
  return null;
}

function apigError(status: number, code: string, msg: string, requestId: string): Reply {
  return { status, body: { error_code: code, error_msg: msg, request_id: requestId } };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Token or AK/SK, like the API gateway in front of every service; null means authenticated. */
function authenticate(
  upstream: SimulatedUpstream,
  req: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  opts: SimulatorOptions,
  requestId: string,
): Reply | null {
  const token = firstHeader(req.headers['x-auth-token']);
  if (token !== undefined && token.trim() !== '') {
    return opts.denyTokens?.includes(token) ? upstream.forbidden : null;
  }
  const authorization = firstHeader(req.headers.authorization);
  if (authorization === undefined) {
    return apigError(401, 'APIG.0301', 'Incorrect IAM authentication information: no X-Auth-Token or Authorization header', requestId);
  }
  if (!opts.keys || !authorization.trim().startsWith('SDK-HMAC-SHA256 ')) {
    return apigError(401, 'APIG.0301', 'Incorrect IAM authentication information: unsupported Authorization header', requestId);
  }
  const date = firstHeader(req.headers['x-sdk-date']);
  if (date === undefined) {
    return apigError(401, 'APIG.0301', 'Incorrect IAM authentication information: X-Sdk-Date header is missing', requestId);
  }
  const verdict = verifySdkSignature({ method: req.method ?? 'GET', path: rawPath, rawQuery, headers: req.headers, body }, opts.keys);
  if (!verdict.ok) {
    return apigError(
      401,
      'APIG.0301',
      `Incorrect IAM authentication information: verify aksk signature fail (${verdict.reason})`,
      requestId,
    );
  }
  // Checked after the signature, as the gateway does: only a genuine but stale request gets the skew error.
  const signedAt = parseSdkDate(date);
  if (signedAt === null || Math.abs(Date.now() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    return apigError(
      401,
      'APIGW.0303',
      'Incorrect app authentication information: X-Sdk-Date is more than 15 minutes from server time',
      requestId,
    );
  }
  return null;
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  res.statusCode = reply.status;
  res.end(JSON.stringify(reply.body));
}

export function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const stepMs = opts.liveStepMs ?? DEFAULT_LIVE_STEP_MS;
  const restartAfterMs = opts.liveRestartAfterMs ?? DEFAULT_LIVE_RESTART_AFTER_MS;
  if (!Number.isFinite(stepMs) || stepMs <= 0) {
    return Promise.reject(new RangeError(`liveStepMs must be a positive number of milliseconds, got ${stepMs}`));
  }
  if (!Number.isFinite(restartAfterMs) || restartAfterMs < 0) {
    return Promise.reject(new RangeError(`liveRestartAfterMs must be a non-negative number of milliseconds, got ${restartAfterMs}`));
  }
  const live = new LiveTimelines({ stepMs, restartAfterMs, now: opts.now ?? Date.now });
  const calls: SimCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Request-Id', requestId);

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    // Drained for every request: AK/SK must hash whatever body arrived (the Node SDK sends `{}` on GETs).
    const body = await readBody(req);

    const route = matchRoute(rawPath);
    if (!route) {
      send(res, apigError(404, 'APIG.0101', 'The API does not exist or has not been published in the environment', requestId));
      return;
    }
    const call: SimCall = {
      service: route.upstream.source,
      method: req.method ?? 'GET',
      path: rawPath,
      query: rawQuery,
      headers: { ...req.headers },
    };
    calls.push(call);

    if (opts.latencyMs && opts.latencyMs > 0) await delay(opts.latencyMs);
    if (opts.intercept?.(call, res)) return;

    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      send(res, apigError(405, 'APIG.0101', 'Method not allowed: these job APIs only serve GET', requestId));
      return;
    }
    const denied = authenticate(route.upstream, req, rawPath, rawQuery, body, opts, requestId);
    send(res, denied ?? route.answer({ query: rawQuery, headers: req.headers, live }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: { error_code: 'SIM.0500', error_msg: 'simulator internal error' } });
      else res.destroy();
    });
  });

  let closing: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}`,
        port,
        calls,
        resetCalls: () => {
          calls.length = 0;
        },
        resetLive: () => live.reset(),
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            for (const t of timers) clearTimeout(t);
            timers.clear();
            server.close((err) => (err ? fail(err) : done()));
            // Keep-alive sockets (undici pools them) would otherwise hold close() open.
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
