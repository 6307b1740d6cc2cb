import type DataLoader from 'dataloader';
import type { ErrorClassifier } from '../http/error-map.js';
import { createUpstreamClient, type CallContext, type UpstreamClient } from '../http/upstream-client.js';
import type { JobSource } from '../model/job.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import { checkIdPart, idStrings, regionArg } from './args.js';
import { createJobLoader } from './job-loader.js';
import type { RequestContext } from '../graph/context.js';
import type { JobModel, Upstream, UpstreamFactory, UpstreamSettings } from './types.js';

/** A job addressed by region, project and the upstream's own id: all an upstream like CFW or RDS needs. */
export interface JobRef {
  region: string;
  projectId: string;
  jobId: string;
}

export type JobCall = (ref: JobRef, call: CallContext) => Promise<{ body: unknown; requestId: string | null }>;

/** A root field's arguments for one job. */
export interface JobArgs {
  projectId: string;
  jobId: string;
  region?: string | null;
}

export interface SingleJobSpec<M extends JobModel> {
  source: JobSource;
  /** The global-id tag this upstream mints (see model/ids.ts). */
  idTag: string;
  classify?: ErrorClassifier;
  /** The upstream's HTTP call for one job (client.ts). */
  call(client: UpstreamClient, settings: UpstreamSettings): JobCall;
  /** Payload to model (map.ts). */
  map(body: unknown, ref: JobRef, requestId: string | null): M;
  /** The upstream's root field, given the function that reads one job for it. */
  rootField(read: (args: JobArgs, context: RequestContext) => Promise<M>): QueryResolvers<RequestContext>;
}

/**
 * The shape most job APIs have: one GET per job, keyed by region, project and id, no sub-jobs to
 * fetch. Such an upstream only describes its call, its mapping and its root field; the per-request
 * loader (keyed by principal, terminal cache, errors not cached) and id handling come from here.
 */
export function singleJobUpstream<M extends JobModel>(spec: SingleJobSpec<M>): UpstreamFactory {
  return (settings): Upstream => {
    const client = createUpstreamClient(spec.source, settings.http, spec.classify, settings.observer);
    const fetchJob = spec.call(client, settings);
    const createLoader = ({ call }: RequestContext): DataLoader<JobRef, M, string> =>
      createJobLoader<JobRef, M>({
        service: spec.source,
        observer: settings.loaderObserver,
        // A JSON tuple: ids may contain any separator a joined key would use (`p|q`, `x` vs `p`, `q|x`).
        keyOf: (r) => JSON.stringify([call.principal, r.region, r.projectId, r.jobId]),
        cache: settings.cache,
        isTerminal: (job) => job.terminal,
        principal: call.principal,
        async fetch(ref) {
          const { body, requestId } = await fetchJob(ref, call);
          return spec.map(body, ref, requestId);
        },
      });
    const loader = (context: RequestContext) => context.scoped(fetchJob, () => createLoader(context));

    return {
      source: spec.source,
      idTags: [spec.idTag],
      client,
      loadById(id, context) {
        const [region, projectId, jobId] = idStrings(id, 3) as [string, string, string];
        return loader(context).load({ region, projectId, jobId });
      },
      resolvers: {
        Query: spec.rootField((args, context) =>
          loader(context).load({
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
            jobId: checkIdPart(args.jobId, 'jobId'),
          }),
        ),
      },
    };
  };
}
