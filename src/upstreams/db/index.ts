import { createUpstreamClient } from '../../http/upstream-client.js';
import { checkIdPart, idStrings, regionArg } from '../args.js';
import type { RequestContext } from '../request-context.js';
import type { UpstreamFactory } from '../types.js';
import { dbJobCall } from './client.js';
import { createDbLoader } from './loader.js';

export const dbUpstream: UpstreamFactory = (settings) => {
  const client = createUpstreamClient('DB', settings.http, undefined, settings.observer);
  const fetchJob = dbJobCall(client, settings);
  const loader = (context: RequestContext) => context.scoped(fetchJob, () => createDbLoader(fetchJob, context, settings));

  return {
    source: 'DB',
    idTags: ['db'],
    client,
    loadById(id, context) {
      const [region, projectId, jobId] = idStrings(id, 3) as [string, string, string];
      return loader(context).load({ region, projectId, jobId });
    },
    resolvers: {
      Query: {
        dbJob: (_root, args, context) =>
          loader(context).load({
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
            jobId: checkIdPart(args.jobId, 'jobId'),
          }),
      },
    },
  };
};
