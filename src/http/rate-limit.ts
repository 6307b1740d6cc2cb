import { LRUCache } from 'lru-cache';
import type { RateLimits } from '../config.js';
import type { JobError } from '../model/errors.js';
import { upstreamError } from './error-map.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000 };

/** Throws an Error naming what is wrong; config.ts turns it into a ConfigError. */
export function parseRateLimits(text: string, services: readonly string[]): RateLimits {
  const limits: RateLimits = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*\/\s*([sm])$/.exec(part);
    const service = match?.[1]?.toUpperCase();
    const count = Number(match?.[2]);
    if (!match || !service || !services.includes(service) || !(count > 0)) {
      throw new Error(`expected entries like "CCE=20/s" or "CFW=600/m" (services ${services.join(', ')}), got "${part}"`);
    }
    limits[service] = UNIT_MS[match[3]!]! / count;
  }
  return limits;
}

/**
 * Decides when a principal's next call to an upstream may go out, so that a shared credential stays
 * inside the cloud's API quota. `delay` resolves to how long to wait (0: go now, the slot is taken)
 * or rejects with UPSTREAM_THROTTLED when the call could not go out within `maxWaitMs`.
 */
export interface UpstreamThrottle {
  delay(service: string, principal: string, maxWaitMs: number): Promise<number> | number;
}

/**
 * GCRA (a token bucket of one, as arithmetic): each call reserves the next slot `spacing` ms after
 * the previous one. A slot past the caller's deadline is not reserved, and the call fails at once.
 * Returns the wait, or -1 when refused.
 */
export function reserveSlot(
  previous: number | undefined,
  now: number,
  spacingMs: number,
  maxWaitMs: number,
): { wait: number; next: number } {
  const at = Math.max(previous ?? now, now);
  const wait = at - now;
  return wait > maxWaitMs ? { wait: -1, next: previous ?? now } : { wait, next: at + spacingMs };
}

export function throttledError(service: string, spacingMs: number): JobError {
  const perSecond = Math.round((1000 / spacingMs) * 100) / 100;
  const info = { service, status: null, errorCode: null, requestId: null };
  return upstreamError('UPSTREAM_THROTTLED', info, `UPSTREAM_RATE_LIMIT ${perSecond}/s: no call slot free before the deadline`);
}

/** The limit kept in this process: without Redis, or while it is unreachable. */
export function createLocalThrottle(
  limits: RateLimits,
): UpstreamThrottle & { reserve(service: string, principal: string, maxWaitMs: number): number } {
  // Next free slot per (service, principal); an entry older than its spacing is no different from none.
  const slots = new LRUCache<string, number>({ max: 100_000 });
  const reserve = (service: string, principal: string, maxWaitMs: number): number => {
    const spacing = limits[service];
    if (spacing === undefined) return 0;
    const key = `${service}\n${principal}`;
    const { wait, next } = reserveSlot(slots.get(key), Date.now(), spacing, maxWaitMs);
    if (wait >= 0) slots.set(key, next);
    return wait;
  };
  return {
    reserve,
    delay(service, principal, maxWaitMs) {
      const wait = reserve(service, principal, maxWaitMs);
      if (wait < 0) throw throttledError(service, limits[service]!);
      return wait;
    },
  };
}
