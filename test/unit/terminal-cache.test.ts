import { describe, expect, it } from 'vitest';
import { ownedKey, unownedKey } from '../../src/upstreams/keys.js';
import { jsonSize } from '../../src/model/json-size.js';
import { cacheFor, createTerminalJobCache, sameModel } from '../../src/upstreams/terminal-cache.js';

/** A terminal job model of about `bytes` bytes of JSON (the size of its sub-job payloads). */
const job = (id: string, bytes: number) => ({ __typename: 'CceJob', jobId: id, terminal: true, raw: 'x'.repeat(bytes) });

describe('terminal-job cache', () => {
  it('is bounded by CACHE_MAX_BYTES as well as by entries: large jobs evict the least recently used', () => {
    const cache = createTerminalJobCache({ maxEntries: 1000, maxBytes: 100_000, ttlMs: 60_000 });
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, job(`j${i}`, 10_000), { principal: 'p' });
    // 50 jobs of ~10 KB in 100 KB: only the newest fit.
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.size).toBeGreaterThanOrEqual(8);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k49')).toEqual(job('j49', 10_000));
    let held = 0;
    for (let i = 0; i < 50; i++) {
      const hit = cache.get(`k${i}`);
      if (hit) held += jsonSize(hit);
    }
    expect(held).toBeLessThanOrEqual(100_000);
  });

  it('keeps no job larger than the whole budget, and still drops a principal cleanly', () => {
    const cache = createTerminalJobCache({ maxEntries: 1000, maxBytes: 100_000, ttlMs: 60_000 });
    cache.set('small', job('s', 100), { principal: 'p' });
    cache.set('huge', job('h', 200_000), { principal: 'p' });
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBeDefined();
    cache.dropPrincipal('p');
    expect(cache.get('small')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds one model for a job many principals read, and keeps their entries apart', () => {
    const cache = createTerminalJobCache({ maxEntries: 1000, maxBytes: 10_000_000, ttlMs: 60_000 });
    for (let i = 0; i < 100; i++) cache.set(`p${i}/j1`, job('j1', 1000), { principal: `p${i}` });
    cache.set('p0/j2', job('j2', 1000), { principal: 'p0' });
    const first = cache.get('p0/j1');
    expect(first).toEqual(job('j1', 1000));
    // Each principal's read of the same job answers with the same object, not a copy per caller.
    for (let i = 1; i < 100; i++) expect(cache.get(`p${i}/j1`)).toBe(first);
    // A different job (or the same id with a different answer) is never shared.
    expect(cache.get('p0/j2')).not.toBe(first);
    cache.set('p100/j1', { ...job('j1', 1000), terminal: false }, { principal: 'p100' });
    expect(cache.get('p100/j1')).not.toBe(first);
    // Keys stay per principal: dropping one leaves the others' entries.
    cache.dropPrincipal('p0');
    expect(cache.get('p0/j1')).toBeUndefined();
    expect(cache.get('p1/j1')).toBe(first);
    expect(cache.size).toBe(100);
  });

  it('shares equal models through an upstream view by the job, whoever reads it, without comparing JSON text', () => {
    const cache = cacheFor(createTerminalJobCache({ maxEntries: 1000, maxBytes: 10_000_000, ttlMs: 60_000 }), 'CCE');
    const ref = 'v3/cn-north-4/p1/j1';
    for (let i = 0; i < 20; i++) cache.set(ownedKey(`t:${i}`, ref), job('j1', 500), { principal: `t:${i}` });
    const first = cache.get(ownedKey('t:0', ref));
    for (let i = 1; i < 20; i++) expect(cache.get(ownedKey(`t:${i}`, ref))).toBe(first);
    // The same job answered differently to one principal keeps its own model; another job never shares.
    cache.set(ownedKey('t:20', ref), { ...job('j1', 500), message: 'other' }, { principal: 't:20' });
    expect(cache.get(ownedKey('t:20', ref))).not.toBe(first);
    cache.set(ownedKey('t:0', 'v3/cn-north-4/p1/j2'), job('j1', 500), { principal: 't:0' });
    expect(cache.get(ownedKey('t:0', 'v3/cn-north-4/p1/j2'))).not.toBe(first);
    // A principal that contains the separators still names the same job: the next reader shares its model.
    cache.set(ownedKey('k:a/1:b', ref), job('j1', 500), { principal: 'k:a/1:b' });
    expect(unownedKey(ownedKey('k:a/1:b', ref))).toBe(ref);
    cache.set(ownedKey('t:21', ref), job('j1', 500), { principal: 't:21' });
    expect(cache.get(ownedKey('t:21', ref))).toBe(cache.get(ownedKey('k:a/1:b', ref)));
  });

  it('calls models equal only when every member is: key sets, arrays, and nothing but plain data', () => {
    expect(sameModel({ a: 1, b: [1, { c: 'x' }], d: null }, { b: [1, { c: 'x' }], a: 1, d: null })).toBe(true);
    expect(sameModel({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameModel({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(sameModel([1, 2], [1, 2, 3])).toBe(false);
    expect(sameModel({ 0: 'a' }, ['a'])).toBe(false);
    expect(sameModel({ n: Number.NaN }, { n: Number.NaN })).toBe(false);
    expect(sameModel({ at: new Date(0) }, { at: new Date(1) })).toBe(false);
    expect(sameModel({ a: '1' }, { a: 1 })).toBe(false);
  });
});
