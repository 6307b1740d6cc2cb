import { createUpstreamClient } from '../../http/upstream-client.js';
import { JobError } from '../../model/errors.js';
import { malformed } from '../../model/ids.js';
import { checkIdPart, idStrings, regionArg } from '../args.js';
import type { RequestContext } from '../../graph/context.js';
import type { UpstreamFactory } from '../types.js';
import { caeJobCall, classifyCaeError } from './client.js';
import { createCaeLoader } from './loader.js';
import type { CaeRef } from './map.js';

export const caeUpstream: UpstreamFactory = (settings) => {
  const client = createUpstreamClient('CAE', settings.http, classifyCaeError, settings.observer);
  const fetchJob = caeJobCall(client, settings);
  const loader = (context: RequestContext) => context.scoped(fetchJob, () => createCaeLoader(fetchJob, context, settings));

  return {
    source: 'CAE',
    idTags: ['cae', 'caet'],
    client,
    async loadById(id, context) {
      const isTask = id.tag === 'caet';
      const index = isTask ? id.parts.at(-1) : undefined;
      if (isTask && (typeof index !== 'number' || index < 0)) throw malformed();
      const parts = idStrings({ tag: id.tag, parts: isTask ? id.parts.slice(0, -1) : id.parts }, 5, [3]);
      const [region, projectId, environmentId, enterpriseProjectId, jobId] = parts as [string, string, string, string | null, string];
      const job = await loader(context).load({ region, projectId, environmentId, enterpriseProjectId, jobId });
      if (!isTask) return job;
      const task = job.subJobs.find((t) => t.index === index);
      if (!task) throw new JobError('NOT_FOUND', `CAE: job ${jobId} has no task ${index}`);
      return task;
    },
    resolvers: {
      Query: {
        caeJob: (_root, args, context) => {
          const ref: CaeRef = {
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
            environmentId: checkIdPart(args.environmentId, 'environmentId'),
            enterpriseProjectId: args.enterpriseProjectId == null ? null : checkIdPart(args.enterpriseProjectId, 'enterpriseProjectId'),
            jobId: checkIdPart(args.jobId, 'jobId'),
          };
          return loader(context).load(ref);
        },
      },
    },
  };
};
