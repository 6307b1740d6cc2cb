/**
 * Shared bits for the gateway integration tests: the full Job selection, unique tokens (so neither
 * the per-principal terminal cache nor in-flight de-duplication links two tests), upstream call
 * filters over `sim.calls`, and a response gate that holds the simulator's answers until a given
 * number of requests are open at once.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { expect } from 'vitest';
import type { JobSource } from '../../src/model/job.js';
import type { SimCall, Simulator } from '../../src/simulator/server.js';
import type { JobModel } from '../../src/upstreams/types.js';
import type { GraphQLResponse } from '../support/gateway.js';

export type GqlError = NonNullable<GraphQLResponse['errors']>[number];

export interface KeyValueOut {
  key: string;
  value: string;
}

/** Every field of every Job implementation, as `JOB_FIELDS` selects them (all optional: each type has its own). */
export interface JobOut {
  __typename: JobModel['__typename'];
  id: string;
  source: JobSource;
  jobId: string;
  projectId: string;
  region: string;
  type: string | null;
  state: string;
  terminal: boolean;
  rawStatus: string;
  message: string | null;
  progress: number | null;
  createdAt: string | null;
  updatedAt: string | null;
  finishedAt: string | null;
  apiVersion?: string;
  clusterId?: string | null;
  resourceId?: string | null;
  resourceName?: string | null;
  extendParams?: KeyValueOut[];
  environmentId?: string;
  enterpriseProjectId?: string | null;
  index?: number;
  name?: string | null;
  /** DbJob's `name`, where a test selects it (aliased, see TYPE_FIELDS). */
  dbName?: string | null;
  detail?: string | null;
  parentJobId?: string;
  errorCode?: string | null;
  instanceId?: string | null;
  instanceName?: string | null;
  subJobs?: JobOut[] | null;
}

/** The Job interface's own fields. */
export const COMMON_FIELDS =
  '__typename id source jobId projectId region type state terminal rawStatus message progress createdAt updatedAt finishedAt';

/**
 * Each implementation's extra fields. DbJob's `name` is left out: in one selection it would clash
 * with CaeTask's `name: String!` (and an alias would count against the gateway's alias limit).
 */
export const TYPE_FIELDS = {
  CceJob: 'apiVersion clusterId resourceId resourceName extendParams { key value }',
  CaeJob: 'environmentId enterpriseProjectId',
  CaeTask: 'index name detail parentJobId environmentId',
  CfwJob: 'errorCode',
  DbJob: 'instanceId instanceName',
} as const;

/** `fragment J on Job`: every field of every Job type. Spread it as `...J` anywhere a job is selected. */
export const JOB_FRAGMENT = `fragment J on Job { ${COMMON_FIELDS} ${Object.entries(TYPE_FIELDS)
  .map(([type, fields]) => `... on ${type} { ${fields} }`)
  .join(' ')} }`;

/** The query with `fragment J` appended when it spreads `...J` (a fragment left unused is a validation error). */
export function withJ(query: string): string {
  return /\.\.\.J\b/.test(query) ? `${query}\n${JOB_FRAGMENT}` : query;
}

/** `subJobs { ... }` nested `depth` levels deep, each level selecting `fields`. */
export function subJobsSelection(depth: number, fields = '...J'): string {
  return depth <= 0 ? '' : `subJobs { ${fields} ${subJobsSelection(depth - 1, fields)} }`;
}

/** A token no other request uses. */
export function uniqueToken(label = 'tok'): string {
  return `${label}-${randomUUID()}`;
}

/** `path` (and `?query`) of every call the simulator saw for `service`, in arrival order. */
export function pathsOf(sim: Simulator, service?: SimCall['service']): string[] {
  return sim.calls.filter((c) => service === undefined || c.service === service).map((c) => (c.query ? `${c.path}?${c.query}` : c.path));
}

/** How many calls the simulator saw on exactly this path (and query). */
export function callsTo(sim: Simulator, pathAndQuery: string): number {
  return pathsOf(sim).filter((p) => p === pathAndQuery).length;
}

/** Every job object in a response tree (objects with a __typename and an id), depth first. */
export function collectJobs(value: unknown, into: JobOut[] = []): JobOut[] {
  if (Array.isArray(value)) {
    for (const v of value) collectJobs(v, into);
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (typeof o.__typename === 'string' && typeof o.id === 'string') into.push(o as unknown as JobOut);
    for (const v of Object.values(o)) collectJobs(v, into);
  }
  return into;
}

/** A job without its subJobs, for comparing one job read two ways. */
export function withoutSubJobs(job: JobOut): Omit<JobOut, 'subJobs'> {
  const { subJobs: _subJobs, ...rest } = job;
  return rest;
}

/** The one error at `path`; fails the test when there is not exactly one. */
export function errorAt(errors: GqlError[] | undefined, path: (string | number)[]): GqlError {
  const found = (errors ?? []).filter((e) => JSON.stringify(e.path) === JSON.stringify(path));
  expect(found, `errors at ${JSON.stringify(path)}: ${JSON.stringify(errors)}`).toHaveLength(1);
  return found[0]!;
}

export interface UpstreamExt {
  service: string;
  status: number | null;
  errorCode: string | null;
  requestId: string | null;
}

export function upstreamOf(error: GqlError): UpstreamExt {
  const upstream = error.extensions?.upstream;
  expect(upstream, `extensions.upstream of ${JSON.stringify(error)}`).toBeTypeOf('object');
  return upstream as UpstreamExt;
}

/** Answers a simulator request from a test's intercept. */
export function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): true {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.statusCode = status;
  res.end(body);
  return true;
}

export interface ResponseGate {
  intercept(call: SimCall, res: ServerResponse): boolean;
  /** Most requests that were open (arrived, not yet answered) at the same time. */
  readonly maxOpen: number;
  /** Resolves when the gate opened: all expected requests arrived, or the fallback timer fired. */
  readonly opened: Promise<void>;
}

/**
 * Holds each answer the simulator writes until `expected` requests are open at once (or
 * `fallbackMs` passed, so a gateway that calls one at a time fails an assertion instead of
 * hanging), then lets them all through. The simulator still computes every answer itself.
 */
export function responseGate(expected: number, fallbackMs = 3000): ResponseGate {
  const held: Array<() => void> = [];
  let open = 0;
  let maxOpen = 0;
  let released = false;
  let markOpened!: () => void;
  const opened = new Promise<void>((resolve) => {
    markOpened = resolve;
  });
  const release = (): void => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    markOpened();
    for (const send of held.splice(0)) send();
  };
  const timer = setTimeout(release, fallbackMs);
  return {
    intercept(_call, res) {
      open++;
      maxOpen = Math.max(maxOpen, open);
      const realEnd = res.end.bind(res) as (chunk?: string) => ServerResponse;
      const deferred = (chunk?: string): ServerResponse => {
        const send = (): void => {
          open--;
          realEnd(chunk);
        };
        if (released) send();
        else held.push(send);
        return res;
      };
      (res as unknown as { end: typeof deferred }).end = deferred;
      if (open >= expected) queueMicrotask(release);
      return false;
    },
    get maxOpen() {
      return maxOpen;
    },
    opened,
  };
}
