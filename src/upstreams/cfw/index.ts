import { singleJobUpstream } from '../single-job.js';
import { cfwJobCall, classifyCfwError } from './client.js';
import { CFW_ID, mapCfwJob } from './map.js';

/** Cloud Firewall: `GET /v3/{project}/jobs/{job}`. */
export const cfwUpstream = singleJobUpstream({
  source: 'CFW',
  publicEndpoint: 'https://cfw.{region}.myhuaweicloud.com',
  jobType: 'CfwJob',
  id: CFW_ID,
  classify: classifyCfwError,
  call: cfwJobCall,
  map: mapCfwJob,
  rootField: (read) => ({ cfwJob: (_root, args, context) => read(args, context) }),
});
