import type DataLoader from 'dataloader';
import { createJobLoader } from '../job-loader.js';
import type { RequestContext } from '../request-context.js';
import type { UpstreamSettings } from '../types.js';
import type { DbJobCall } from './client.js';
import { mapDbJob, type DbJobModel, type DbRef } from './map.js';

export function createDbLoader(fetchJob: DbJobCall, context: RequestContext, settings: UpstreamSettings): DataLoader<DbRef, DbJobModel, string> {
  const { call } = context;
  return createJobLoader<DbRef, DbJobModel>({
    service: 'DB',
    observer: settings.loaderObserver,
    keyOf: (r) => `${call.principal}|${r.region}|${r.projectId}|${r.jobId}`,
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    async fetch(ref) {
      const { body, requestId } = await fetchJob(ref, call);
      return mapDbJob(body, ref, requestId);
    },
  });
}
