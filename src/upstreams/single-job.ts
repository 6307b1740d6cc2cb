import type DataLoader from 'dataloader';
import type { ErrorClassifier } from '../http/error-map.js';
import { createUpstreamClient, type CallContext, type UpstreamClient } from '../http/upstream-client.js';
import type { JobSource } from '../model/job.js';
import type { QueryResolvers } from '../generated/resolvers.js';
import type { RequestContext } from '../graph/context.js';
import { checkIdPart, regionArg } from './args.js';
import type { GlobalIdKind } from './global-ids.js';
import { ownedKey } from './keys.js';
import { createJobLoader } from './job-loader.js';
import { defineUpstream, type UpstreamDefinition } from './define.js';
import type { JobModel, JobRef, UpstreamSettings } from './types.js';

export type JobCall = (ref: JobRef, call: CallContext) => Promise<{ body: unknown; requestId: string | null }>;

/** A root field's arguments for one job. */
export interface JobArgs {
  projectId: string;
  jobId: string;
  region?: string | null;
}

export interface SingleJobSpec<S extends JobSource, M extends JobModel> {
  source: S;
  publicEndpoint: string;
  /** The SDL type of its jobs. */
  jobType: M['__typename'];
  /** Its global ids (map.ts mints them). */
  id: GlobalIdKind<JobRef>;
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
export function singleJobUpstream<S extends JobSource, M extends JobModel>(spec: SingleJobSpec<S, M>): UpstreamDefinition<S> {
  return defineUpstream({
    source: spec.source,
    publicEndpoint: spec.publicEndpoint,
    jobTypes: [spec.jobType],
    ids: [spec.id],
    create(settings) {
      const client = createUpstreamClient(spec.source, settings.http, spec.classify, settings.observer);
      const fetchJob = spec.call(client, settings);
      const createLoader = ({ call }: RequestContext): DataLoader<JobRef, M, string> =>
        createJobLoader<JobRef, M>({
          service: spec.source,
          call,
          observer: settings.loaderObserver,
          keyOf: refKey,
          cacheKeyOf: (r) => ownedKey(call.principal, refKey(r)),
          cache: settings.cache,
          isTerminal: (job) => job.terminal,
          principal: call.principal,
          // A `then` rather than an async function: one step per job, no suspended frame.
          fetch: (ref) => fetchJob(ref, call).then(({ body, requestId }) => spec.map(body, ref, requestId)),
        });
      const loader = (context: RequestContext) => context.scoped(fetchJob, createLoader);

      return {
        client,
        loadById: (id, context) => loader(context).load(spec.id.read(id)),
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
    },
  });
}

// Validated parts joined with `/` (keys.ts): unambiguous without a JSON tuple per load.
const refKey = (r: JobRef) => `${r.region}/${r.projectId}/${r.jobId}`;
