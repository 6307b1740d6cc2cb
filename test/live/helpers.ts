/**
 * Shared bits for the live-update tests: a real SSE client (undici request, Accept:
 * text/event-stream, parsing `event:` / `data:` frames), global ids of the simulator's live jobs,
 * and polling helpers that wait for a condition without asserting on wall-clock time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Agent, request } from 'undici';
import { expect } from 'vitest';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';
import { SIM_IDS, SIM_PROJECT_ID, type SimCall, type Simulator } from '../../src/simulator/server.js';

export const P = SIM_PROJECT_ID;
export const REGION = 'cn-north-4';
export { SIM_IDS, sleep };

/** Global ids (as the gateway mints them) of the simulator's live jobs and of a CCE job it does not have. */
export const LIVE_IDS = {
  cce: cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: SIM_IDS.live.cce }),
  db: dbGlobalId({ region: REGION, projectId: P, jobId: SIM_IDS.live.db }),
  missingCce: cceGlobalId({ api: 'v3', region: REGION, projectId: P, jobId: '00000000-dead-11f0-9f3c-0255ac100000' }),
};

/** The upstream paths those ids are read from. */
export const LIVE_PATHS = {
  cce: `/api/v3/projects/${P}/jobs/${SIM_IDS.live.cce}`,
  db: `/v3/${P}/jobs?id=${SIM_IDS.live.db}`,
  missingCce: `/api/v3/projects/${P}/jobs/00000000-dead-11f0-9f3c-0255ac100000`,
};

export function pathOf(call: SimCall): string {
  return call.query ? `${call.path}?${call.query}` : call.path;
}

/** Calls the simulator saw on `path` (and, if given, with this X-Auth-Token). */
export function callsOn(sim: Simulator, path: string, token?: string): SimCall[] {
  return sim.calls.filter((c) => pathOf(c) === path && (token === undefined || c.headers['x-auth-token'] === token));
}

export const JOB_UPDATED = `subscription Watch($id: ID!) {
  jobUpdated(id: $id) {
    id state terminal progress updatedAt
    subJobs { jobId state }
  }
}`;

export interface SubJobOut {
  jobId: string;
  state: string;
}

export interface WatchedJob {
  id: string;
  state: string;
  terminal: boolean;
  progress: number | null;
  updatedAt: string | null;
  subJobs: SubJobOut[] | null;
}

export interface ExecutionPayload {
  data?: { jobUpdated?: WatchedJob | null } | null;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export type SseEvent = { event: 'next'; payload: ExecutionPayload } | { event: 'complete' };

/** Waits for `condition`, polling every 10 ms; fails with `what` after `timeoutMs` (only a "did not hang" bound). */
export async function eventually(condition: () => boolean, what: string | (() => string), timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${typeof what === 'string' ? what : what()}`);
    await sleep(10);
  }
}

/** `eventually` for a condition that has to ask something (a /metrics scrape) each time. */
export async function eventuallyAsync(condition: () => Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

export interface SseStream {
  readonly status: number;
  readonly contentType: string;
  /** Every event so far, in arrival order. */
  readonly events: SseEvent[];
  /** The `next` payloads so far. */
  readonly payloads: ExecutionPayload[];
  /** True once the server ended the response. */
  readonly ended: boolean;
  /** True once an `event: complete` arrived. */
  readonly completed: boolean;
  /** Resolves when the response ended (or was aborted). */
  readonly done: Promise<void>;
  /** Waits until at least `n` `next` events have arrived. */
  waitForPayloads(n: number, timeoutMs?: number): Promise<void>;
  /** Waits until the stream ended. */
  waitForEnd(timeoutMs?: number): Promise<void>;
  /** Closes the connection from the client side (unsubscribes). */
  abort(): Promise<void>;
}

/**
 * One subscription over a real SSE connection. Frames are split on blank lines; comment frames
 * (`:` pings) are skipped; `event: next` carries one JSON execution result in its `data:` lines.
 */
export async function subscribeSse(
  url: string,
  options: { id: string; token?: string | null; query?: string; dispatcher?: Agent; headers?: Record<string, string> },
): Promise<SseStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', 'content-type': 'application/json', ...options.headers };
  const token = options.token === undefined ? 'live-token' : options.token;
  if (token !== null) headers['x-auth-token'] = token;
  const res = await request(`${url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: options.query ?? JOB_UPDATED, variables: { id: options.id } }),
    signal: controller.signal,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const events: SseEvent[] = [];
  const payloads: ExecutionPayload[] = [];
  let ended = false;
  let completed = false;
  const contentType = String(res.headers['content-type'] ?? '');

