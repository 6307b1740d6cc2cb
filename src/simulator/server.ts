/**
 * A local stand-in for the five upstream job APIs (CCE v3/v2, CAE, CFW, RDS), served from one
 * port over real HTTP. It mimics what the gateway has to cope with: each service's casing,
 * status words, time formats, error bodies (including CAE's 500 and CFW's 400 for not-found),
 * the API gateway's 401 bodies, X-Request-Id on every response, token and AK/SK auth.
 *
 * Besides the immutable seed it serves live jobs (SIM_IDS.live, see live.ts) whose state moves
 * on with time: `liveStepMs` per step, restarting `liveRestartAfterMs` after they finish, on the
 * clock `now` (injectable for tests). Their timelines belong to one simulator instance.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSdkDate, verifySdkSignature } from './sdk-verifier.js';
import {
  LIVE_CAE_ID,
  LIVE_DB_ID,
  SIM_CAE_ENVIRONMENT_ID,
  SIM_CAE_JOBS,
  SIM_CCE_JOBS,
  SIM_CCE_TOP_LEVEL,
  SIM_CFW_JOBS,
  SIM_DB_JOBS,
  SIM_PROJECT_ID,
  renderCae,
  renderCceV2,
  renderCceV3,
  renderCfw,
  renderDb,
  type Json,
} from './data.js';
import {
  DEFAULT_LIVE_RESTART_AFTER_MS,
  DEFAULT_LIVE_STEP_MS,
  LIVE_CCE_IDS,
  LiveTimelines,
  findLiveCce,
  liveCaeJob,
  liveDbJob,
} from './live.js';

export { SIM_PROJECT_ID, SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_BULK_CCE_IDS } from './data.js';

export type SimService = 'CCE' | 'CAE' | 'CFW' | 'DB';

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

type Route =
  | { service: 'CCE'; kind: 'cce-detail'; version: 'v3' | 'v2'; projectId: string; jobId: string }
  | { service: 'CCE'; kind: 'cce-list'; projectId: string }
  | { service: 'CAE'; kind: 'cae'; projectId: string; jobId: string }
  | { service: 'CFW'; kind: 'cfw'; projectId: string; jobId: string }
  | { service: 'DB'; kind: 'db'; projectId: string };

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function matchRoute(rawPath: string): Route | null {
  const raw = rawPath.split('/');
  if (raw[0] !== '') return null;
  const seg: string[] = [];
  for (const s of raw.slice(1)) {
    const d = decodeSegment(s);
    if (d === null || d === '') return null; // empty segments (`//`, trailing `/`) are not routes upstream either
    seg.push(d);
  }
  const [a, b, c, d, e, f] = seg;
  if (a === 'api' && (b === 'v3' || b === 'v2') && c === 'projects' && d !== undefined && e === 'jobs') {
    if (seg.length === 6 && f !== undefined) return { service: 'CCE', kind: 'cce-detail', version: b, projectId: d, jobId: f };
    if (seg.length === 5 && b === 'v2') return { service: 'CCE', kind: 'cce-list', projectId: d };
    return null;
  }
  if (a === 'v1' && b !== undefined && c === 'cae' && d === 'jobs' && seg.length === 5 && e !== undefined) {
    return { service: 'CAE', kind: 'cae', projectId: b, jobId: e };
  }
  if (a === 'v3' && b !== undefined && c === 'jobs') {
    if (seg.length === 4 && d !== undefined) return { service: 'CFW', kind: 'cfw', projectId: b, jobId: d };
    if (seg.length === 3) return { service: 'DB', kind: 'db', projectId: b };
  }
  return null;
}

interface Reply {
  status: number;
  body: Json;
}

const CCE_NOT_FOUND: Reply = { status: 404, body: { error_code: 'CCE.01404001', error_msg: 'Resource not found' } };
const CAE_JOB_NOT_FOUND: Reply = { status: 404, body: { error_code: 'CAE.01500502', error_msg: 'Job not found' } };
const CAE_ENV_NOT_FOUND: Reply = { status: 500, body: { error_code: 'CAE.01500404', error_msg: 'Environment not found' } };
const CAE_ENV_MISSING: Reply = {
  status: 400,
  body: { error_code: 'CAE.01500002', error_msg: 'Invalid request header: X-Environment-ID is required' },
};
const CFW_NOT_FOUND: Reply = { status: 400, body: { error_code: 'CFW.00200005', error_msg: 'Object not found.' } };
const DB_NOT_FOUND: Reply = { status: 404, body: { error_code: 'DBS.280011', error_msg: 'The job does not exist.' } };
const DB_MISSING_ID: Reply = { status: 400, body: { error_code: 'DBS.200001', error_msg: 'Parameter error: id is required.' } };

const FORBIDDEN: Record<SimService, Reply> = {
  CCE: { status: 403, body: { error_code: 'CCE.0x403001', error_msg: 'Forbidden' } },
  CAE: { status: 403, body: { error_code: 'CAE.01500003', error_msg: 'Forbidden: the token has no permission for this operation' } },
  CFW: { status: 403, body: { error_code: 'CFW.00100001', error_msg: 'Forbidden: the token has no permission for this operation' } },
  DB: { status: 403, body: { error_code: 'DBS.200010', error_msg: 'The operation is not authorized.' } },
};

function apigError(status: number, code: string, msg: string, requestId: string): Reply {
  return { status, body: { error_code: code, error_msg: msg, request_id: requestId } };
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
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
  route: Route,
  req: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  opts: SimulatorOptions,
  requestId: string,
): Reply | null {
  const token = firstHeader(req.headers['x-auth-token']);
  if (token !== undefined && token.trim() !== '') {
    return opts.denyTokens?.includes(token) ? FORBIDDEN[route.service] : null;
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
  const verdict = verifySdkSignature(
    { method: req.method ?? 'GET', path: rawPath, rawQuery, headers: req.headers, body },
    opts.keys,
  );
  if (!verdict.ok) {
    return apigError(401, 'APIG.0301', `Incorrect IAM authentication information: verify aksk signature fail (${verdict.reason})`, requestId);
  }
  // Checked after the signature, as the gateway does: only a genuine but stale request gets the skew error.
  const signedAt = parseSdkDate(date);
  if (signedAt === null || Math.abs(Date.now() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
    return apigError(401, 'APIGW.0303', 'Incorrect app authentication information: X-Sdk-Date is more than 15 minutes from server time', requestId);
  }
  return null;
}

function answer(route: Route, req: IncomingMessage, rawQuery: string, live: LiveTimelines): Reply {
  const ownProject = route.projectId === SIM_PROJECT_ID;
  switch (route.kind) {
    case 'cce-detail': {
      const job = !ownProject
        ? undefined
        : LIVE_CCE_IDS.has(route.jobId)
          ? findLiveCce(route.jobId, live.touch('cce'))
          : SIM_CCE_JOBS.get(route.jobId);
      if (!job) return CCE_NOT_FOUND;
      return { status: 200, body: route.version === 'v3' ? renderCceV3(job) : renderCceV2(job) };
    }
    case 'cce-list':
      if (!ownProject) return CCE_NOT_FOUND;
      return { status: 200, body: SIM_CCE_TOP_LEVEL.map((j) => renderCceV2(j)) };
    case 'cae': {
      const env = firstHeader(req.headers['x-environment-id']);
      if (env === undefined || env.trim() === '') return CAE_ENV_MISSING;
      // Environments belong to a project: in another project the environment itself is unknown.
      if (!ownProject || env !== SIM_CAE_ENVIRONMENT_ID) return CAE_ENV_NOT_FOUND;
      const job = route.jobId === LIVE_CAE_ID ? liveCaeJob(live.touch('cae')) : SIM_CAE_JOBS.get(route.jobId);
      return job ? { status: 200, body: renderCae(job) } : CAE_JOB_NOT_FOUND;
    }
    case 'cfw': {
      const job = ownProject ? SIM_CFW_JOBS.get(route.jobId) : undefined;
      return job ? { status: 200, body: renderCfw(job) } : CFW_NOT_FOUND;
    }
    case 'db': {
      const id = new URLSearchParams(rawQuery).get('id');
      if (id === null || id === '') return DB_MISSING_ID;
      const job = !ownProject ? undefined : id === LIVE_DB_ID ? liveDbJob(live.touch('db')) : SIM_DB_JOBS.get(id);
      return job ? { status: 200, body: renderDb(job) } : DB_NOT_FOUND;
    }
  }
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
    const call: SimCall = { service: route.service, method: req.method ?? 'GET', path: rawPath, query: rawQuery, headers: { ...req.headers } };
    calls.push(call);

    if (opts.latencyMs && opts.latencyMs > 0) await delay(opts.latencyMs);
    if (opts.intercept?.(call, res)) return;

    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      send(res, apigError(405, 'APIG.0101', 'Method not allowed: these job APIs only serve GET', requestId));
      return;
    }
    const denied = authenticate(route, req, rawPath, rawQuery, body, opts, requestId);
    send(res, denied ?? answer(route, req, rawQuery, live));
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
