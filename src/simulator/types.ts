import type { IncomingHttpHeaders } from 'node:http';
import type { JobSource } from '../model/job.js';
import type { LiveTimelines } from './live.js';
import type { Json } from './seed.js';

/** A status and a JSON body: what a simulated API answers. */
export interface Reply {
  status: number;
  body: Json;
}

/** What a route reads from a request (after authentication). */
export interface SimRequest {
  /** The raw query string, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  /** The simulator instance's live-job clock (live.ts). */
  live: LiveTimelines;
}

/** One job per upstream for README examples and `npm run simulator`'s banner. */
export interface DemoJob {
  /** The name the banner prints. */
  upstream: string;
  what: string;
  jobId: string;
  /** The gateway's opaque id for it (for job(id:) and jobs(ids:)) in `region`. */
  id: string;
  /** The simulator's own path for it (GET, with any token). */
  path: string;
  /** A header the upstream needs besides the token. */
  header?: string;
}

/**
 * One simulated upstream API (src/simulator/<name>.ts), registered in src/simulator/index.ts like
 * its real counterpart in src/upstreams/index.ts; test/unit/upstream-registry.test.ts holds the two
 * registries together.
 */
export interface SimulatedUpstream<S extends JobSource = JobSource, Ids = unknown, LiveIds = unknown> {
  readonly source: S;
  /** Its answer to a path (split into decoded segments), or null when the path is not one of its APIs. */
  route(segments: readonly string[]): ((request: SimRequest) => Reply) | null;
  /** Its 403 for a token the simulator was told to deny. */
  readonly forbidden: Reply;
  /** Named ids of its seed jobs (SIM_IDS.<name>), so tests never hard-code them. */
  readonly ids: Ids;
  /** Jobs that move on with time (SIM_IDS.live) and the banner line that shows them. */
  readonly live?: { readonly ids: LiveIds; banner(url: string): string };
  /** Its demo job, with the gateway's id for it in `region`. */
  demo(region: string): DemoJob;
}

/** Checks a simulated upstream's shape and keeps its exact type (its ids' names become SIM_IDS' types). */
export function simulatedUpstream<T extends SimulatedUpstream>(sim: T): T {
  return sim;
}

export function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
