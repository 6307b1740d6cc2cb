import { parseRateLimits } from './http/rate-limit.js';
import type { JobSource } from './model/job.js';
import { HWC_PUBLIC_REGIONS } from './model/regions.js';
import { checkRegion } from './model/validate.js';
import { PUBLIC_ENDPOINTS } from './upstreams/index.js';

/** From the upstreams' definitions (src/upstreams/<name>/index.ts). */
export { PUBLIC_ENDPOINTS };

export interface Config {
  port: number;
  host: string;
  region: string;
  /** The regions served (HWC_REGIONS); `region` is one of them. */
  regions: string[];
  /** Only the endpoints that were configured. */
  endpoints: Partial<Record<JobSource, string>>;
  /** NODE_ENV=production: safe defaults (no GraphiQL, no introspection, no simulator unless asked). */
  production: boolean;
  /** Serve the built-in simulator for every upstream (SIMULATOR; default: no endpoint set, outside production). */
  simulator: boolean;
  aksk: { ak: string; sk: string; securityToken?: string } | null;
  http: UpstreamHttpSettings;
  cache: CacheConfig;
  maxSubJobDepth: number;
  maxJobIds: number;
  graphiql: boolean;
  /** The job pages at /jobs (JOB_PAGES); by default on exactly when GraphiQL is. */
  jobPages: boolean;
  introspection: boolean;
  /** `_service { sdl }` answers (SUBGRAPH_SDL; default: the introspection setting). */
  subgraphSdl: boolean;
  /** A second port serving only /metrics, /health and /ready; undefined: /metrics on the main port. */
  metricsPort: number | undefined;
  limits: QueryLimits;
  maxBodyBytes: number;
  /** Largest answer sent (use-response-limit.ts). */
  maxResponseBytes: number;
  /** Estimated bytes each document cache (parsed documents, parse errors, prepared operations) may hold. */
  documentCacheBytes: number;
  /** What the per-principal answer cache may hold (src/server/answer-cache.ts); 0 turns it off. */
  answerCacheBytes: number;
  logLevel: string;
  /** json (one object per line) or pretty (pino-pretty, a development dependency). */
  logFormat: 'json' | 'pretty';
  watch: WatchOptions;
  /** Automatic persisted queries (the Apollo protocol): a bounded store of hash → query text. */
  apq: { enabled: boolean; maxEntries: number; maxBytes: number };
  /** PERSISTED_DOCUMENTS: the trusted documents manifest, and whether only its documents may run. */
  persistedDocuments: { path: string; trustedOnly: boolean } | null;
  /** Web origins allowed cross-origin access (CORS, WebSocket); empty: none but the gateway's own. */
  corsOrigins: string[];
  /** Per-connection and per-principal subscription limits, and when a subscriber that stopped reading is closed. */
  subscriptions: SubscriptionLimits & { blockedMs: number };
  /** node:http timeouts, the connection cap and the shutdown drain deadline. */
  server: HttpServerOptions;
  /** REDIS_URL set: replicas share the terminal cache, pollers and rate limits through Redis (src/fleet). */
  fleet: FleetConfig | null;
  /** UPSTREAM_RATE_LIMIT: spacing between calls per upstream and principal (fleet-wide with Redis). */
  rateLimits: RateLimits | null;
}

// The settings of each part, read from the environment below. They are defined here, at the bottom
// of the import graph, and the modules that use them import them from here.

export interface UpstreamHttpSettings {
  /** Whole-request deadline, retries and queueing included. */
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
  /** Connections per upstream host; also the bulkhead's concurrency. */
  connections: number;
  /** Calls allowed to wait for a connection before new ones fail fast. */
  queueSize: number;
  maxBytes: number;
  breaker: {
    threshold: number;
    windowMs: number;
    minRequests: number;
    halfOpenAfterMs: number;
    /** Outcomes of one GraphQL request each circuit counts at most (src/http/breaker-votes.ts). */
    samplesPerRequest: number;
  };
  /** Upstream hosts (base URLs) with a pool, breaker and bulkhead at once, per service (src/http/origin-pool.ts). */
  maxOrigins: number;
  /** Upstream calls one GraphQL request may make, retries and follow-up reads included (src/http/call-budget.ts). */
  callsPerRequest: number;
  /** The fraction of a host's connections one principal may hold at once (src/http/fair-bulkhead.ts). */
  principalShare: number;
  /** How long a credential the upstream rejected (401) is answered locally; 0 turns it off (src/http/credential-verdicts.ts). */
  authCooldownMs: number;
  /** Principals remembered per service for the cool-down and for fair shares. */
  principalsMax: number;
}

