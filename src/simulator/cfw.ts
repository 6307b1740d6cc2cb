import { cfwGlobalId } from '../upstreams/cfw/map.js';
import { CFW_SIM_IDS, SIM_CFW_JOBS, renderCfw } from './cfw-data.js';
import { SIM_PROJECT_ID } from './seed.js';
import { simulatedUpstream, type Reply } from './types.js';

// CFW answers "not found" with HTTP 400.
const NOT_FOUND: Reply = { status: 400, body: { error_code: 'CFW.00200005', error_msg: 'Object not found.' } };

/** CFW's job: `/v3/{p}/jobs/{j}`. */
export const cfwSimulator = simulatedUpstream({
  source: 'CFW',
  route([a, projectId, c, jobId, ...rest]) {
    if (a !== 'v3' || projectId === undefined || c !== 'jobs' || jobId === undefined || rest.length > 0) return null;
    return () => {
      const job = projectId === SIM_PROJECT_ID ? SIM_CFW_JOBS.get(jobId) : undefined;
      return job ? { status: 200, body: renderCfw(job) } : NOT_FOUND;
    };
  },
  forbidden: { status: 403, body: { error_code: 'CFW.00100001', error_msg: 'Forbidden: the token has no permission for this operation' } },
  ids: CFW_SIM_IDS,
  demo: (region) => ({
    upstream: 'CFW',
    what: 'firewall job, succeeded',
    jobId: CFW_SIM_IDS.success,
    id: cfwGlobalId({ region, projectId: SIM_PROJECT_ID, jobId: CFW_SIM_IDS.success }),
    path: `/v3/${SIM_PROJECT_ID}/jobs/${CFW_SIM_IDS.success}`,
  }),
});
