import { singleJobUpstream } from '../single-job.js';
import { dbJobCall } from './client.js';
import { DB_ID, mapDbJob } from './map.js';

/** RDS task center (GaussDB and TaurusDB serve the same shape): `GET /v3/{project}/jobs?id={job}`. */
export const dbUpstream = singleJobUpstream({
  source: 'DB',
  publicEndpoint: 'https://rds.{region}.myhuaweicloud.com',
  jobType: 'DbJob',
  id: DB_ID,
  call: dbJobCall,
  map: mapDbJob,
  rootField: (read) => ({ dbJob: (_root, args, context) => read(args, context) }),
});
