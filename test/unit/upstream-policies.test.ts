/** The small per-origin and per-request policies of the upstream client, one by one. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { takeSample } from '../../src/http/breaker-votes.js';
import { budgetExceeded, budgetLeft, spendCall } from '../../src/http/call-budget.js';
import { UNVERIFIED, createCredentialVerdicts } from '../../src/http/credential-verdicts.js';
import { OriginLimitReached, createOriginPool } from '../../src/http/origin-pool.js';
import { ledgerOf } from '../../src/http/request-ledger.js';
import { HWC_PUBLIC_REGIONS, checkKnownRegion } from '../../src/model/regions.js';
import { checkRegion } from '../../src/model/validate.js';
import { baseUrlFor } from '../../src/upstreams/endpoint.js';

describe('createOriginPool', () => {
  function pool(max: number) {
    const closed: string[] = [];
    const p = createOriginPool<{ key: string }>({ max, create: (key) => ({ key }), close: (e) => void closed.push(e.key) });
    return { p, closed };
  }

  it('keeps at most `max` entries, closing the least recently used idle one', async () => {
    const { p, closed } = pool(2);
    await p.use('a', async () => undefined);
    await p.use('b', async () => undefined);
    await p.use('a', async () => undefined); // a is now the most recent
    await p.use('c', async () => undefined);
    expect(p.size).toBe(2);
    expect(closed).toEqual(['b']);
    expect(
      p
        .values()
        .map((e) => e.key)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('reuses the entry of a key', async () => {
    const { p } = pool(2);
    const first = await p.use('a', async (e) => e);
    expect(await p.use('a', async (e) => e)).toBe(first);
  });

  it('never evicts an entry with a call in flight; refuses a new key when every entry is busy', async () => {
    const { p, closed } = pool(2);
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const a = p.use('a', () => busy);
    const b = p.use('b', () => busy);
    await expect(p.use('c', async () => undefined)).rejects.toBeInstanceOf(OriginLimitReached);
    expect(closed).toEqual([]);
    release();
    await Promise.all([a, b]);
    await p.use('c', async () => undefined);
    expect(closed).toEqual(['a']);
    expect(p.size).toBe(2);
  });

  it('closes every entry on close()', async () => {
    const { p, closed } = pool(3);
    for (const k of ['a', 'b', 'c']) await p.use(k, async () => undefined);
    await p.close();
    expect(closed.sort()).toEqual(['a', 'b', 'c']);
    expect(p.size).toBe(0);
  });
});

describe('call budget', () => {
  it('counts calls per request and refuses past the limit', () => {
    const context = {};
    const ledger = ledgerOf(context);
    expect(ledgerOf(context)).toBe(ledger);
    expect([1, 2, 3].map(() => spendCall(ledger, 2))).toEqual([true, true, false]);
    expect(budgetLeft(ledger, 2)).toBe(false);
    expect(budgetLeft(ledgerOf({}), 2)).toBe(true);
    const error = budgetExceeded('CCE', 2);
    expect(error.code).toBe('UPSTREAM_BUDGET_EXCEEDED');
    expect(error.message).toMatch(/UPSTREAM_CALLS_PER_REQUEST/);
  });
});

describe('breaker votes', () => {
  it('a request counts at most `max` times per circuit, each circuit separately', () => {
    const ledger = ledgerOf({});
    const cce = {};
    const cfw = {};
    expect([1, 2, 3].map(() => takeSample(ledger, cce, 2))).toEqual([true, true, false]);
    expect(takeSample(ledger, cfw, 2)).toBe(true);
    expect(takeSample(ledgerOf({}), cce, 2)).toBe(true);
  });
});

describe('createCredentialVerdicts', () => {
  const token = { kind: 'token', token: 'x' } as const;

  it('a 401 cools the principal down for that origin only, for the configured time', async () => {
    const v = createCredentialVerdicts({ cooldownMs: 150, max: 10 });
    expect(v.coolingDown('t:1', 'http://a')).toBe(0);
    v.heard('t:1', 'http://a', 401);
    expect(v.coolingDown('t:1', 'http://a')).toBeGreaterThan(0);
    expect(v.coolingDown('t:1', 'http://a')).toBeLessThanOrEqual(150);
    expect(v.coolingDown('t:1', 'http://b')).toBe(0);
    expect(v.coolingDown('t:2', 'http://a')).toBe(0);
    await sleep(250);
    expect(v.coolingDown('t:1', 'http://a')).toBe(0);
  });

  it('cooldown 0 turns the cool-down off', () => {
    const v = createCredentialVerdicts({ cooldownMs: 0, max: 10 });
    v.heard('t:1', 'http://a', 401);
    expect(v.coolingDown('t:1', 'http://a')).toBe(0);
  });

  it('tokens share one tenant until the upstream accepts them; a 401 takes that back', () => {
    const v = createCredentialVerdicts({ cooldownMs: 1000, max: 10 });
    expect(v.tenantOf(token, 't:1')).toBe(UNVERIFIED);
    v.heard('t:1', 'http://a', 503);
    v.heard('t:1', 'http://a', 429);
    expect(v.tenantOf(token, 't:1')).toBe(UNVERIFIED);
    v.heard('t:1', 'http://a', 404);
    expect(v.tenantOf(token, 't:1')).toBe('t:1');
    v.heard('t:1', 'http://a', 401);
    expect(v.tenantOf(token, 't:1')).toBe(UNVERIFIED);
    // The gateway's own AK/SK is one tenant, whoever uses it.
    expect(v.tenantOf({ kind: 'aksk', ak: 'AK', sk: 'SK' }, 'k:AK')).toBe('k:AK');
  });

  it('remembers a bounded number of principals', () => {
    const v = createCredentialVerdicts({ cooldownMs: 60_000, max: 3 });
    for (let i = 0; i < 10; i++) v.heard(`t:${i}`, 'http://a', 401);
    const cooling = Array.from({ length: 10 }, (_, i) => v.coolingDown(`t:${i}`, 'http://a') > 0);
    expect(cooling.filter(Boolean)).toHaveLength(3);
    expect(cooling.slice(7)).toEqual([true, true, true]);
  });
});

describe('known regions', () => {
  const known = new Set(HWC_PUBLIC_REGIONS);

  it('every default region is well formed, and the usual ones are there', () => {
    for (const r of HWC_PUBLIC_REGIONS) expect(checkRegion(r)).toBe(r);
    for (const r of ['cn-north-4', 'cn-east-3', 'ap-southeast-1', 'eu-west-101', 'af-south-1', 'tr-west-1', 'me-east-1'])
      expect(known.has(r)).toBe(true);
  });

  it('a well-formed but unknown region is BAD_USER_INPUT, before it becomes a host name', () => {
    expect(() => checkKnownRegion('xx-fake-1', known)).toThrow(/not a region this gateway serves/);
    expect(() => baseUrlFor('https://cce.{region}.myhuaweicloud.com', 'xx-fake-1', known)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT' }),
    );
    expect(baseUrlFor('https://cce.{region}.myhuaweicloud.com', 'cn-north-4', known)).toBe('https://cce.cn-north-4.myhuaweicloud.com');
    expect(baseUrlFor('https://cce.{region}.myhuaweicloud.com', 'eu-west-101', known)).toBe('https://cce.eu-west-101.myhuaweicloud.eu');
  });
});
