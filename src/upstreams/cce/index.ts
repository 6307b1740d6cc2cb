import { createUpstreamClient } from '../../http/upstream-client.js';
import { checkIdPart, regionArg } from '../args.js';
import type { RequestContext } from '../../graph/context.js';
import { defineUpstream, type UpstreamParts } from '../define.js';
import type { UpstreamSettings } from '../types.js';
import { cceApiCalls } from './client.js';
import { createCceLoaders, createCceParentIndex } from './loader.js';
import { CCE_IDS, subJobsOf, type CceJobModel } from './map.js';

type TimeField = 'createdAt' | 'updatedAt' | 'finishedAt';

/** Cloud Container Engine: job APIs v3 and v2 (and v2's list); sub-jobs are embedded, to any depth. */
export const cceUpstream = defineUpstream({
  source: 'CCE',
  publicEndpoint: 'https://cce.{region}.myhuaweicloud.com',
  jobTypes: ['CceJob'],
  ids: [CCE_IDS.v3, CCE_IDS.v2],
  create: createCce,
});

function createCce(settings: UpstreamSettings): UpstreamParts {
  const client = createUpstreamClient('CCE', settings.http, undefined, settings.observer);
  const api = cceApiCalls(client, settings);
  const parents = createCceParentIndex();
  const createLoaders = (context: RequestContext) => createCceLoaders(api, context, settings, parents);
  const loaders = (context: RequestContext) => context.scoped(api, createLoaders);

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
    client,
    loadById: (id, context) => loaders(context).jobs.load((id.tag === CCE_IDS.v3.tag ? CCE_IDS.v3 : CCE_IDS.v2).read(id)),
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
          loaders(context)
            .lists()
            .load({
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
}
