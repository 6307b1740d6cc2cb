import { createUpstreamClient } from '../../http/upstream-client.js';
import { checkIdPart, idStrings, regionArg } from '../args.js';
import type { RequestContext } from '../request-context.js';
import type { UpstreamFactory } from '../types.js';
import { cfwJobCall, classifyCfwError } from './client.js';
import { createCfwLoader } from './loader.js';

export const cfwUpstream: UpstreamFactory = (settings) => {
  const client = createUpstreamClient('CFW', settings.http, classifyCfwError, settings.observer);
  const fetchJob = cfwJobCall(client, settings);
  const loader = (context: RequestContext) => context.scoped(fetchJob, () => createCfwLoader(fetchJob, context, settings));

  return {
    source: 'CFW',
    idTags: ['cfw'],
    client,
    loadById(id, context) {
      const [region, projectId, jobId] = idStrings(id, 3) as [string, string, string];
      return loader(context).load({ region, projectId, jobId });
    },
    resolvers: {
      Query: {
        cfwJob: (_root, args, context) =>
          loader(context).load({
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
            jobId: checkIdPart(args.jobId, 'jobId'),
          }),
      },
    },
  };
};
