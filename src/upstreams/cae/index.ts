import { createUpstreamClient } from '../../http/upstream-client.js';
import { JobError } from '../../model/errors.js';
import type { RequestContext } from '../../graph/context.js';
import { checkIdPart, regionArg } from '../args.js';
import { defineUpstream } from '../define.js';
import { caeJobCall, classifyCaeError } from './client.js';
import { createCaeLoader } from './loader.js';
import { CAE_JOB_ID, CAE_TASK_ID, type CaeRef, type CaeTaskModel } from './map.js';
import type { DecodedId } from '../../model/ids.js';

/** Cloud Application Engine: `GET /v1/{project}/cae/jobs/{job}` in an environment; its tasks are the job's sub-jobs. */
export const caeUpstream = defineUpstream({
  source: 'CAE',
  publicEndpoint: 'https://cae.{region}.myhuaweicloud.com',
  jobTypes: ['CaeJob', 'CaeTask'],
  ids: [CAE_JOB_ID, CAE_TASK_ID],
  create(settings) {
    const client = createUpstreamClient('CAE', settings.http, classifyCaeError, settings.observer);
    const fetchJob = caeJobCall(client, settings);
    const createLoader = (context: RequestContext) => createCaeLoader(fetchJob, context, settings);
    const loader = (context: RequestContext) => context.scoped(fetchJob, createLoader);

    async function loadTask(id: DecodedId, context: RequestContext): Promise<CaeTaskModel> {
      const { index, ...ref } = CAE_TASK_ID.read(id);
      const job = await loader(context).load(ref);
      const task = job.subJobs.find((t) => t.index === index);
      if (!task) throw new JobError('NOT_FOUND', `CAE: job ${ref.jobId} has no task ${index}`);
      return task;
    }

    return {
      client,
      // A job's id is read without an async step of its own; a task's waits for its job.
      loadById(id, context) {
        return id.tag === CAE_TASK_ID.tag ? loadTask(id, context) : loader(context).load(CAE_JOB_ID.read(id));
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
  },
});
