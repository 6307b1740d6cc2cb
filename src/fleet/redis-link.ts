import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../server/logger.js';
import type { FleetConfig } from '../config.js';
import type { FleetMetrics } from './metrics.js';

/**
 * The fleet's two Redis connections (commands, and pub/sub, which Redis gives a connection of its
 * own) and whether Redis is usable. Every command is bounded by REDIS_TIMEOUT_MS and fails at once
 * while disconnected (no offline queue), so a request never waits on a Redis that is not there: the
 * callers fall back to in-process behaviour. A change of state is logged once each way.
 */
export interface RedisLink {
  commands: Redis;
  subscriber: Redis;
  /** True while the last thing Redis did was answer. */
  readonly up: boolean;
  /** A command answered: Redis is (back) up. */
  answered(): void;
  /** A command failed or timed out: go on without Redis until it answers again. */
  failed(error: unknown): void;
  /** Key in this deployment's namespace. */
  key(...parts: string[]): string;
  close(): Promise<void>;
}

/** Non-secret and bounded: what the gateway keys by (principal, job) becomes a digest before it reaches Redis. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

const TIMEOUTS_FOR_DOWN = 3;

export function connectRedis(config: FleetConfig, logger: Logger, metrics: FleetMetrics): RedisLink {
  const options: RedisOptions = {
    connectTimeout: Math.max(config.timeoutMs, 1000),
    commandTimeout: config.timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect for ever, at most every 2 s: sharing resumes on its own when Redis is back.
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    // The subscriber re-subscribes itself on 'ready' (watch-coordinator.ts).
    autoResubscribe: false,
    lazyConnect: false,
  };
  const commands = new Redis(config.url, options);
  const subscriber = new Redis(config.url, options);
  // Where Redis is, for the logs, without the password.
  const where = (() => {
    const url = new URL(config.url);
    return `${url.protocol}//${url.host}${url.pathname}`;
  })();
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  // A single slow answer (a busy event loop, a GC pause) is not an outage: that one operation falls
  // back, and Redis counts as down only after several in a row, or when the connection is gone.
  let timeouts = 0;
  // Our own quit at shutdown is not an outage to warn about.
  let closing = false;
  metrics.up.set(0);

  const link: RedisLink = {
    commands,
    subscriber,
    get up() {
      return state === 'up';
    },
    answered() {
      timeouts = 0;
      if (state === 'up') return;
      if (state === 'down')
        logger.info({ redis: where }, 'Redis is back: sharing cache, pollers and rate limits with the other replicas again');
      else logger.info({ redis: where, prefix: config.prefix }, 'fleet mode: connected to Redis');
      state = 'up';
      metrics.up.set(1);
    },
    failed(error) {
      if (state === 'down' || closing) return;
      if (commands.status === 'ready' && /timed out/i.test((error as Error)?.message ?? '') && ++timeouts < TIMEOUTS_FOR_DOWN) return;
      state = 'down';
      metrics.up.set(0);
      logger.warn(
        { redis: where, reason: reasonOf(error) },
        'Redis unavailable: serving from in-process state (cache, pollers, rate limits) until it is back',
      );
    },
    key: (...parts) => config.prefix + parts.join(':'),
    async close() {
      closing = true;
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
  commands.on('ready', () => link.answered());
  commands.on('error', (error) => link.failed(error));
  commands.on('close', () => {
    if (state === 'up') link.failed(new Error('connection closed'));
  });
  // The subscriber's own trouble shows on the command connection too; its errors need a listener all the same.
  subscriber.on('error', () => undefined);
  return link;
}

function reasonOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e?.code ?? e?.message ?? String(error);
}
