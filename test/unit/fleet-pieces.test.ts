/**
 * Fleet mode's pure pieces: its settings, the rate-limit arithmetic, the promise that no Redis code
 * is loaded without REDIS_URL, and the guard on the shared cache's schema version.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CACHE_SCHEMA_VERSION } from '../../src/fleet/shared-cache.js';
import { createLocalThrottle, parseRateLimits, reserveSlot } from '../../src/http/rate-limit.js';
import { JobError } from '../../src/model/errors.js';
import { SIM_IDS } from '../../src/simulator/index.js';
import { SIM_CCE_JOBS, renderCceV3 } from '../../src/simulator/cce-data.js';
import { SIM_CAE_ENVIRONMENT_ID, SIM_CAE_JOBS, renderCae } from '../../src/simulator/cae-data.js';
import { SIM_CFW_JOBS, renderCfw } from '../../src/simulator/cfw-data.js';
import { SIM_DB_JOBS, renderDb } from '../../src/simulator/db-data.js';
import { mapCaeJob } from '../../src/upstreams/cae/map.js';
import { mapCceJob } from '../../src/upstreams/cce/map.js';
import { mapCfwJob } from '../../src/upstreams/cfw/map.js';
import { mapDbJob } from '../../src/upstreams/db/map.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

describe('fleet settings', () => {
  it('REDIS_URL unset: no fleet; set: redis:// or rediss:// with the defaults', () => {
    expect(loadConfig({}).fleet).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2' }).fleet).toEqual({
      url: 'redis://cache:6379/2',
      prefix: 'job-gateway:',
      timeoutMs: 250,
    });
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@cache:6380', REDIS_PREFIX: 'prod-eu:', REDIS_TIMEOUT_MS: '100' }).fleet).toEqual({
      url: 'rediss://u:p@cache:6380',
      prefix: 'prod-eu:',
      timeoutMs: 100,
    });
  });

  it('a bad REDIS_URL stops start-up without echoing it (it may hold a password)', () => {
    for (const bad of ['http://user:s3cret@cache:6379', 'cache:6379', 'redis://', 'redis://user:s3cret@']) {
      let error: unknown;
      try {
        loadConfig({ REDIS_URL: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^REDIS_URL must be/);
      expect((error as Error).message).not.toContain('s3cret');
    }
    expect(() => loadConfig({ REDIS_URL: 'redis://c', REDIS_PREFIX: 'has space' })).toThrow(/REDIS_PREFIX/);
    expect(() => loadConfig({ REDIS_URL: 'redis://c', REDIS_TIMEOUT_MS: '5' })).toThrow(/REDIS_TIMEOUT_MS/);
  });

  it('UPSTREAM_RATE_LIMIT: calls per second or minute per upstream, as the spacing between two calls', () => {
    expect(loadConfig({}).rateLimits).toBeNull();
    expect(loadConfig({ UPSTREAM_RATE_LIMIT: 'CCE=20/s, cae=10/s,CFW=600/m' }).rateLimits).toEqual({ CCE: 50, CAE: 100, CFW: 100 });
    for (const bad of ['CCE=20', 'XYZ=5/s', 'CCE=0/s', 'CCE=-1/s', 'CCE=5/h', 'CCE']) {
      expect(() => loadConfig({ UPSTREAM_RATE_LIMIT: bad }), bad).toThrow(/^UPSTREAM_RATE_LIMIT: expected entries like/);
    }
    expect(parseRateLimits('DB=2.5/s', ['DB'])).toEqual({ DB: 400 });
  });
});

describe('rate-limit slots (GCRA)', () => {
  it('each call takes the next slot one spacing after the previous; a slot past the wait budget is refused and not taken', () => {
    expect(reserveSlot(undefined, 1000, 200, 0)).toEqual({ wait: 0, next: 1200 });
    expect(reserveSlot(1200, 1000, 200, 500)).toEqual({ wait: 200, next: 1400 });
    expect(reserveSlot(1600, 1000, 200, 500)).toEqual({ wait: -1, next: 1600 });
    // An idle bucket does not bank slots: after a pause the next call goes at once, the one after waits.
    expect(reserveSlot(1200, 5000, 200, 0)).toEqual({ wait: 0, next: 5200 });
  });

  it('in process: per upstream and principal; over the budget, UPSTREAM_THROTTLED', () => {
    const throttle = createLocalThrottle({ CCE: 1000 });
    expect(throttle.delay('CCE', 't:a', 0)).toBe(0);
    expect(throttle.delay('CCE', 't:b', 0)).toBe(0); // another principal has its own slots
    expect(throttle.delay('CAE', 't:a', 0)).toBe(0); // no limit for CAE
    expect(() => throttle.delay('CCE', 't:a', 100)).toThrow(
      expect.objectContaining({ constructor: JobError, code: 'UPSTREAM_THROTTLED', upstream: expect.objectContaining({ service: 'CCE' }) }),
    );
    expect(throttle.delay('CCE', 't:a', 2000)).toBeGreaterThan(900);
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('without REDIS_URL, no Redis code is loaded', () => {
  it('only src/fleet imports ioredis, and the rest reaches src/fleet through types or the one dynamic import', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const name = relative(SRC, file);
      if (name.startsWith('fleet/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        const [, typeOnly, from] = match;
        if (from === 'ioredis' || (!typeOnly && from?.includes('/fleet/'))) offenders.push(`${name}: ${match[0]}`);
      }
    }
    expect(offenders).toEqual([]);
    expect(readFileSync(join(SRC, 'server/gateway.ts'), 'utf8')).toContain("await import('../fleet/index.js')");
  });
});

/** Every key path of a model (arrays by their first element), sorted: what a cached value's reader relies on. */
function shape(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.length > 0 ? shape(value[0], `${path}[]`) : [`${path}[]`];
  if (value === null || typeof value !== 'object') return [path];
  return Object.keys(value).flatMap((key) => shape((value as Record<string, unknown>)[key], `${path}.${key}`));
}

describe('the shared cache schema version', () => {
  it('changes when a job model changes shape (bump CACHE_SCHEMA_VERSION in src/fleet/shared-cache.ts, then update this digest)', () => {
    const place = { region: 'cn-north-4', projectId: 'p' };
    const models = [
      mapCceJob(renderCceV3(SIM_CCE_JOBS.get(SIM_IDS.cce.deepTree)!), { api: 'v3', ...place, maxDepth: 32, requestId: null }),
      mapCaeJob(
        renderCae([...SIM_CAE_JOBS.values()][0]!),
        { ...place, environmentId: SIM_CAE_ENVIRONMENT_ID, enterpriseProjectId: null, jobId: 'j' },
        null,
      ),
      mapCfwJob(renderCfw([...SIM_CFW_JOBS.values()][0]!), { ...place, jobId: [...SIM_CFW_JOBS.keys()][0]! }, null),
      mapDbJob(renderDb([...SIM_DB_JOBS.values()][0]!), { ...place, jobId: [...SIM_DB_JOBS.keys()][0]! }, null),
    ];
    const paths = [...new Set(models.flatMap((m) => shape(m, m.__typename)))].sort();
    const digest = createHash('sha256').update(paths.join('\n')).digest('hex').slice(0, 16);
    expect({ version: CACHE_SCHEMA_VERSION, digest }).toEqual({ version: 1, digest: '2a1c809ef44f6672' });
  });
});
