import { badUserInput } from '../model/errors.js';
import { decodeId, malformed } from '../model/ids.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { RequestContext } from '../upstreams/request-context.js';
import type { JobModel, Upstream } from '../upstreams/types.js';
import { DateTime } from './date-time.js';

export interface GraphOptions {
  /** Most ids one `jobs(ids:)` call accepts. */
  maxJobIds: number;
}

/** The resolvers that span upstreams: global ids, the Job interface, scalars. */
export function sharedResolvers(upstreams: readonly Upstream[], options: GraphOptions): Resolvers<RequestContext> {
  const byTag = new Map<string, Upstream>();
  for (const upstream of upstreams) for (const tag of upstream.idTags) byTag.set(tag, upstream);

  // A bad id fails its own entry (as a rejected promise), never its siblings in `jobs(ids:)`.
  async function loadById(id: string, context: RequestContext): Promise<JobModel> {
    const decoded = decodeId(id);
    const upstream = byTag.get(decoded.tag);
    if (!upstream) throw malformed();
    return upstream.loadById(decoded, context);
  }

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
