import { dbGlobalId } from '../upstreams/db/map.js';
import { DB_LIVE_IDS, DB_SIM_IDS, LIVE_DB_ID, LIVE_DB_TERMINAL_STEP, SIM_DB_JOBS, liveDbJob, renderDb } from './db-data.js';
import { SIM_PROJECT_ID } from './seed.js';
import { simulatedUpstream, type Reply } from './types.js';

const NOT_FOUND: Reply = { status: 404, body: { error_code: 'DBS.280011', error_msg: 'The job does not exist.' } };
const MISSING_ID: Reply = { status: 400, body: { error_code: 'DBS.200001', error_msg: 'Parameter error: id is required.' } };

/** The RDS task center: `/v3/{p}/jobs?id={j}`. */
export const dbSimulator = simulatedUpstream({
  source: 'DB',
  route([a, projectId, c, ...rest]) {
    if (a !== 'v3' || projectId === undefined || c !== 'jobs' || rest.length > 0) return null;
    return ({ query, live }) => {
      const id = new URLSearchParams(query).get('id');
      if (id === null || id === '') return MISSING_ID;
      const job =
        projectId !== SIM_PROJECT_ID
          ? undefined
          : id === LIVE_DB_ID
            ? liveDbJob(live.touch('db', LIVE_DB_TERMINAL_STEP))
            : SIM_DB_JOBS.get(id);
      return job ? { status: 200, body: renderDb(job) } : NOT_FOUND;
    };
  },
  forbidden: { status: 403, body: { error_code: 'DBS.200010', error_msg: 'The operation is not authorized.' } },
  ids: DB_SIM_IDS,
  live: {
    ids: DB_LIVE_IDS,
    banner: (url) => `  RDS job            ${LIVE_DB_ID}  GET ${url}/v3/${SIM_PROJECT_ID}/jobs?id=${LIVE_DB_ID}`,
  },
  demo: (region) => ({
    upstream: 'RDS',
    what: 'database job, completed',
    jobId: DB_SIM_IDS.completed,
    id: dbGlobalId({ region, projectId: SIM_PROJECT_ID, jobId: DB_SIM_IDS.completed }),
    path: `/v3/${SIM_PROJECT_ID}/jobs?id=${DB_SIM_IDS.completed}`,
  }),
});
