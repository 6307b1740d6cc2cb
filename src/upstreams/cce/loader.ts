import type DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { createJobLoader } from '../job-loader.js';
import { ownedKey } from '../keys.js';
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
  /**
   * Made on first use: most requests never list. A method, not a getter: an accessor in the literal
   * made per request turned it into a dictionary copied from an old-generation boilerplate, which
   * held the whole request through every scavenge (bench/findings.md, "Fourth pass").
   */
  lists(): DataLoader<CceListKey, CceJobModel[], string>;
}

/**
 * Where each sub-job was last seen embedded, across requests, per principal: `[api, region, project]`
 * and uid → the uid of the top-level job whose payload carried it. Only a hint for where to look in
 * this request; the data always comes from this request's own reads. One LRU entry per principal (its
 * size is its hint count, 10,000 hints in all), so a request with a new token costs one LRU write
 * rather than one per sub-job (bench/findings.md), while one busy principal (the gateway's own
 * AK/SK, say) may use the whole budget.
 */
export type CceParentIndex = LRUCache<string, ParentHints>;

/**
 * A principal's hints. Most tokens read one payload and are never seen again, so their first
 * payload's hints are kept as read (its uids, no key built per sub-job); a second payload turns them
 * into a map of `scope + uid` → parent uid.
 */
type ParentHints = FirstHints | Map<string, string>;
interface FirstHints {
  scope: string;
  parent: string;
  uids: string[];
}

export function createCceParentIndex(maxHints = 10_000): CceParentIndex {
  return new LRUCache<string, ParentHints>({ maxSize: maxHints, sizeCalculation: (hints) => Math.max(1, hintCount(hints)) });
}

const hintCount = (hints: ParentHints) => (hints instanceof Map ? hints.size : hints.uids.length);

// Validated parts joined with `/` (keys.ts). A scope ends with `/`, so a uid appended to it is
// unambiguous too (and reads as the ref's key).
const scopeOf = (ref: CceRef) => `${ref.api}/${ref.region}/${ref.projectId}/`;
// Within one request's loaders: they serve a single principal, so it need not be part of the key.
const refKey = (ref: CceRef) => `${ref.api}/${ref.region}/${ref.projectId}/${ref.jobId}`;

function parentHint(hints: ParentHints | undefined, ref: CceRef): string | undefined {
  if (hints === undefined) return undefined;
  const scope = scopeOf(ref);
  if (hints instanceof Map) return hints.get(scope + ref.jobId);
  return hints.scope === scope && hints.uids.includes(ref.jobId) ? hints.parent : undefined;
}