export interface CacheConfig {
  maxEntries: number;
  /** What the cached job models may hold in all, as their JSON size (CACHE_MAX_BYTES). */
  maxBytes: number;
  ttlMs: number;
}

/** How many entries the lists without a size argument are taken to have (see the README). */
export interface CostEstimates {
  /** Entries of one `cceJobs` list (CCE's v2 list has no paging: a whole project's jobs). */
  cceJobs: number;
  /** Jobs in one job's whole sub-job tree, all levels together. */
  subJobs: number;
}

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** The list sizes the cost model assumes where a request does not say (src/server/use-cost-limit.ts). */
  costEstimates: CostEstimates;
}

export interface WatchOptions {
  pollIntervalMs: number;
  /** Longest wait between polls while the upstream keeps failing. */
  maxBackoffMs: number;
  /** A watch ends after this long, so forgotten tabs do not poll forever. */
  watchMaxMs: number;
  /** Most pollers (distinct job and principal pairs) at once; a watch that needs one more is refused. */
  maxPollers?: number;
}

export interface SubscriptionLimits {
  /** Open subscriptions on one WebSocket connection. */
  maxPerConnection: number;
  /** Open subscriptions of one principal, over every connection and transport. */
  maxPerPrincipal: number;
}

export interface HttpServerOptions {
  /** Longest time to receive a request's headers (HTTP_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** Longest time to receive a whole request, body included (HTTP_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open (HTTP_KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** Open connections (WebSockets included); more are closed as soon as they connect (HTTP_MAX_CONNECTIONS). */
  maxConnections: number;
  /** After SIGTERM, how long open connections may take to finish before they are cut (DRAIN_TIMEOUT_MS). */
  drainTimeoutMs: number;
}

export interface FleetConfig {
  /** redis:// or rediss://, credentials in the URL; never logged. */
  url: string;
  /** Namespace of every key and channel, so deployments can share one Redis. */
  prefix: string;
  /** Longest wait for any one Redis command before the gateway goes on without it. */
  timeoutMs: number;
}

