import { describe, expect, it } from 'vitest';
import { JobError } from '../../src/model/errors.js';
import type { RequestLedger } from '../../src/http/request-ledger.js';
import { createJobLoader, type JobLoaderOptions } from '../../src/upstreams/job-loader.js';
import { cacheFor, createTerminalJobCache, type TerminalJobCache } from '../../src/upstreams/terminal-cache.js';

interface Job {
  id: string;
  terminal: boolean;
}

const config = { maxEntries: 100, maxBytes: 100_000, ttlMs: 60_000 };

/** A loader of `Job`s whose fetch is recorded; ids starting "run" are running, "bad" reject, "throw" throw at once. */
function loaderFor(principal: string, cache: TerminalJobCache | undefined, extra: Partial<JobLoaderOptions<string, Job>> = {}) {
  const fetched: string[] = [];
  const seen: boolean[] = [];
  const batches: number[] = [];
  const call: { ledger?: RequestLedger } = {};
  const loader = createJobLoader<string, Job>({
    service: 'T',
    call,
    observer: { batch: (_s, size) => batches.push(size), cache: (_s, hit) => seen.push(hit) },
    keyOf: (id) => id,
    cacheKeyOf: (id) => JSON.stringify([principal, id]),
    cache,
    isTerminal: (job) => job.terminal,
    principal,
    fetch(id) {
      fetched.push(id);
      if (id.startsWith('throw')) throw new JobError('BAD_USER_INPUT', 'thrown');
      if (id.startsWith('bad')) return Promise.reject(new JobError(id === 'bad-401' ? 'UNAUTHENTICATED' : 'UPSTREAM_ERROR', id));
      return Promise.resolve({ id, terminal: !id.startsWith('run') });
    },
    ...extra,
  });
  return { loader, fetched, seen, batches, call };
}

describe('job loader', () => {
  it('batches one tick, fetches in key order and answers each key with its own result or error', async () => {
    const { loader, fetched, batches } = loaderFor('p', undefined);
    const results = await Promise.allSettled(['a', 'bad', 'b', 'throw', 'a'].map((id) => loader.load(id)));
    expect(batches).toEqual([4]);
    expect(fetched).toEqual(['a', 'bad', 'b', 'throw']);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.id : (r.reason as JobError).message))).toEqual([
      'a',
      'bad',
      'b',
      'thrown',
      'a',
    ]);
    // A failed key is forgotten, so a later field of the same request tries again.
    await Promise.allSettled([loader.load('bad'), loader.load('throw'), loader.load('a')]);
    expect(fetched).toEqual(['a', 'bad', 'b', 'throw', 'bad', 'throw']);
  });

  it("keeps terminal jobs per principal: a fresh principal's keys miss without a lookup, a later request hits", async () => {
    const local = createTerminalJobCache(config);
    let lookups = 0;
    const cache = cacheFor(local, 'T');
    const counted: TerminalJobCache = {
      ...cache,
      get(key, principal) {
        lookups++;
        return cache.get(key, principal);
      },
      holdsAny: cache.holdsAny,
    };
    const first = loaderFor('p', counted);
    await Promise.all([first.loader.load('a'), first.loader.load('b')]);
    expect(lookups).toBe(0);
    expect(first.seen).toEqual([false, false]);
    expect(typeof first.call.ledger?.answer).toBe('number');

    const again = loaderFor('p', counted);
    expect(await Promise.all([again.loader.load('a'), again.loader.load('run-1')])).toEqual([
      { id: 'a', terminal: true },
      { id: 'run-1', terminal: false },
    ]);
    expect(again.fetched).toEqual(['run-1']);
    expect(again.seen).toEqual([true, false]);
    expect(lookups).toBe(2);
    expect(again.call.ledger?.answer).toBe('changeable');

    const other = loaderFor('q', counted);
    await other.loader.load('a');
    expect(other.fetched).toEqual(['a']);
  });

  it('proves a cached answer only until its first job leaves the cache', async () => {
    const cache = cacheFor(createTerminalJobCache(config), 'T');
    const { loader, call } = loaderFor('p', cache);
    const before = performance.now();
    await Promise.all([loader.load('a'), loader.load('b')]);
    const until = call.ledger?.answer as number;
    expect(until).toBeGreaterThan(before + config.ttlMs - 1000);
    expect(until).toBeLessThanOrEqual(performance.now() + config.ttlMs);
  });

  it("drops the principal's cached jobs when an upstream answers 401 for it", async () => {
    const cache = cacheFor(createTerminalJobCache(config), 'T');
    await loaderFor('p', cache).loader.load('a');
    expect(cache.holdsAny?.('p')).toBe(true);
    await expect(loaderFor('p', cache).loader.load('bad-401')).rejects.toThrow('bad-401');
    expect(cache.holdsAny?.('p')).toBe(false);
    const next = loaderFor('p', cache);
    await next.loader.load('a');
    expect(next.fetched).toEqual(['a']);
  });

  it('waits for a shared tier that answers later, and fails the batch when it fails', async () => {
    const local = cacheFor(createTerminalJobCache(config), 'T');
    let broken = false;
    const shared: TerminalJobCache = {
      ...local,
      get: (key, principal) => (broken ? Promise.reject(new Error('redis down')) : Promise.resolve(local.get(key, principal))),
      holdsAny: undefined,
    };
    await loaderFor('p', shared).loader.load('a');
    const next = loaderFor('p', shared);
    expect(await Promise.all([next.loader.load('a'), next.loader.load('b')])).toEqual([
      { id: 'a', terminal: true },
      { id: 'b', terminal: true },
    ]);
    expect(next.fetched).toEqual(['b']);
    expect(next.seen).toEqual([true, false]);
    broken = true;
    const failing = loaderFor('p', shared);
    const results = await Promise.allSettled([failing.loader.load('a'), failing.loader.load('c')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('terminal cache views', () => {
  it('scope each key by upstream, whatever order keys are asked in', () => {
    const local = createTerminalJobCache(config);
    const a = cacheFor(local, 'A');
    const b = cacheFor(local, 'B');
    a.set('k1', { n: 1 }, { principal: 'p' });
    b.set('k2', { n: 2 }, { principal: 'p', ttlMs: 1000 });
    expect(a.get('k1')).toEqual({ n: 1 });
    expect(a.get('k2')).toBeUndefined();
    expect(b.get('k2')).toEqual({ n: 2 });
    expect(b.get('k1')).toBeUndefined();
    expect(a.remainingMs('k1')).toBeGreaterThan(2000);
    expect(b.remainingMs('k2')).toBeLessThan(2000);
    expect(b.remainingMs('k2')).toBeGreaterThan(0);
    expect(a.remainingMs('k2')).toBe(0);
    expect(a.remainingMs('k1')).toBeGreaterThan(2000);
  });

  it('know which principals they hold nothing for', () => {
    const local = createTerminalJobCache(config);
    const view = cacheFor(local, 'A');
    expect(view.holdsAny?.('p')).toBe(false);
    view.set('k', { n: 1 }, { principal: 'p' });
    expect(view.holdsAny?.('p')).toBe(true);
    expect(view.holdsAny?.('q')).toBe(false);
    view.dropPrincipal('p');
    expect(view.holdsAny?.('p')).toBe(false);
    expect(createTerminalJobCache({ ...config, maxEntries: 0 }).holdsAny?.('p')).toBe(false);
  });
});