export function createCceLoaders(
  api: CceApiCalls,
  context: RequestContext,
  settings: UpstreamSettings,
  parents: CceParentIndex = createCceParentIndex(),
): CceLoaders {
  const { call } = context;
  // The shared terminal cache outlives the request: its keys name the principal, like every cross-request key.
  const cacheKey = (ref: CceRef) => ownedKey(call.principal, refKey(ref));
  // The reads `jobs` started in this request, so a sub-job asked for alongside its parent can wait for the parent's payload.
  const started = new Map<string, Promise<CceJobModel>>();
  /**
   * Jobs this request has read whose embedded copies `jobs` may answer with: indexed only when a
   * job is asked for that `jobs` does not hold yet, so a request that never asks for a sub-job by id
   * builds no key per sub-job. `withSelf`: a list entry, itself answering for its ref too.
   */
  const unindexed: Array<{ job: CceJobModel; withSelf: boolean }> = [];
  let embedded: Map<string, CceJobModel> | undefined;

  const details = createJobLoader<CceRef, CceJobModel>({
    service: 'CCE',
    call,
    observer: settings.loaderObserver,
    keyOf: refKey,
    cacheKeyOf: cacheKey,
    cache: settings.cache,
    isTerminal: (job) => job.terminal,
    principal: call.principal,
    async fetch(ref) {
      const { body, requestId } = await api.job(ref, call);
      const job = mapCceJob(body, {
        api: ref.api,
        region: ref.region,
        projectId: ref.projectId,
        maxDepth: settings.maxSubJobDepth,
        requestId,
      });
      // Matched by id, never trusted by position: an answer about another job is not this job.
      if (job.jobId !== ref.jobId) throw unexpected('CCE', `asked for job ${ref.jobId}, got ${job.jobId}`, requestId);
      remember(job);
      return job;
    },
  });

  // Batches are measured once, on `details`, where upstream calls happen.
  const jobs = createJobLoader<CceRef, CceJobModel>({
    service: 'CCE',
    call,
    // Its jobs come from `details`, or from payloads `details` or `lists` read: those prove or forbid.
    relays: true,
    keyOf: refKey,
    fetch(ref) {
      const copy = embeddedCopy(ref);
      if (copy) return Promise.resolve(copy);
      const parentUid = parentHint(parents.get(call.principal), ref);
      // Synchronous unless the job was seen embedded, so a parent in the same batch has started before its sub-job looks for it.
      return parentUid === undefined ? loadOwn(ref) : fromParent(ref, parentUid).then((found) => found ?? loadOwn(ref));
    },
  });

  function loadOwn(ref: CceRef): Promise<CceJobModel> {
    const load = details.load(ref);
    started.set(refKey(ref), load);
    return load.then(indexLater);
  }

  /** A job read whole: its sub-jobs may answer `jobs` once someone asks for one. */
  function indexLater(job: CceJobModel): CceJobModel {
    if (job.subJobs?.length) unindexed.push({ job, withSelf: false });
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

  /** A copy of `ref` this request already read inside another job (or a list); the first one read wins. */
  function embeddedCopy(ref: CceRef): CceJobModel | undefined {
    if (unindexed.length > 0) {
      embedded ??= new Map();
      for (const { job, withSelf } of unindexed) {
        if (withSelf) add(embedded, job);
        for (const sub of descendants(job)) add(embedded, sub);
      }
      unindexed.length = 0;
    }
    return embedded?.get(refKey(ref));
  }

  // Most requests read single jobs: the list loader is made when a list is first asked for.
  let lists: ReturnType<CceLoaders['lists']> | undefined;
  const createLists = () =>
    createJobLoader<CceListKey, CceJobModel[]>({
      service: 'CCE',
      // A list can change at any time: it forbids caching the answer (no isTerminal, no cache).
      call,
      observer: settings.loaderObserver,
      keyOf: (k) => `${k.region}/${k.projectId}`,
      async fetch(key) {
        const { body, requestId } = await api.list(key.region, key.projectId, call);
        const place = { api: 'v2' as const, ...key, maxDepth: settings.maxSubJobDepth, requestId };
        const list = body.map((dto) => mapCceJob(dto, place));
        for (const job of list) {
          unindexed.push({ job, withSelf: true });
          remember(job);
        }
        return list;
      },
    });

  function remember(job: CceJobModel): void {
    const uids = job.subJobs?.length ? descendantUids(job) : undefined;
    if (!uids) return;
    const scope = scopeOf(job.ref);
    const known = parents.get(call.principal);
    let hints: ParentHints;
    if (known === undefined) {
      // Beyond the budget, the newest hints are the ones kept (as the map below does).
      hints = { scope, parent: job.jobId, uids: uids.length > parents.maxSize ? uids.slice(-parents.maxSize) : uids };
    } else {
      const map = known instanceof Map ? known : new Map(known.uids.map((uid) => [known.scope + uid, known.parent]));
      for (const uid of uids) {
        const key = scope + uid;
        map.delete(key); // re-inserted: the newest hints are the last to go
        map.set(key, job.jobId);
      }
      for (const key of map.keys()) {
        if (map.size <= parents.maxSize) break;
        map.delete(key);
      }
      hints = map;
    }
    // Set again, so the LRU counts the principal's hints as they are now.
    parents.set(call.principal, hints);
  }

  return {
    jobs,
    details,
    lists() {
      lists ??= createLists();
      return lists;
    },
  };
}

function add(index: Map<string, CceJobModel>, job: CceJobModel): void {
  const key = refKey(job.ref);
  if (!index.has(key)) index.set(key, job);
}

/** The uids of every sub-job below `job`, in `descendants` order. */
function descendantUids(job: CceJobModel): string[] {
  const uids: string[] = [];
  for (const sub of descendants(job)) uids.push(sub.jobId);
  return uids;
}