/** Parses CORS_ORIGINS: origins separated by commas or spaces, each exactly scheme://host[:port]. */
export function parseOrigins(value: string | undefined): string[] | Error {
  if (value === undefined) return [];
  const origins: string[] = [];
  for (const entry of value.split(/[\s,]+/).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return new Error(`"${entry}" is not an origin like https://app.example.com`);
    }
    // `*` and paths are refused: the list is exact, so nothing can match more than was meant.
    const exact = url.origin === entry.replace(/\/$/, '') && !entry.includes('*');
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !exact) {
      return new Error(`"${entry}" is not an origin like https://app.example.com (scheme, host and port only)`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/**
 * UPSTREAM_RATE_LIMIT: the most calls per second (or minute) each credential may make to an
 * upstream, e.g. `CCE=20/s,CAE=10/s`. Parsed into the spacing between two calls, in ms.
 */
export type RateLimits = Record<string, number>;

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

/** A fraction in (0, 1]: 1 means "all of it". */
function share(env: Env, name: string, fallback: number): number {
  const v = set(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new ConfigError(`${name} must be a number in (0, 1], got "${v}"`);
  return n;
}

/** HWC_REGIONS: region ids separated by commas or spaces; the public regions when unset. */
function regionList(env: Env, name: string, fallback: readonly string[]): string[] {
  const v = set(env, name);
  if (v === undefined) return [...fallback];
  const regions = [...new Set(v.split(/[\s,]+/).filter((r) => r !== ''))];
  for (const r of regions) {
    try {
      checkRegion(r);
    } catch {
      throw new ConfigError(`${name} must list regions like "cn-north-4", separated by commas, got "${r}"`);
    }
  }
  return regions;
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

function serverOptions(env: Env): HttpServerOptions {
  const headersTimeoutMs = int(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  // node:http refuses a header timeout longer than the whole request's.
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxConnections: int(env, 'HTTP_MAX_CONNECTIONS', 4096, 1, 1_000_000),
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT_MS', 15_000, 0, 600_000),
  };
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
  const regions = regionList(env, 'HWC_REGIONS', HWC_PUBLIC_REGIONS);
  if (!regions.includes(region)) throw new ConfigError(`HWC_REGION "${region}" must be one of HWC_REGIONS`);
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
  const corsOrigins = parseOrigins(set(env, 'CORS_ORIGINS'));
  if (corsOrigins instanceof Error) throw new ConfigError(`CORS_ORIGINS: ${corsOrigins.message}`);
  const production = set(env, 'NODE_ENV') === 'production';
  const simulator = simulatorMode(env, endpoints, production);
  const introspection = bool(env, 'INTROSPECTION', !production);
  const metricsPort = set(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  const config = withTrustedDocuments(env, {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: set(env, 'HOST') ?? '0.0.0.0',
    region,
    regions,
    endpoints,
    production,
    simulator,
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
        samplesPerRequest: int(env, 'BREAKER_SAMPLES_PER_REQUEST', 1, 1, 1_000_000),
      },
      maxOrigins: int(env, 'UPSTREAM_MAX_ORIGINS', 64, 1, 100_000),
      callsPerRequest: int(env, 'UPSTREAM_CALLS_PER_REQUEST', 250, 1, 1_000_000),
      principalShare: share(env, 'UPSTREAM_PRINCIPAL_SHARE', 0.5),
      authCooldownMs: int(env, 'UPSTREAM_AUTH_COOLDOWN_MS', 5_000, 0, 3_600_000),
      principalsMax: int(env, 'UPSTREAM_PRINCIPALS_MAX', 10_000, 1, 10_000_000),
    },
    cache: {
      maxEntries: int(env, 'CACHE_MAX_ENTRIES', 10_000, 0, 10_000_000),
      maxBytes: int(env, 'CACHE_MAX_BYTES', 32 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
      ttlMs: int(env, 'CACHE_TTL_MS', 5 * 60_000, 1, 7 * 24 * 3_600_000),
    },
    maxSubJobDepth: int(env, 'UPSTREAM_MAX_DEPTH', 32, 1, 1000),
    maxJobIds: int(env, 'MAX_JOB_IDS', 100, 1, 10_000),
    graphiql: bool(env, 'GRAPHIQL', !production),
    introspection,
    subgraphSdl: bool(env, 'SUBGRAPH_SDL', introspection),
    metricsPort,
    limits: {
      maxDepth: int(env, 'MAX_DEPTH', 16, 1, 1000),
      maxAliases: int(env, 'MAX_ALIASES', 30, 0, 100_000),
      maxTokens: int(env, 'MAX_TOKENS', 2000, 10, 1_000_000),
      maxDirectives: int(env, 'MAX_DIRECTIVES', 20, 0, 100_000),
      maxCost: int(env, 'MAX_COST', 20_000, 1, 100_000_000),
      costEstimates: {
        cceJobs: int(env, 'COST_CCE_JOBS_ESTIMATE', 20, 1, 1_000_000),
        subJobs: int(env, 'COST_SUB_JOBS_ESTIMATE', 10, 1, 1_000_000),
      },
    },
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 256 * 1024, 1024, 100 * 1024 * 1024),
    maxResponseBytes: int(env, 'MAX_RESPONSE_BYTES', 2 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    documentCacheBytes: int(env, 'DOCUMENT_CACHE_BYTES', 32 * 1024 * 1024, 64 * 1024, 4 * 1024 * 1024 * 1024),
    answerCacheBytes: int(env, 'ANSWER_CACHE_BYTES', 4 * 1024 * 1024, 0, 4 * 1024 * 1024 * 1024),
    watch: {
      pollIntervalMs: int(env, 'POLL_INTERVAL_MS', 2000, 10, 3_600_000),
      maxBackoffMs: int(env, 'POLL_MAX_BACKOFF_MS', 30_000, 10, 3_600_000),
      watchMaxMs: int(env, 'WATCH_MAX_MS', 30 * 60_000, 100, 7 * 24 * 3_600_000),
      maxPollers: int(env, 'MAX_POLLERS', 1000, 1, 1_000_000),
    },
    corsOrigins,
    subscriptions: {
      maxPerConnection: int(env, 'MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 1_000_000),
      maxPerPrincipal: int(env, 'MAX_SUBSCRIPTIONS_PER_PRINCIPAL', 500, 1, 1_000_000),
      blockedMs: int(env, 'SUBSCRIBER_BLOCKED_MS', 30_000, 100, 3_600_000),
    },
    server: serverOptions(env),
    fleet: fleetConfig(env),
    rateLimits: rateLimits(env, 'UPSTREAM_RATE_LIMIT'),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    logFormat: oneOf(env, 'LOG_FORMAT', 'json', ['json', 'pretty']) as 'json' | 'pretty',
    apq: {
      enabled: bool(env, 'APQ', true),
      maxEntries: int(env, 'APQ_MAX_ENTRIES', 1_000, 1, 1_000_000),
      maxBytes: int(env, 'APQ_MAX_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    },
    persistedDocuments: null,
  });
  // The job pages are browser tooling like GraphiQL: they follow its setting (production included) unless set.
  return { ...config, jobPages: bool(env, 'JOB_PAGES', config.graphiql) };
}

/**
 * PERSISTED_DOCUMENTS and TRUSTED_DOCUMENTS_ONLY. Locked to its manifest, the gateway also hides
 * GraphiQL and introspection unless GRAPHIQL / INTROSPECTION are set explicitly, and takes no
 * automatic persisted queries (they would let any text in).
 */
function withTrustedDocuments(env: Env, config: Omit<Config, 'jobPages'>): Omit<Config, 'jobPages'> {
  const path = set(env, 'PERSISTED_DOCUMENTS');
  const trustedOnly = bool(env, 'TRUSTED_DOCUMENTS_ONLY', false);
  if (trustedOnly && path === undefined) throw new ConfigError('TRUSTED_DOCUMENTS_ONLY=true needs PERSISTED_DOCUMENTS (the manifest path)');
  if (path === undefined) return config;
  if (!trustedOnly) return { ...config, persistedDocuments: { path, trustedOnly } };
  return {
    ...config,
    persistedDocuments: { path, trustedOnly },
    graphiql: set(env, 'GRAPHIQL') === undefined ? false : config.graphiql,
    introspection: set(env, 'INTROSPECTION') === undefined ? false : config.introspection,
    apq: { ...config.apq, enabled: false },
  };
}

const ENDPOINT_NAMES = Object.keys(PUBLIC_ENDPOINTS).map((source) => `${source}_ENDPOINT`);

/**
 * Whether to serve the built-in simulator. Without any endpoint that is the friendly default for a
 * first `npm start`, but a production deployment that forgot its endpoints must not serve made-up
 * job states and report ready: there it takes an explicit SIMULATOR=true.
 */
function simulatorMode(env: Env, endpoints: Partial<Record<JobSource, string>>, production: boolean): boolean {
  const none = Object.keys(endpoints).length === 0;
  const simulator = bool(env, 'SIMULATOR', none && !production);
  if (simulator && !none) {
    throw new ConfigError(
      `SIMULATOR=true serves simulated data for every upstream; unset ${Object.keys(endpoints)
        .map((s) => `${s}_ENDPOINT`)
        .join(', ')} or SIMULATOR`,
    );
  }
  if (!simulator && none) {
    const why = production
      ? 'NODE_ENV=production and no upstream endpoint is configured'
      : 'SIMULATOR=false and no upstream endpoint is configured';
    throw new ConfigError(
      `${why}: set ${ENDPOINT_NAMES.join(', ')} (e.g. ${PUBLIC_ENDPOINTS.CCE}), or SIMULATOR=true to serve the built-in simulator's made-up data on purpose`,
    );
  }
  return simulator;
}

function fleetConfig(env: Env): FleetConfig | null {
  const url = redisUrl(env, 'REDIS_URL');
  const prefix = set(env, 'REDIS_PREFIX') ?? 'job-gateway:';
  if (!/^[\x21-\x7e]{1,64}$/.test(prefix))
    throw new ConfigError(`REDIS_PREFIX must be 1 to 64 printable characters without spaces, got "${prefix}"`);
  const timeoutMs = int(env, 'REDIS_TIMEOUT_MS', 250, 10, 60_000);
  return url ? { url, prefix, timeoutMs } : null;
}
