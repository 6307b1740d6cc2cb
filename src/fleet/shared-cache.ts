import type { LocalTerminalJobCache, TerminalJobCache } from '../upstreams/terminal-cache.js';
import type { FleetMetrics } from './metrics.js';
import { digest, type RedisLink } from './redis-link.js';

/**
 * The shape of a cached job model. Bump it whenever a job model (src/upstreams/<name>/map.ts)
 * changes shape: during a rolling deploy, replicas of the old and the new build then keep apart
 * (the version is part of the key, and checked in the value) rather than read each other's jobs.
 * test/unit/fleet-cache-shape.test.ts fails when a model's shape changes and this was not bumped.
 */
export const CACHE_SCHEMA_VERSION = 1;

interface Stored {
  /** Schema version. */
  v: number;
  /** The normalized job model: its own fields only, not the upstream payload it was mapped from. */
  j: object;
}

/**
 * The terminal-job cache as two tiers: the in-process LRU in front (answers at once), Redis behind
 * it, shared by every replica. A terminal job read by one replica is then served by the others to
 * the same principal without an upstream call. The Redis key is a digest of what the in-process key
 * holds (upstream, principal, region, project, job): the principal (itself a hash of the token, or
 * the AK) never reaches Redis as such. Redis being slow or away costs at most REDIS_TIMEOUT_MS and
 * is a miss, never an error.
 */
export function sharedTerminalCache(
  local: LocalTerminalJobCache,
  redis: RedisLink,
  ttlMs: number,
  metrics: FleetMetrics,
): TerminalJobCache {
  const keyOf = (key: string) => redis.key('job', `v${CACHE_SCHEMA_VERSION}`, digest(key));
  // Redis and the local tier both know a principal by its digest: a drop announced by another replica names only that.
  const ownerOf = (owner: string) => redis.key('owner', `v${CACHE_SCHEMA_VERSION}`, owner);
  const drops = redis.key('drop-principal');
  const listen = () => void redis.subscriber.subscribe(drops).catch(() => undefined);
  redis.subscriber.on('ready', listen);
  listen();
  redis.subscriber.on('message', (channel: string, owner: string) => {
    if (channel === drops) local.dropPrincipal(owner);
  });

  async function fromRedis(key: string, owner: string | undefined): Promise<object | undefined> {
    try {
      // One round trip: the value and what is left of its life, which the local copy must not outlive.
      const [[, text], [, left]] = (await redis.commands.multi().get(keyOf(key)).pttl(keyOf(key)).exec()) as [
        [unknown, string | null],
        [unknown, number],
      ];
      redis.answered();
      const job = decode(text);
      metrics.cache.inc({ tier: 'redis', result: job ? 'hit' : 'miss' });
      if (job && left > 0) local.set(key, job, { ttlMs: left, principal: owner });
      return job;
    } catch (error) {
      redis.failed(error);
      metrics.cache.inc({ tier: 'redis', result: 'error' });
      return undefined;
    }
  }

  return {
    get(key, principal) {
      const hit = local.get(key);
      metrics.cache.inc({ tier: 'local', result: hit ? 'hit' : 'miss' });
      return hit ?? fromRedis(key, principal === undefined ? undefined : digest(principal));
    },
    set(key, job, { principal, ttlMs: ttl, shareKey } = {}) {
      const owner = principal === undefined ? undefined : digest(principal);
      local.set(key, job, { principal: owner, ttlMs: ttl, shareKey });
      const value: Stored = { v: CACHE_SCHEMA_VERSION, j: job };
      const write = redis.commands.multi().set(keyOf(key), JSON.stringify(value), 'PX', ttl ?? ttlMs);
      // The principal's index of its entries, so a 401 can drop them for every replica (dropPrincipal).
      if (owner !== undefined) write.sadd(ownerOf(owner), keyOf(key)).pexpire(ownerOf(owner), ttlMs);
      write.exec().then(
        () => redis.answered(),
        (error: unknown) => redis.failed(error),
      );
    },
    /** An upstream rejected this principal: its jobs leave Redis, this replica's tier, and every other replica's. */
    dropPrincipal(principal) {
      const owner = digest(principal);
      local.dropPrincipal(owner);
      redis.commands
        .multi()
        .eval(DROP_OWNED, 1, ownerOf(owner))
        .publish(drops, owner)
        .exec()
        .then(
          () => redis.answered(),
          (error: unknown) => redis.failed(error),
        );
    },
    // A Redis hit is copied into the local tier with what is left of its life, so the local tier knows.
    remainingMs: (key) => local.remainingMs(key),
    get size() {
      return local.size;
    },
  };
}

/** Deletes every entry in a principal's index, and the index: one round trip, atomic. */
const DROP_OWNED = `
local keys = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(keys) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #keys`;

function decode(text: string | null | undefined): object | undefined {
  if (!text) return undefined;
  try {
    const stored = JSON.parse(text) as Partial<Stored>;
    const job = stored.j as { __typename?: unknown; terminal?: unknown } | undefined;
    // Anything else (another version, a damaged value) is a miss: the upstream is asked again.
    if (stored.v !== CACHE_SCHEMA_VERSION || typeof job !== 'object' || job === null) return undefined;
    return typeof job.__typename === 'string' && job.terminal === true ? job : undefined;
  } catch {
    return undefined;
  }
}
