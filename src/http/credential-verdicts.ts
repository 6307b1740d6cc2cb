import { LRUCache } from 'lru-cache';
import type { Credential } from './credential.js';

/** The tenant every token the upstream has not accepted yet is counted under (no principal looks like it). */
export const UNVERIFIED = 'unverified';

export interface CredentialVerdictOptions {
  /** How long a credential the upstream rejected (401) is answered locally; 0 turns this off. */
  cooldownMs: number;
  /** Most principals remembered, for each of the two lists. */
  max: number;
}

export interface CredentialVerdicts {
  /** Milliseconds left during which this principal is not sent to `origin` again (0: go ahead). */
  coolingDown(principal: string, origin: string): number;
  /** What the upstream at `origin` answered to this principal's request. */
  heard(principal: string, origin: string, status: number): void;
  /**
   * The bulkhead tenant a call counts under: a token the upstream has accepted is its own tenant;
   * tokens it never accepted (made-up ones, a swarm of them) all share one; the gateway's own
   * AK/SK is one tenant, whoever uses it.
   */
  tenantOf(credential: Credential, principal: string): string;
}

/**
 * What an upstream said about each caller's credential, so that a token it rejected is not sent
 * again for a short while (each would cost an upstream call and a bulkhead slot), and a token it
 * never accepted cannot claim a share of its own. Both lists are bounded and forget with time.
 */
export function createCredentialVerdicts(options: CredentialVerdictOptions): CredentialVerdicts {
  const rejected = options.cooldownMs > 0 ? new LRUCache<string, true>({ max: options.max, ttl: options.cooldownMs }) : undefined;
  // No time limit: an accepted token stays so until it is forgotten (least recently heard of) or the
  // upstream rejects it (an expired token answers 401). Without a TTL, lru-cache needs no clock per call.
  const accepted = new LRUCache<string, true>({ max: options.max });
  const key = (principal: string, origin: string) => `${principal}\n${origin}`;

  return {
    coolingDown(principal, origin) {
      // Asked before every call: skip building the key while nobody is cooling down.
      if (!rejected || rejected.size === 0) return 0;
      const k = key(principal, origin);
      return rejected.has(k) ? Math.max(1, Math.ceil(rejected.getRemainingTTL(k))) : 0;
    },
    heard(principal, origin, status) {
      if (status === 401) {
        rejected?.set(key(principal, origin), true);
        accepted.delete(principal);
      } else if (status >= 200 && status < 500 && status !== 429) {
        // A 404 or 403 comes after authentication: the token is real. 429 and 5xx may come before it.
        accepted.set(principal, true);
      }
    },
    tenantOf(credential, principal) {
      if (credential.kind !== 'token') return principal;
      return accepted.has(principal) ? principal : UNVERIFIED;
    },
  };
}