  const handleFrame = (frame: string): void => {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (event === 'next') {
      const payload = JSON.parse(data.join('\n')) as ExecutionPayload;
      payloads.push(payload);
      events.push({ event: 'next', payload });
    } else if (event === 'complete') {
      completed = true;
      events.push({ event: 'complete' });
    } else if (data.length > 0) {
      throw new Error(`unexpected SSE frame: ${JSON.stringify(frame)}`);
    }
  };

  const done = (async () => {
    let buffer = '';
    try {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          handleFrame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      ended = true;
    }
  })();
  // Surfaced through waitForEnd/abort; never an unhandled rejection.
  const settled = done.then(
    () => undefined,
    (error: unknown) => error,
  );

  return {
    status: res.statusCode,
    contentType,
    events,
    payloads,
    get ended() {
      return ended;
    },
    get completed() {
      return completed;
    },
    done: settled.then(() => undefined),
    waitForPayloads: (n, timeoutMs) =>
      eventually(
        () => payloads.length >= n || ended,
        () => `${n} SSE events, have ${payloads.length}: ${JSON.stringify(events)}`,
        timeoutMs,
      ).then(() => {
        if (payloads.length < n) throw new Error(`stream ended after ${payloads.length} of ${n} events: ${JSON.stringify(events)}`);
      }),
    async waitForEnd(timeoutMs) {
      await eventually(() => ended, 'the SSE stream to end', timeoutMs);
      const error = await settled;
      if (error) throw error;
    },
    async abort() {
      if (!ended) controller.abort();
      await settled;
    },
  };
}

/** The job in a `next` payload; fails when the payload is an error. */
export function jobOf(payload: ExecutionPayload): WatchedJob {
  const job = payload.data?.jobUpdated;
  if (!job) throw new Error(`expected a job, got ${JSON.stringify(payload)}`);
  return job;
}

/** The error code of an error payload, or undefined for a job payload. */
export function errorCodeOf(payload: ExecutionPayload): string | undefined {
  return payload.errors?.[0]?.extensions?.code;
}

const STATE_ORDER = ['PENDING', 'RUNNING', 'SUCCEEDED'];

/** A comparable rank of one snapshot: the job's state, then how many sub-jobs are done. */
export function progressRank(job: WatchedJob): number[] {
  const done = (job.subJobs ?? []).filter((s) => s.state === 'SUCCEEDED').length;
  const running = (job.subJobs ?? []).filter((s) => s.state === 'RUNNING').length;
  return [STATE_ORDER.indexOf(job.state), done, running];
}

export function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A compact view of one snapshot: `STATE[sub1,sub2,...]`. */
export function summary(job: WatchedJob): string {
  return `${job.state}[${(job.subJobs ?? []).map((s) => s.state).join(',')}]`;
}

/** What a subscriber to the live CCE job sees, one snapshot per step: the parent, then its three sub-jobs. */
export const CCE_SEQUENCE: readonly string[] = [
  'PENDING[PENDING,PENDING,PENDING]',
  'RUNNING[RUNNING,PENDING,PENDING]',
  'RUNNING[SUCCEEDED,RUNNING,PENDING]',
  'RUNNING[SUCCEEDED,SUCCEEDED,RUNNING]',
  'SUCCEEDED[SUCCEEDED,SUCCEEDED,SUCCEEDED]',
];

/** Waits until every stream has at least `n` `next` events (or ended), then fails if one ended short. */
export async function allHave(streams: readonly SseStream[], n: number, what: string): Promise<void> {
  await eventually(() => streams.every((s) => s.payloads.length >= n || s.ended), `${what}: every stream to have ${n} events`);
  for (const s of streams) expect(s.payloads.length, `${what}: ${JSON.stringify(s.events)}`).toBeGreaterThanOrEqual(n);
}
