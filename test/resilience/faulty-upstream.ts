/**
 * A fault-injecting stand-in for an upstream job API, for the resilience tests: a real node:http
 * server on 127.0.0.1 whose answer to each request is scripted by the test (a queue of faults, then
 * a function of the request, then a healthy default that serves the simulator's seed data in the
 * CCE v3/v2 and CFW wire shapes). It records every call, including whether the caller closed the
 * socket before the answer was complete, and close() tears down every socket it ever accepted.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SIM_PROJECT_ID } from '../../src/simulator/seed.js';
import { SIM_CCE_JOBS, renderCceV2, renderCceV3 } from '../../src/simulator/cce-data.js';
import { SIM_CFW_JOBS, renderCfw } from '../../src/simulator/cfw-data.js';

export type Fault =
  /** The real API's answer for the path (the default). */
  | { kind: 'healthy'; delayMs?: number }
  /** A JSON body with any status and headers (Retry-After, X-Request-Id, ...). */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  /** Any text body, as is (invalid JSON, HTML error pages). */
  | { kind: 'raw'; status?: number; body: string; headers?: Record<string, string>; delayMs?: number }
  /** Accept the request and never answer: no status line, nothing. */
  | { kind: 'hang' }
  /** Headers and the start of a body, then nothing more, forever. */
  | { kind: 'neverEnding'; status?: number; firstChunk?: string }
  /** Headers and part of the body, then the socket is destroyed. */
  | { kind: 'resetMidBody'; status?: number; firstChunk?: string }
  /** The socket is destroyed as soon as the request arrives, before any byte of the answer. */
  | { kind: 'resetBeforeHeaders' }
  /** `bytes` of (valid, if it were ever complete) JSON, streamed; with or without a Content-Length. */
  | { kind: 'large'; bytes: number; declareLength?: boolean }
  /** A CCE v3 job whose sub-jobs nest `levels` deep, built iteratively as a string. */
  | { kind: 'deepCce'; levels: number; jobId?: string }
  /** Holds the answer until `release()` of the returned gate is called; then answers with `then`. */
  | { kind: 'gate'; gate: Gate; then?: Fault };

export interface FaultCall {
  n: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  receivedAt: number;
  /** True once the answer was completely written. */
  answered: boolean;
  /** True when the caller closed the connection before the answer was complete. */
  closedByClient: boolean;
  /** Resolves when the response closes: answered, or its connection gone. */
  closed: Promise<void>;
  /** True once `closed` has resolved. */
  isClosed: boolean;
}

export type Script = (call: FaultCall, req: IncomingMessage) => Fault;

export interface Gate {
  release(): void;
  readonly released: Promise<void>;
}

export function createGate(): Gate {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return { release, released };
}

export interface FaultyUpstream {
  url: string;
  port: number;
  calls: FaultCall[];
  /** Faults served, in order, to the next requests; after them `script` (or healthy) applies. */
  enqueue(...faults: Fault[]): void;
  /** What to answer once the queue is empty; undefined means healthy. */
  script: Script | undefined;
  /** Forget the queue, the script and the recorded calls. */
  reset(): void;
  /** Resolves once `count` calls have been received. */
  waitForCalls(count: number, timeoutMs?: number): Promise<void>;
  /** Connections open right now, and the most ever open at once. */
  readonly openSockets: number;
  readonly peakSockets: number;
  close(): Promise<void>;
}

const CCE_NOT_FOUND = { errorCode: 'CCE.01404001', errorMessage: 'Resource not found' };
const CFW_NOT_FOUND = { error_code: 'CFW.00200005', error_msg: 'Object not found.' };

/** The healthy answer: CCE v3/v2 detail, the CCE v2 list, or a CFW job, from the simulator's seed data. */
export function healthyAnswer(path: string): { status: number; body: unknown } {
  const seg = path.split('/').map((s) => decodeURIComponent(s));
  const [, a, b, c, d, e, f] = seg;
  if (a === 'api' && (b === 'v3' || b === 'v2') && c === 'projects' && e === 'jobs') {
    if (d !== SIM_PROJECT_ID) return { status: 404, body: CCE_NOT_FOUND };
    if (f === undefined) return { status: 200, body: [...SIM_CCE_JOBS.values()].slice(0, 5).map((j) => renderCceV2(j)) };
    const job = SIM_CCE_JOBS.get(f);
    if (!job) return { status: 404, body: CCE_NOT_FOUND };
    return { status: 200, body: b === 'v3' ? renderCceV3(job) : renderCceV2(job) };
  }
  if (a === 'v3' && c === 'jobs' && d !== undefined) {
    const job = b === SIM_PROJECT_ID ? SIM_CFW_JOBS.get(d) : undefined;
    return job ? { status: 200, body: renderCfw(job) } : { status: 400, body: CFW_NOT_FOUND };
  }
  return { status: 404, body: { error_code: 'APIG.0101', error_msg: 'The API does not exist' } };
}

/** `{"kind":"Job",...,"spec":{"subJobs":[ ... ]}}` nested `levels` deep, without recursion. */
export function deepCceJson(levels: number, jobId = 'deep-root'): string {
  const open = (i: number) =>
    `{"kind":"Job","apiVersion":"v3","metadata":{"uid":"${i === 0 ? jobId : `deep-${i}`}","creationTimestamp":"2025-01-01 00:00:00 +0000 UTC","updateTimestamp":"2025-01-01 00:01:00 +0000 UTC"},"status":{"phase":"Success"},"spec":{"type":"Nested","subJobs":[`;
  const parts: string[] = [];
  for (let i = 0; i < levels; i++) parts.push(open(i));
  parts.push(']}}'.repeat(levels));
  return parts.join('');
}

