import { singleJobUpstream } from '../single-job.js';
import { dbJobCall } from './client.js';
import { mapDbJob } from './map.js';

/** RDS task center (GaussDB and TaurusDB serve the same shape): `GET /v3/{project}/jobs?id={job}`. */
export const dbUpstream = singleJobUpstream({
  source: 'DB',
  idTag: 'db',
  call: dbJobCall,
  map: mapDbJob,
  rootField: (read) => ({ dbJob: (_root, args, context) => read(args, context) }),
});
