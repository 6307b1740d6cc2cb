import type { HttpConfig, UpstreamClient, UpstreamObserver } from '../http/upstream-client.js';
import type { DecodedId } from '../model/ids.js';
import type { JobSource } from '../model/job.js';
import type { Resolvers, ResolversParentTypes } from '../generated/resolvers.js';
import type { RequestContext } from '../graph/context.js';
import type { LoaderObserver } from './job-loader.js';
import type { TerminalJobCache } from './terminal-cache.js';
import type { GlobalIdKind } from './global-ids.js';

/** Any job model; codegen derives the union from the schema's mappers. */
export type JobModel = ResolversParentTypes['Job'];

/** A job addressed by region, project and the upstream's own id: all an upstream like CFW or RDS needs. */
export interface JobRef {
  region: string;
  projectId: string;
  jobId: string;
}

/** What the server hands every upstream module when it builds it. */
export interface UpstreamSettings {
  /** Base URL template; `{region}` is replaced per request. */
  endpoint: string;
  /** True when `endpoint` is the public cloud default (not a simulator or a proxy). */
  publicEndpoint: boolean;
  /** The regions this gateway serves (HWC_REGIONS); any other is refused before an upstream call. */
  regions: ReadonlySet<string>;
  http: HttpConfig;
  cache: TerminalJobCache;
  /** Deepest embedded sub-job tree accepted from an upstream payload. */
  maxSubJobDepth: number;
  /** Logs and metrics for upstream calls. */
  observer?: UpstreamObserver;
  /** Metrics for loader batches and the terminal-job cache. */
  loaderObserver?: LoaderObserver;
}

/** One upstream: its schema types' resolvers, its root fields, and how to reload one of its ids. */
export interface Upstream {
  readonly source: JobSource;
  /** The global-id tags this upstream mints (see model/ids.ts). */
  readonly idTags: readonly string[];
  readonly resolvers: Resolvers<RequestContext>;
  /** Reads the job behind one of this upstream's global ids, through this request's loaders. */
  loadById(id: DecodedId, context: RequestContext): Promise<JobModel>;
  readonly client: UpstreamClient;
}

/** What an upstream's factory builds; `source` and `idTags` come from its definition. */
export type UpstreamParts = Omit<Upstream, 'source' | 'idTags'>;

/**
 * Everything the rest of the gateway needs to know about one upstream, in its folder's index.ts.
 * The registry (src/upstreams/index.ts) derives from these: the public endpoints and
 * `<SOURCE>_ENDPOINT` variables (config.ts), the endpoint maps (main.ts, tests, bench) and the
 * routing of global ids; test/unit/upstream-registry.test.ts holds them against the SDL,
 * codegen.yml and the simulator.
 */
export interface UpstreamDefinition<S extends JobSource = JobSource> {
  /** The SDL `JobSource` value; its folder, schema file and simulator are named after it in lower case. */
  readonly source: S;
  /** The base URL on the public cloud; `{region}` is replaced per request. */
  readonly publicEndpoint: string;
  /** The SDL object types implementing `Job` whose models this upstream makes (each has a codegen mapper). */
  readonly jobTypes: readonly JobModel['__typename'][];
  /** The kinds of global id it mints (map.ts); ids with these tags are read back through it. */
  readonly ids: readonly Pick<GlobalIdKind<unknown>, 'tag'>[];
  create(settings: UpstreamSettings): Upstream;
}

export function defineUpstream<S extends JobSource>(spec: {
  source: S;
  publicEndpoint: string;
  jobTypes: readonly JobModel['__typename'][];
  ids: readonly Pick<GlobalIdKind<unknown>, 'tag'>[];
  create(settings: UpstreamSettings): UpstreamParts;
}): UpstreamDefinition<S> {
  const idTags = spec.ids.map((kind) => kind.tag);
  return {
    source: spec.source,
    publicEndpoint: spec.publicEndpoint,
    jobTypes: spec.jobTypes,
    ids: spec.ids,
    create: (settings) => ({ source: spec.source, idTags, ...spec.create(settings) }),
  };
}
