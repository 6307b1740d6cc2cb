import { JobError, badUserInput } from '../model/errors.js';
import { decodeId, malformed } from '../model/ids.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { RequestContext } from './context.js';
import type { JobModel, Upstream } from '../upstreams/types.js';
import { DateTime } from './date-time.js';

export interface GraphOptions {
  /** Most ids one `jobs(ids:)` call accepts. */
  maxJobIds: number;
}

export type LoadById = (id: string, context: RequestContext) => Promise<JobModel>;

/** Reads any job by its global id, through the owning upstream's per-request loaders. */
export function jobsById(upstreams: readonly Upstream[]): LoadById {
  const byTag = new Map<string, Upstream>();
  for (const upstream of upstreams) for (const tag of upstream.idTags) byTag.set(tag, upstream);
  // A bad id fails its own entry (as a rejected promise), never its siblings. Not an async function:
  // the upstream's promise is returned as it is, not wrapped in another one per id.
  return function loadById(id: string, context: RequestContext): Promise<JobModel> {
    try {
      const decoded = decodeId(id);
      const upstream = byTag.get(decoded.tag);
      if (!upstream) throw malformed();
      return upstream.loadById(decoded, context);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * Federation entity resolvers: `_entities` asks each representation through the same per-request
 * loaders, so N representations of one upstream are one loader batch. A representation whose
 * `__typename` does not match the job behind its id is not that entity: null plus NOT_FOUND.
 */
export function entityResolvers(loadById: LoadById, typeNames: readonly string[]): Resolvers<RequestContext> {
  const resolvers: Record<string, { __resolveReference(ref: { id: string }, context: RequestContext): Promise<JobModel> }> = {
    Job: { __resolveReference: (ref, context) => loadById(ref.id, context) },
  };
  for (const typeName of typeNames) {
    resolvers[typeName] = {
      async __resolveReference(ref, context) {
        const job = await loadById(ref.id, context);
        if (job.__typename !== typeName) throw new JobError('NOT_FOUND', `no ${typeName} has this id`);
        return job;
      },
    };
  }
  return resolvers as Resolvers<RequestContext>;
}

/** The resolvers that span upstreams: global ids, the Job interface, scalars. */
export function sharedResolvers(loadById: LoadById, options: GraphOptions): Resolvers<RequestContext> {
  return {
    DateTime,
    Job: {
      __resolveType: (job) => job.__typename,
    },
    Query: {
      job: (_root, { id }, context) => loadById(id, context),
      jobs: (_root, { ids }, context) => {
        if (ids.length > options.maxJobIds) throw badUserInput(`jobs(ids:) accepts at most ${options.maxJobIds} ids`);
        return ids.map((id) => loadById(id, context));
      },
    },
  };
}
