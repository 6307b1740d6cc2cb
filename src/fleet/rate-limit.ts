import type { RateLimits } from '../config.js';
import { createLocalThrottle, throttledError, type UpstreamThrottle } from '../http/rate-limit.js';
import type { FleetMetrics } from './metrics.js';
import { digest, type RedisLink } from './redis-link.js';

/**
 * GCRA in one round trip, on Redis's clock (so the replicas' clocks do not matter): the key holds
 * the next free slot (epoch ms); a call takes it and moves it on by the spacing, unless that slot is
 * more than ARGV[2] ms away, in which case nothing is reserved and -1 comes back.
 * KEYS[1] slot key · ARGV[1] spacing ms · ARGV[2] longest wait ms → wait ms, or -1.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing = tonumber(ARGV[1])
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if at < now then at = now end
local wait = at - now
if wait > tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], tostring(at + spacing), 'PX', math.ceil(wait + spacing) + 1000)
return wait
`;

type Reserve = (key: string, spacingMs: number, maxWaitMs: number) => Promise<number>;

/**
 * UPSTREAM_RATE_LIMIT for the whole fleet: one slot sequence per (upstream, principal) in Redis, so
 * N replicas sharing one AK/SK make together at most the configured calls per second. While Redis is
 * unreachable each replica keeps the limit on its own (in-process), and says so in the metrics.
 */
export function fleetThrottle(limits: RateLimits, redis: RedisLink, metrics: FleetMetrics): UpstreamThrottle {
  redis.commands.defineCommand('jobGatewayReserve', { numberOfKeys: 1, lua: RESERVE });
  const reserve = (redis.commands as unknown as { jobGatewayReserve: Reserve }).jobGatewayReserve.bind(redis.commands);
  const local = createLocalThrottle(limits);
  return {
    async delay(service, principal, maxWaitMs) {
      const spacing = limits[service];
      if (spacing === undefined) return 0;
      let wait: number;
      try {
        wait = Number(await reserve(redis.key('rate', service, digest(principal)), spacing, Math.max(0, Math.floor(maxWaitMs))));
        redis.answered();
      } catch (error) {
        redis.failed(error);
        metrics.rateLimit.inc({ service, outcome: 'local' });
        return local.delay(service, principal, maxWaitMs);
      }
      metrics.rateLimit.inc({ service, outcome: wait < 0 ? 'throttled' : wait > 0 ? 'waited' : 'now' });
      if (wait < 0) throw throttledError(service, spacing);
      return wait;
    },
  };
}
