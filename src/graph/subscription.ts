import { Repeater, SlidingBuffer } from '@repeaterjs/repeater';
import type { Resolvers } from '../generated/resolvers.js';
import type { WatchEvent, WatchHub } from '../live/watch-hub.js';
import { decodeId } from '../model/ids.js';
import type { RequestContext } from '../upstreams/request-context.js';

type JobEvent = Exclude<WatchEvent, { type: 'end' }>;

const EVENT_BUFFER = 32;

export function subscriptionResolvers(hub: WatchHub, onActive?: (delta: 1 | -1) => void): Resolvers<RequestContext> {
  return {
    Subscription: {
      jobUpdated: {
        subscribe: (_root, { id }, context) => {
          decodeId(id); // a malformed id is refused now, not after the first poll
          return new Repeater<JobEvent>(async (push, stop) => {
            onActive?.(1);
            const leave = hub.watch(id, context, (event) => {
              if (event.type === 'end') stop();
              else void push(event);
            });
            await stop;
            leave();
            onActive?.(-1);
            // A client too slow to read keeps only the newest events; an unbuffered queue would
            // throw after 1024 waiting pushes, inside the poller that serves everyone else too.
          }, new SlidingBuffer(EVENT_BUFFER)) as unknown as AsyncIterable<JobEvent>;
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
