import type DataLoader from 'dataloader';
import { createJobLoader } from '../job-loader.js';
import { ownedKey } from '../keys.js';
import type { RequestContext } from '../../graph/context.js';
import type { UpstreamSettings } from '../types.js';
import type { caeJobCall } from './client.js';
import { mapCaeJob, type CaeJobModel, type CaeRef } from './map.js';

/** The environment and enterprise project select what CAE returns, so both are part of the key. */
export function createCaeLoader(
  fetchJob: ReturnType<typeof caeJobCall>,
  context: RequestContext,
  settings: UpstreamSettings,
): DataLoader<CaeRef, CaeJobModel, string> {
  const { call } = context;
  return createJobLoader<CaeRef, CaeJobModel>({
    service: 'CAE',
    call,
    observer: settings.loaderObserver,
    keyOf: refKey,
    cacheKeyOf: (r) => ownedKey(call.principal, refKey(r)),
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    principal: call.principal,
    // A `then` rather than an async function: one step per job, no suspended frame.
    fetch: (ref) => fetchJob(ref, call).then(({ body, requestId }) => mapCaeJob(body, ref, requestId)),
  });
}

// Validated parts joined with `/` (keys.ts); no enterprise project is the empty part, which no id is.
const refKey = (r: CaeRef) => `${r.region}/${r.projectId}/${r.environmentId}/${r.enterpriseProjectId ?? ''}/${r.jobId}`;
