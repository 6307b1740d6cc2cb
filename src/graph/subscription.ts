import type { GraphQLError } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import { LatestStream } from '../live/latest-stream.js';
import { closeSubscriber, connectionOf, transportOf } from '../live/subscriber-transport.js';
import { liveError, type SubscriptionLimiter } from '../live/subscription-limits.js';
import type { WatchEvent, WatchHub } from '../live/watch-hub.js';
import { decodeId } from '../model/ids.js';
import type { RequestContext } from './context.js';

type JobEvent = Exclude<WatchEvent, { type: 'end' }> | { type: 'error'; error: GraphQLError };

export interface SubscriptionOptions {
  limits: SubscriptionLimiter;
  /** A subscriber that takes nothing this long while an update waits is closed (SUBSCRIBER_BLOCKED_MS). */
  blockedMs: number;
  onActive?: (delta: 1 | -1) => void;
  /** Told about each subscriber closed for being too slow (for the log). */
  onTooSlow?: (info: { code: 'SUBSCRIBER_TOO_SLOW'; requestId: string; transport: string; blockedMs: number }) => void;
}

export function subscriptionResolvers(hub: WatchHub, options: SubscriptionOptions): Resolvers<RequestContext> {
  const { blockedMs } = options;
  return {
    Subscription: {
      jobUpdated: {
        subscribe: (_root, { id }, context) => {
          decodeId(id); // a malformed id is refused now, not after the first poll
          // Past a limit the subscription is refused here, before a poller or an upstream call exists.
          const release = options.limits.admit(context.call.principal, connectionOf(context));
          let leave = (): void => undefined;
          // The newest state only: a subscriber that cannot keep up gets it when it drains, never a queue.
          const stream = new LatestStream<JobEvent>({
            blockedMs,
            onBlocked: () => {
              const reason = `closed: this subscriber read nothing for ${blockedMs} ms while updates waited`;
              const transport = transportOf(context);
              options.onTooSlow?.({ code: 'SUBSCRIBER_TOO_SLOW', requestId: context.call.requestId, transport: transport.kind, blockedMs });
              closeSubscriber(transport, `SUBSCRIBER_TOO_SLOW: ${reason}`, blockedMs);
              return { type: 'error', error: liveError('SUBSCRIBER_TOO_SLOW', reason, { blockedMs }) };
            },
            onDone: () => {
              leave();
              release();
              options.onActive?.(-1);
            },
          });
          try {
            leave = hub.watch(id, context, (event) => (event.type === 'end' ? stream.end() : stream.push(event)));
          } catch (error) {
            release();
            throw error;
          }
          options.onActive?.(1);
          return stream as AsyncIterable<JobEvent>;
        },
        // Error events surface as this event's error; the stream itself goes on (or ends, after a final one).
        resolve: (event: JobEvent) => {
          if (event.type === 'error') throw event.error;
          return event.job;
        },
      },
    },
  };
}
