import type DataLoader from 'dataloader';
import { createJobLoader } from '../job-loader.js';
import type { RequestContext } from '../request-context.js';
import type { UpstreamSettings } from '../types.js';
import type { CfwJobCall } from './client.js';
import { mapCfwJob, type CfwJobModel, type CfwRef } from './map.js';

export function createCfwLoader(fetchJob: CfwJobCall, context: RequestContext, settings: UpstreamSettings): DataLoader<CfwRef, CfwJobModel, string> {
  const { call } = context;
  return createJobLoader<CfwRef, CfwJobModel>({
    service: 'CFW',
    observer: settings.loaderObserver,
    keyOf: (r) => `${call.principal}|${r.region}|${r.projectId}|${r.jobId}`,
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    async fetch(ref) {
      const { body, requestId } = await fetchJob(ref, call);
      return mapCfwJob(body, ref, requestId);
    },
  });
}
