import { singleJobUpstream } from '../single-job.js';
import { cfwJobCall, classifyCfwError } from './client.js';
import { mapCfwJob } from './map.js';


/** Cloud Firewall: `GET /v3/{project}/jobs/{job}`. */
export const cfwUpstream = singleJobUpstream({
  source: 'CFW',
  idTag: 'cfw',
  classify: classifyCfwError,
  call: cfwJobCall,
  map: mapCfwJob,
  rootField: (read) => ({ cfwJob: (_root, args, context) => read(args, context) }),
});
