import type DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { createJobLoader } from '../job-loader.js';
import type { RequestContext } from '../../graph/context.js';
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

/**
 * Where each sub-job was last seen embedded, across requests, per principal: `[api, region, project, uid]`
 * → the uid of the top-level job whose payload carried it. Only a hint for where to look in this
 * request; the data always comes from this request's own reads. One LRU entry per principal (its
 * size is its hint count, 10,000 hints in all), so a request with a new token costs one LRU write
 * rather than one per sub-job (bench/findings.md), while one busy principal (the gateway's own
 * AK/SK, say) may use the whole budget.
 */
export type CceParentIndex = LRUCache<string, Map<string, string>>;

export function createCceParentIndex(maxHints = 10_000): CceParentIndex {
  return new LRUCache<string, Map<string, string>>({ maxSize: maxHints, sizeCalculation: (hints) => Math.max(1, hints.size) });
}

// Keys are JSON tuples, never joined strings: ids may contain any separator (`p|q`, `x` and `p`, `q|x`
// must not be one key), and JSON escapes whatever would make two tuples read alike.
const hintKey = (ref: CceRef) => JSON.stringify([ref.api, ref.region, ref.projectId, ref.jobId]);

export function createCceLoaders(
  api: CceApiCalls,
  context: RequestContext,
  settings: UpstreamSettings,
  parents: CceParentIndex = createCceParentIndex(),
): CceLoaders {
  const { call } = context;
  // Per principal like every cross-request key, so what one caller's reads taught us is never used for another.
  const refKey = (ref: CceRef) => JSON.stringify([call.principal, ref.api, ref.region, ref.projectId, ref.jobId]);
  // The reads `jobs` started in this request, so a sub-job asked for alongside its parent can wait for the parent's payload.
  const started = new Map<string, Promise<CceJobModel>>();

  const details = createJobLoader<CceRef, CceJobModel>({
    service: 'CCE',
    observer: settings.loaderObserver,
    keyOf: refKey,
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    principal: call.principal,
    async fetch(ref) {
      const { body, requestId } = await api.job(ref, call);
      const job = mapCceJob(body, { ...ref, maxDepth: settings.maxSubJobDepth, requestId });
      // Matched by id, never trusted by position: an answer about another job is not this job.
      if (job.jobId !== ref.jobId) throw unexpected('CCE', `asked for job ${ref.jobId}, got ${job.jobId}`, requestId);
      remember(job);
      return job;
    },
  });

  // Batches are measured once, on `details`, where upstream calls happen.
  const jobs = createJobLoader<CceRef, CceJobModel>({
    service: 'CCE',
    keyOf: refKey,
    fetch(ref) {
      const parentUid = parents.get(call.principal)?.get(hintKey(ref));
      // Synchronous unless the job was seen embedded, so a parent in the same batch has started before its sub-job looks for it.
      return parentUid === undefined ? loadOwn(ref) : fromParent(ref, parentUid).then((copy) => copy ?? loadOwn(ref));
    },
  });

  async function loadOwn(ref: CceRef): Promise<CceJobModel> {
    const load = details.load(ref);
    started.set(refKey(ref), load);
    const job = await load;
    prime(job);
    return job;
  }

  /** The embedded copy from the parent's payload, when this request reads that parent too. */
  async function fromParent(ref: CceRef, parentUid: string): Promise<CceJobModel | undefined> {
    await Promise.resolve(); // the rest of this batch starts first
    const parent = await started.get(refKey({ ...ref, jobId: parentUid }))?.catch(() => undefined);
    if (!parent) return undefined;
    for (const sub of descendants(parent)) if (sub.jobId === ref.jobId) return sub;
    return undefined;
  }

  const lists = createJobLoader<CceListKey, CceJobModel[]>({
    service: 'CCE',
    observer: settings.loaderObserver,
    keyOf: (k) => JSON.stringify([call.principal, k.region, k.projectId]),
    async fetch(key) {
      const { body, requestId } = await api.list(key.region, key.projectId, call);
      const place = { api: 'v2' as const, ...key, maxDepth: settings.maxSubJobDepth, requestId };
      const list = body.map((dto) => mapCceJob(dto, place));
      for (const job of list) {
        jobs.prime(job.ref, job);
        prime(job);
        remember(job);
      }
      return list;
    },
  });

  function prime(job: CceJobModel): void {
    for (const sub of descendants(job)) jobs.prime(sub.ref, sub);
  }

  function remember(job: CceJobModel): void {
    let hints: Map<string, string> | undefined;
    for (const sub of descendants(job)) {
      hints ??= parents.get(call.principal) ?? new Map<string, string>();
      const key = hintKey(sub.ref);
      hints.delete(key); // re-inserted: the newest hints are the last to go
      hints.set(key, job.jobId);
    }
    if (!hints) return;
    for (const key of hints.keys()) {
      if (hints.size <= parents.maxSize) break;
      hints.delete(key);
    }
    // Set again, so the LRU counts the principal's hints as they are now.
    parents.set(call.principal, hints);
  }

  return { jobs, details, lists };
}
