import { GraphQLError } from 'graphql';
import type { SubscriptionLimits } from '../config.js';

/**
 * Codes of the live layer's own refusals. They are not upstream outcomes, so they stay out of the
 * model's ErrorCode (which the upstream client maps statuses to).
 */
export type LiveErrorCode = 'TOO_MANY_SUBSCRIPTIONS' | 'SUBSCRIBER_TOO_SLOW';

export function liveError(code: LiveErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export type SubscriptionLimitName = 'connection' | 'principal' | 'pollers';

const WHAT: Record<SubscriptionLimitName, (max: number) => string> = {
  connection: (max) => `this connection already has ${max} subscriptions open; end one, or use another connection`,
  principal: (max) => `this caller already has ${max} subscriptions open; end one first`,
  pollers: (max) => `the gateway is already watching as many jobs as it may (${max}); try again later`,
};

/** The refusal of a new subscription: `extensions.limit` says which limit, `extensions.max` its value. */
export function tooManySubscriptions(limit: SubscriptionLimitName, max: number): GraphQLError {
  return liveError('TOO_MANY_SUBSCRIPTIONS', WHAT[limit](max), { limit, max });
}

/**
 * Counts open subscriptions per principal and per connection, refusing one past either limit. One
 * instance per gateway: the counts are of this process's subscribers.
 */
export function createSubscriptionLimits(limits: SubscriptionLimits) {
  const byPrincipal = new Map<string, number>();
  const byConnection = new WeakMap<object, number>();
  return {
    /** Counts one more subscription, or throws TOO_MANY_SUBSCRIPTIONS; returns how to give it back (idempotent). */
    admit(principal: string, connection: object | undefined): () => void {
      const onConnection = connection ? (byConnection.get(connection) ?? 0) : 0;
      if (onConnection >= limits.maxPerConnection) throw tooManySubscriptions('connection', limits.maxPerConnection);
      const ofPrincipal = byPrincipal.get(principal) ?? 0;
      if (ofPrincipal >= limits.maxPerPrincipal) throw tooManySubscriptions('principal', limits.maxPerPrincipal);
      byPrincipal.set(principal, ofPrincipal + 1);
      if (connection) byConnection.set(connection, onConnection + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (byPrincipal.get(principal) ?? 1) - 1;
        if (left > 0) byPrincipal.set(principal, left);
        else byPrincipal.delete(principal);
        if (connection) byConnection.set(connection, (byConnection.get(connection) ?? 1) - 1);
      };
    },
  };
}

export type SubscriptionLimiter = ReturnType<typeof createSubscriptionLimits>;
