import { cceGlobalId } from '../upstreams/cce/map.js';
import {
  CCE_LIVE_IDS,
  CCE_SIM_IDS,
  LIVE_CCE_IDS,
  LIVE_CCE_TERMINAL_STEP,
  SIM_CCE_JOBS,
  SIM_CCE_TOP_LEVEL,
  findLiveCce,
  renderCceV2,
  renderCceV3,
} from './cce-data.js';
import { SIM_PROJECT_ID } from './seed.js';
import { simulatedUpstream, type Reply } from './types.js';

const NOT_FOUND: Reply = { status: 404, body: { error_code: 'CCE.01404001', error_msg: 'Resource not found' } };

/** CCE's job APIs: `/api/v3|v2/projects/{p}/jobs/{j}` (ShowJob, GetOneJob) and `/api/v2/projects/{p}/jobs` (ListJobs). */
export const cceSimulator = simulatedUpstream({
  source: 'CCE',
  route([a, version, c, projectId, e, jobId, ...rest]) {
    if (
      a !== 'api' ||
      (version !== 'v3' && version !== 'v2') ||
      c !== 'projects' ||
      projectId === undefined ||
      e !== 'jobs' ||
      rest.length > 0
    )
      return null;
    const ownProject = projectId === SIM_PROJECT_ID;
    if (jobId === undefined) {
      if (version !== 'v2') return null;
      return () => (ownProject ? { status: 200, body: SIM_CCE_TOP_LEVEL.map((j) => renderCceV2(j)) } : NOT_FOUND);
    }
    return ({ live }) => {
      const job = !ownProject
        ? undefined
        : LIVE_CCE_IDS.has(jobId)
          ? findLiveCce(jobId, live.touch('cce', LIVE_CCE_TERMINAL_STEP))
          : SIM_CCE_JOBS.get(jobId);
      if (!job) return NOT_FOUND;
      return { status: 200, body: version === 'v3' ? renderCceV3(job) : renderCceV2(job) };
    };
  },
  forbidden: { status: 403, body: { error_code: 'CCE.0x403001', error_msg: 'Forbidden' } },
  ids: CCE_SIM_IDS,
  live: {
    ids: CCE_LIVE_IDS,
    banner: (url) => {
      const p = SIM_PROJECT_ID;
      const id = CCE_LIVE_IDS.cce;
      return `  CCE CreateCluster  ${id}  GET ${url}/api/v3/projects/${p}/jobs/${id}  (v2: /api/v2/projects/${p}/jobs/${id})`;
    },
  },
  demo: (region) => ({
    upstream: 'CCE',
    what: 'ScaleupCluster, running, sub-jobs 5 levels deep',
    jobId: CCE_SIM_IDS.deepTree,
    id: cceGlobalId({ api: 'v3', region, projectId: SIM_PROJECT_ID, jobId: CCE_SIM_IDS.deepTree }),
    path: `/api/v3/projects/${SIM_PROJECT_ID}/jobs/${CCE_SIM_IDS.deepTree}`,
  }),
});
