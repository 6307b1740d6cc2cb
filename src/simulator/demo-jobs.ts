import { cceGlobalId } from '../upstreams/cce/map.js';
import { caeGlobalId } from '../upstreams/cae/map.js';
import { cfwGlobalId } from '../upstreams/cfw/map.js';
import { dbGlobalId } from '../upstreams/db/map.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_IDS, SIM_PROJECT_ID } from './data.js';

export interface DemoJob {
  upstream: 'CCE' | 'CAE' | 'CFW' | 'RDS';
  what: string;
  jobId: string;
  /** The gateway's opaque id for it (for job(id:) and jobs(ids:)) in `region`. */
  id: string;
  /** The simulator's own path for it (GET, with any token). */
  path: string;
  /** A header the upstream needs besides the token. */
  header?: string;
}

/** One finished or running job per upstream, for README examples and `npm run simulator`'s banner. */
export function demoJobs(region = 'cn-north-4'): DemoJob[] {
  const p = SIM_PROJECT_ID;
  return [
    {
      upstream: 'CCE',
      what: 'ScaleupCluster, running, sub-jobs 5 levels deep',
      jobId: SIM_IDS.cce.deepTree,
      id: cceGlobalId({ api: 'v3', region, projectId: p, jobId: SIM_IDS.cce.deepTree }),
      path: `/api/v3/projects/${p}/jobs/${SIM_IDS.cce.deepTree}`,
    },
    {
      upstream: 'CAE',
      what: `upgrade, failed (environment ${SIM_CAE_ENVIRONMENT_ID})`,
      jobId: SIM_IDS.cae.failed,
      id: caeGlobalId({ region, projectId: p, environmentId: SIM_CAE_ENVIRONMENT_ID, enterpriseProjectId: null, jobId: SIM_IDS.cae.failed }),
      path: `/v1/${p}/cae/jobs/${SIM_IDS.cae.failed}`,
      header: `X-Environment-ID: ${SIM_CAE_ENVIRONMENT_ID}`,
    },
    {
      upstream: 'CFW',
      what: 'firewall job, succeeded',
      jobId: SIM_IDS.cfw.success,
      id: cfwGlobalId({ region, projectId: p, jobId: SIM_IDS.cfw.success }),
      path: `/v3/${p}/jobs/${SIM_IDS.cfw.success}`,
    },
    {
      upstream: 'RDS',
      what: 'database job, completed',
      jobId: SIM_IDS.db.completed,
      id: dbGlobalId({ region, projectId: p, jobId: SIM_IDS.db.completed }),
      path: `/v3/${p}/jobs?id=${SIM_IDS.db.completed}`,
    },
  ];
}
