import type { HttpConfig, UpstreamClient, UpstreamObserver } from '../http/upstream-client.js';
import type { DecodedId } from '../model/ids.js';
import type { JobSource } from '../model/job.js';
import type { Resolvers, ResolversParentTypes } from '../generated/resolvers.js';
import type { RequestContext } from '../graph/context.js';
import type { LoaderObserver } from './job-loader.js';
import type { TerminalJobCache } from './terminal-cache.js';

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
