import { caeGlobalId } from '../upstreams/cae/map.js';
import {
  CAE_LIVE_IDS,
  CAE_SIM_IDS,
  LIVE_CAE_ID,
  LIVE_CAE_TERMINAL_STEP,
  SIM_CAE_ENVIRONMENT_ID,
  SIM_CAE_JOBS,
  liveCaeJob,
  renderCae,
} from './cae-data.js';
import { SIM_PROJECT_ID } from './seed.js';
import { firstHeader, simulatedUpstream, type Reply } from './types.js';

const JOB_NOT_FOUND: Reply = { status: 404, body: { error_code: 'CAE.01500502', error_msg: 'Job not found' } };
// CAE answers an unknown environment with HTTP 500.
const ENV_NOT_FOUND: Reply = { status: 500, body: { error_code: 'CAE.01500404', error_msg: 'Environment not found' } };
const ENV_MISSING: Reply = {
  status: 400,
  body: { error_code: 'CAE.01500002', error_msg: 'Invalid request header: X-Environment-ID is required' },
};

/** CAE's ShowJob: `/v1/{p}/cae/jobs/{j}`, in the environment named by `X-Environment-ID`. */
export const caeSimulator = simulatedUpstream({
  source: 'CAE',
  route([a, projectId, c, d, jobId, ...rest]) {
    if (a !== 'v1' || projectId === undefined || c !== 'cae' || d !== 'jobs' || jobId === undefined || rest.length > 0) return null;
    return ({ headers, live }) => {
      const env = firstHeader(headers['x-environment-id']);
      if (env === undefined || env.trim() === '') return ENV_MISSING;
      // Environments belong to a project: in another project the environment itself is unknown.
      if (projectId !== SIM_PROJECT_ID || env !== SIM_CAE_ENVIRONMENT_ID) return ENV_NOT_FOUND;
      const job = jobId === LIVE_CAE_ID ? liveCaeJob(live.touch('cae', LIVE_CAE_TERMINAL_STEP)) : SIM_CAE_JOBS.get(jobId);
      return job ? { status: 200, body: renderCae(job) } : JOB_NOT_FOUND;
    };
  },
  forbidden: { status: 403, body: { error_code: 'CAE.01500003', error_msg: 'Forbidden: the token has no permission for this operation' } },
  ids: CAE_SIM_IDS,
  live: {
    ids: CAE_LIVE_IDS,
    banner: (url) =>
      `  CAE upgrade        ${LIVE_CAE_ID}  GET ${url}/v1/${SIM_PROJECT_ID}/cae/jobs/${LIVE_CAE_ID}  (header X-Environment-ID: ${SIM_CAE_ENVIRONMENT_ID})`,
  },
  demo: (region) => ({
    upstream: 'CAE',
    what: `upgrade, failed (environment ${SIM_CAE_ENVIRONMENT_ID})`,
    jobId: CAE_SIM_IDS.failed,
    id: caeGlobalId({
      region,
      projectId: SIM_PROJECT_ID,
      environmentId: SIM_CAE_ENVIRONMENT_ID,
      enterpriseProjectId: null,
      jobId: CAE_SIM_IDS.failed,
    }),
    path: `/v1/${SIM_PROJECT_ID}/cae/jobs/${CAE_SIM_IDS.failed}`,
    header: `X-Environment-ID: ${SIM_CAE_ENVIRONMENT_ID}`,
  }),
});
