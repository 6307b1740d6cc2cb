import type DataLoader from 'dataloader';
import { createJobLoader } from '../job-loader.js';
import type { RequestContext } from '../request-context.js';
import { unexpected } from '../shape.js';
import type { UpstreamSettings } from '../types.js';
import type { CceApiCalls } from './client.js';
import { descendants, mapCceJob, type CceJobModel, type CceRef } from './map.js';

export interface CceListKey {
  region: string;
  projectId: string;
}

/**
 * `jobs` answers "this job, as well as this request knows it": it accepts embedded sub-jobs and
 * list entries primed into it, so a sub-job asked for again costs nothing. `details` always reads
 * the job's own record (once per request), for fields an embedded copy lacks.
 */
export interface CceLoaders {
  jobs: DataLoader<CceRef, CceJobModel, string>;
  details: DataLoader<CceRef, CceJobModel, string>;
  lists: DataLoader<CceListKey, CceJobModel[], string>;
}

export function createCceLoaders(api: CceApiCalls, context: RequestContext, settings: UpstreamSettings): CceLoaders {
  const { call } = context;
  const refKey = (ref: CceRef) => `${call.principal}|${ref.api}|${ref.region}|${ref.projectId}|${ref.jobId}`;

  const details = createJobLoader<CceRef, CceJobModel>({
    keyOf: refKey,
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    async fetch(ref) {
      const { body, requestId } = await api.job(ref, call);
      const job = mapCceJob(body, { ...ref, maxDepth: settings.maxSubJobDepth, requestId });
      // Matched by id, never trusted by position: an answer about another job is not this job.
      if (job.jobId !== ref.jobId) throw unexpected('CCE', `asked for job ${ref.jobId}, got ${job.jobId}`, requestId);
      return job;
    },
  });

  const jobs = createJobLoader<CceRef, CceJobModel>({
    keyOf: refKey,
    async fetch(ref) {
      const job = await details.load(ref);
      prime(job);
      return job;
    },
  });

  const lists = createJobLoader<CceListKey, CceJobModel[]>({
    keyOf: (k) => `${call.principal}|${k.region}|${k.projectId}`,
    async fetch(key) {
      const { body, requestId } = await api.list(key.region, key.projectId, call);
      const place = { api: 'v2' as const, ...key, maxDepth: settings.maxSubJobDepth, requestId };
      const list = body.map((dto) => mapCceJob(dto, place));
      for (const job of list) {
        jobs.prime(job.ref, job);
        prime(job);
      }
      return list;
    },
  });

  function prime(job: CceJobModel): void {
    for (const sub of descendants(job)) jobs.prime(sub.ref, sub);
  }

  return { jobs, details, lists };
}