export async function startFaultyUpstream(): Promise<FaultyUpstream> {
  const calls: FaultCall[] = [];
  let queue: Fault[] = [];
  const sockets = new Set<Socket>();
  let peakSockets = 0;
  const timers = new Set<NodeJS.Timeout>();
  const callWaiters = new Set<() => void>();
  const state: { script: Script | undefined } = { script: undefined };

  const after = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  function finish(res: ServerResponse, call: FaultCall, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed || res.writableEnded) return;
    res.statusCode = status;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'x-request-id')) res.setHeader('X-Request-Id', randomUUID());
    res.setHeader('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.end(body, () => {
      call.answered = true;
    });
  }

  function serve(fault: Fault, call: FaultCall, req: IncomingMessage, res: ServerResponse): void {
    const delayed = (ms: number | undefined, fn: () => void) => (ms && ms > 0 ? after(ms, fn) : fn());
    switch (fault.kind) {
      case 'healthy':
        delayed(fault.delayMs, () => {
          const answer = healthyAnswer(call.path);
          finish(res, call, answer.status, JSON.stringify(answer.body));
        });
        return;
      case 'json':
        delayed(fault.delayMs, () => finish(res, call, fault.status ?? 200, JSON.stringify(fault.body), fault.headers));
        return;
      case 'raw':
        delayed(fault.delayMs, () => finish(res, call, fault.status ?? 200, fault.body, fault.headers));
        return;
      case 'hang':
        return;
      case 'neverEnding':
        res.writeHead(fault.status ?? 200, { 'Content-Type': 'application/json', 'X-Request-Id': randomUUID() });
        res.write(fault.firstChunk ?? '{"kind":"Job","metadata":{');
        return;
      case 'resetMidBody': {
        const chunk = fault.firstChunk ?? '{"kind":"Job","metadata":{"uid":"';
        // A declared length the body never reaches, so the reader cannot mistake the cut for the end.
        res.writeHead(fault.status ?? 200, {
          'Content-Type': 'application/json',
          'Content-Length': String(Buffer.byteLength(chunk) + 4096),
          'X-Request-Id': randomUUID(),
        });
        res.write(chunk, () => after(20, () => req.socket.destroy()));
        return;
      }
      case 'resetBeforeHeaders':
        req.socket.destroy();
        return;
      case 'large': {
        const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Request-Id': randomUUID() };
        if (fault.declareLength) headers['Content-Length'] = String(fault.bytes);
        res.writeHead(200, headers);
        // {"pad":"xxxx...."} streamed in 64 KiB chunks, respecting back-pressure.
        const head = '{"pad":"';
        const tail = '"}';
        let left = fault.bytes - head.length - tail.length;
        const chunk = 'x'.repeat(64 * 1024);
        res.write(head);
        const pump = (): void => {
          while (left > 0) {
            if (res.destroyed) return;
            const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
            left -= piece.length;
            if (!res.write(piece)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end(tail, () => (call.answered = true));
        };
        pump();
        return;
      }
      case 'deepCce':
        finish(res, call, 200, deepCceJson(fault.levels, fault.jobId));
        return;
      case 'gate':
        void fault.gate.released.then(() => serve(fault.then ?? { kind: 'healthy' }, call, req, res));
        return;
    }
  }

  const socketDestroyedByUs = new WeakSet<Socket>();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let markClosed!: () => void;
    const call: FaultCall = {
      n: calls.length + 1,
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      headers: { ...req.headers },
      receivedAt: Date.now(),
      answered: false,
      closedByClient: false,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
      isClosed: false,
    };
    calls.push(call);
    res.on('close', () => {
      if (!res.writableFinished && !call.answered) call.closedByClient = !socketDestroyedByUs.has(req.socket);
      call.isClosed = true;
      markClosed();
    });
    for (const wake of [...callWaiters]) wake();
    // Drain whatever request body arrived; these APIs are GET-only.
    req.resume();
    const fault = queue.shift() ?? state.script?.(call, req) ?? { kind: 'healthy' };
    if (fault.kind === 'resetMidBody' || fault.kind === 'resetBeforeHeaders') socketDestroyedByUs.add(req.socket);
    serve(fault, call, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    peakSockets = Math.max(peakSockets, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  // A hostile client must not crash the test process: socket errors are expected here.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    enqueue(...faults) {
      queue.push(...faults);
    },
    get script() {
      return state.script;
    },
    set script(value: Script | undefined) {
      state.script = value;
    },
    reset() {
      queue = [];
      state.script = undefined;
      calls.length = 0;
    },
    get openSockets() {
      return sockets.size;
    },
    get peakSockets() {
      return peakSockets;
    },
    waitForCalls(count, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        if (calls.length >= count) return resolve();
        const timer = setTimeout(() => {
          callWaiters.delete(check);
          reject(new Error(`expected ${count} upstream calls within ${timeoutMs} ms, saw ${calls.length}`));
        }, timeoutMs);
        const check = () => {
          if (calls.length < count) return;
          clearTimeout(timer);
          callWaiters.delete(check);
          resolve();
        };
        callWaiters.add(check);
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
