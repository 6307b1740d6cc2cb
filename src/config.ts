import type { FleetConfig } from './fleet/types.js';
import { parseRateLimits, type RateLimits } from './http/rate-limit.js';
import type { HttpConfig } from './http/upstream-client.js';
import type { JobSource } from './model/job.js';
import { checkRegion } from './model/validate.js';
import type { WatchOptions } from './live/watch-hub.js';
import type { QueryLimits } from './server/use-query-limits.js';
import type { CacheConfig } from './upstreams/terminal-cache.js';

export const PUBLIC_ENDPOINTS: Record<JobSource, string> = {
  CCE: 'https://cce.{region}.myhuaweicloud.com',
  CAE: 'https://cae.{region}.myhuaweicloud.com',
  CFW: 'https://cfw.{region}.myhuaweicloud.com',
  DB: 'https://rds.{region}.myhuaweicloud.com',
};

export interface Config {
  port: number;
  host: string;
  region: string;
  /** Only the endpoints that were configured; none at all means "serve the simulator". */
  endpoints: Partial<Record<JobSource, string>>;
  aksk: { ak: string; sk: string; securityToken?: string } | null;
  http: HttpConfig;
  cache: CacheConfig;
  maxSubJobDepth: number;
  maxJobIds: number;
  graphiql: boolean;
  introspection: boolean;
  limits: QueryLimits;
  maxBodyBytes: number;
  logLevel: string;
  watch: WatchOptions;
  /** REDIS_URL set: replicas share the terminal cache, pollers and rate limits through Redis (src/fleet). */
  fleet: FleetConfig | null;
  /** UPSTREAM_RATE_LIMIT: spacing between calls per upstream and principal (fleet-wide with Redis). */
  rateLimits: RateLimits | null;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function set(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = set(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  }
  return Number(v);
}

function ratio(env: Env, name: string, fallback: number): number {
  const v = set(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  // Open interval: cockatiel's SamplingBreaker throws on a threshold of 1, which would fail every upstream call.
  if (!(n > 0 && n < 1)) throw new ConfigError(`${name} must be a number in (0, 1), got "${v}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = set(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${v}"`);
}

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const v = set(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (!allowed.includes(v)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v;
}

function endpoint(env: Env, name: string): string | undefined {
  const v = set(env, name);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v.replaceAll('{region}', 'cn-north-4'));
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL (optionally with {region}), got "${v}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got "${v}"`);
  if (url.search || url.hash) throw new ConfigError(`${name} must not have a query or fragment`);
  return v.replace(/\/+$/, '');
}

function redisUrl(env: Env, name: string): string | undefined {
  const v = set(env, name);
  if (v === undefined) return undefined;
  let ok = false;
  try {
    const url = new URL(v);
    ok = (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    ok = false;
  }
  // Never echo the value: it may hold a password.
  if (!ok) throw new ConfigError(`${name} must be a redis://[user:password@]host[:port][/db] or rediss:// URL`);
  return v;
}

function rateLimits(env: Env, name: string): RateLimits | null {
  const v = set(env, name);
  if (v === undefined) return null;
  try {
    return parseRateLimits(v, Object.keys(PUBLIC_ENDPOINTS));
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/** Reads and checks every setting at start-up, so a typo stops the gateway with the variable's name. */
export function loadConfig(env: Env = process.env): Config {
  const region = set(env, 'HWC_REGION') ?? 'cn-north-4';
  try {
    checkRegion(region);
  } catch {
    throw new ConfigError(`HWC_REGION must look like "cn-north-4", got "${region}"`);
  }
  const ak = set(env, 'CLOUD_SDK_AK');
  const sk = set(env, 'CLOUD_SDK_SK');
  if ((ak === undefined) !== (sk === undefined)) throw new ConfigError('CLOUD_SDK_AK and CLOUD_SDK_SK must be set together');
  const securityToken = set(env, 'CLOUD_SDK_SECURITY_TOKEN');
  const endpoints: Partial<Record<JobSource, string>> = {};
  for (const source of Object.keys(PUBLIC_ENDPOINTS) as JobSource[]) {
    const value = endpoint(env, `${source}_ENDPOINT`);
    if (value) endpoints[source] = value;
  }
  const connections = int(env, 'UPSTREAM_CONNECTIONS', 32, 1, 1024);
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: set(env, 'HOST') ?? '0.0.0.0',
    region,
    endpoints,
    aksk: ak && sk ? { ak, sk, ...(securityToken ? { securityToken } : {}) } : null,
    http: {
      timeoutMs: int(env, 'UPSTREAM_TIMEOUT_MS', 10_000, 1, 600_000),
      retries: int(env, 'UPSTREAM_RETRIES', 2, 0, 10),
      retryBaseMs: int(env, 'UPSTREAM_RETRY_BASE_MS', 100, 1, 60_000),
      retryMaxDelayMs: int(env, 'UPSTREAM_RETRY_MAX_DELAY_MS', 2_000, 1, 600_000),
      connections,
      queueSize: int(env, 'UPSTREAM_QUEUE', connections * 8, 0, 100_000),
      maxBytes: int(env, 'UPSTREAM_MAX_BYTES', 5 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      breaker: {
        threshold: ratio(env, 'BREAKER_FAILURE_RATIO', 0.5),
        windowMs: int(env, 'BREAKER_WINDOW_MS', 10_000, 1000, 3_600_000),
        minRequests: int(env, 'BREAKER_MIN_REQUESTS', 20, 1, 1_000_000),
        halfOpenAfterMs: int(env, 'BREAKER_HALF_OPEN_AFTER_MS', 5_000, 1, 3_600_000),
      },
    },
    cache: {
      maxEntries: int(env, 'CACHE_MAX_ENTRIES', 10_000, 0, 10_000_000),
      ttlMs: int(env, 'CACHE_TTL_MS', 5 * 60_000, 1, 7 * 24 * 3_600_000),
    },
    maxSubJobDepth: int(env, 'UPSTREAM_MAX_DEPTH', 32, 1, 1000),
    maxJobIds: int(env, 'MAX_JOB_IDS', 100, 1, 10_000),
    graphiql: bool(env, 'GRAPHIQL', true),
    introspection: bool(env, 'INTROSPECTION', true),
    limits: {
      maxDepth: int(env, 'MAX_DEPTH', 16, 1, 1000),
      maxAliases: int(env, 'MAX_ALIASES', 30, 0, 100_000),
      maxTokens: int(env, 'MAX_TOKENS', 2000, 10, 1_000_000),
      maxDirectives: int(env, 'MAX_DIRECTIVES', 20, 0, 100_000),
      maxCost: int(env, 'MAX_COST', 20_000, 1, 100_000_000),
    },
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 256 * 1024, 1024, 100 * 1024 * 1024),
    watch: {
      pollIntervalMs: int(env, 'POLL_INTERVAL_MS', 2000, 10, 3_600_000),
      maxBackoffMs: int(env, 'POLL_MAX_BACKOFF_MS', 30_000, 10, 3_600_000),
      watchMaxMs: int(env, 'WATCH_MAX_MS', 30 * 60_000, 100, 7 * 24 * 3_600_000),
    },
    fleet: fleetConfig(env),
    rateLimits: rateLimits(env, 'UPSTREAM_RATE_LIMIT'),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  };
}

function fleetConfig(env: Env): FleetConfig | null {
  const url = redisUrl(env, 'REDIS_URL');
  const prefix = set(env, 'REDIS_PREFIX') ?? 'job-gateway:';
  if (!/^[\x21-\x7e]{1,64}$/.test(prefix)) throw new ConfigError(`REDIS_PREFIX must be 1 to 64 printable characters without spaces, got "${prefix}"`);
  const timeoutMs = int(env, 'REDIS_TIMEOUT_MS', 250, 10, 60_000);
  return url ? { url, prefix, timeoutMs } : null;
}
