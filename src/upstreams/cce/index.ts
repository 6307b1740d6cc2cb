import { createUpstreamClient } from '../../http/upstream-client.js';
import { malformed } from '../../model/ids.js';
import { checkIdPart, idStrings, regionArg } from '../args.js';
import type { RequestContext } from '../../graph/context.js';
import type { UpstreamFactory } from '../types.js';
import { cceApiCalls } from './client.js';
import { createCceLoaders, createCceParentIndex } from './loader.js';
import { subJobsOf, type CceApi, type CceJobModel } from './map.js';

type TimeField = 'createdAt' | 'updatedAt' | 'finishedAt';

// The id remembers which API a job came from, so a refetch reads the same one.
const API_OF_TAG: Readonly<Record<string, CceApi>> = { cce3: 'v3', cce2: 'v2' };

export const cceUpstream: UpstreamFactory = (settings) => {
  const client = createUpstreamClient('CCE', settings.http, undefined, settings.observer);
  const api = cceApiCalls(client, settings);
  const parents = createCceParentIndex();
  const loaders = (context: RequestContext) => context.scoped(api, () => createCceLoaders(api, context, settings, parents));

  /** The job's own record, for what an embedded or listed copy lacks; replaces the copy for later lookups. */
  async function fullRecord(job: CceJobModel, context: RequestContext): Promise<CceJobModel> {
    const { jobs, details } = loaders(context);
    const full = await details.load(job.ref);
    jobs.clear(job.ref).prime(job.ref, full);
    return full;
  }

  // Synchronous for the common case (a whole record): only a partial copy waits for an upstream read.
  const time = (field: TimeField) => (job: CceJobModel, _args: unknown, context: RequestContext) => {
    const missing = job.partial && job[field] === null && (field !== 'finishedAt' || job.terminal);
    return missing ? fullRecord(job, context).then((full) => full[field]) : job[field];
  };

  return {
    source: 'CCE',
    idTags: ['cce3', 'cce2'],
    client,
    loadById(id, context) {
      const [region, projectId, jobId] = idStrings(id, 3) as [string, string, string];
      const api = API_OF_TAG[id.tag];
      if (!api) throw malformed();
      return loaders(context).jobs.load({ api, region, projectId, jobId });
    },
    resolvers: {
      Query: {
        cceJob: (_root, args, context) =>
          loaders(context).jobs.load({
            api: 'v3',
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
            jobId: checkIdPart(args.jobId, 'jobId'),
          }),
        cceJobs: (_root, args, context) =>
          loaders(context).lists.load({
            region: regionArg(args.region, context),
            projectId: checkIdPart(args.projectId, 'projectId'),
          }),
      },
      CceJob: {
        subJobs: (job, _args, context) => (job.subJobs ? subJobsOf(job) : fullRecord(job, context).then(subJobsOf)),
        createdAt: time('createdAt'),
        updatedAt: time('updatedAt'),
        finishedAt: time('finishedAt'),
      },
    },
  };
};
