import { randomUUID } from 'node:crypto';
import type { WatchOptions as WatchSettings } from '../config.js';
import { systemClock, type Clock } from '../http/clock.js';
import type { CallContext } from '../http/upstream-client.js';
import { JobError, type ErrorCode } from '../model/errors.js';
import type { RequestContext } from '../graph/context.js';
import type { JobModel } from '../upstreams/types.js';
import { fingerprint } from './fingerprint.js';
import { tooManySubscriptions } from './subscription-limits.js';

export interface WatchOptions extends WatchSettings {
  /** Timers for polls, backoff and the watch's end; the process's own by default (tests inject theirs). */
  clock?: Clock | undefined;
}

export type WatchEvent = { type: 'job'; job: JobModel } | { type: 'error'; error: JobError } | { type: 'end' };
export type WatchListener = (event: WatchEvent) => void;

export interface WatchHubDeps {
  /** Reads the job behind a global id; called with a fresh request context (fresh loaders) each poll. */
  load(id: string, context: RequestContext): Promise<JobModel>;
  /** A request context for one poll, on behalf of the watching principal. */
  newContext(call: CallContext): RequestContext;
  onPollerCount?(delta: 1 | -1): void;
  /** Shares one poller per key across replicas (src/fleet); absent, this process polls for its own subscribers. */
  coordinator?: WatchCoordinator;
}

/** What one replica's watch of a key offers the fleet: a way to hear the fleet's poller, and to be told to poll. */
export interface WatchPeer {
  /** A job or error event for this replica's subscribers (from its own poll or another replica's); sent on at most once. */
  receive(event: Exclude<WatchEvent, { type: 'end' }>): void;
  /** This replica just became the key's poller: poll now rather than at the next tick. */
  pollNow(): void;
}

export interface WatchLink {
  /** Whether this replica calls the upstream for the key now (it holds the fleet's lease, or the fleet is unreachable). */
  polls(): boolean;
  /** Hands a poll's result to the fleet, which sends it back to this replica's `receive` (and every other's) once. */
  publish(event: Exclude<WatchEvent, { type: 'end' }>): Promise<void>;
  leave(): void;
}

export interface WatchCoordinator {
  join(key: string, peer: WatchPeer): WatchLink;
}

// These will not change by asking again: the watch ends with them.
const FINAL_CODES = new Set<ErrorCode>(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED', 'BAD_USER_INPUT']);

/**
 * One poller per (job, principal), however many subscribers watch it: 500 tabs on one job cost one
 * upstream call per interval. Principals never share a poller (each polls with its own credential),
 * and a poller stops as soon as its last subscriber leaves.
 */
export function createWatchHub(options: WatchOptions, deps: WatchHubDeps) {
  const pollers = new Map<string, Poller>();
  const clock = options.clock ?? systemClock;
  // Handed to the clock with the poller as its argument: no closure per poll.
  const pollAgain = (poller: Poller): void => void poller.poll();

  class Poller {
    private readonly listeners = new Set<WatchListener>();
    private last: { fingerprint: string; job: JobModel } | undefined;
    /** An error event went out since the last job: the next good read is sent even if the job did not change. */
    private erred = false;
    private failures = 0;
    private timer: unknown;
    private readonly controller = new AbortController();
    private readonly startedAt = clock.now();
    private stopped = false;
    private polling = false;
    private readonly link: WatchLink | undefined;

    constructor(
      private readonly key: string,
      private readonly id: string,
      private readonly call: Pick<CallContext, 'credential' | 'principal'>,
    ) {
      deps.onPollerCount?.(1);
      this.link = deps.coordinator?.join(key, { receive: (event) => this.receive(event), pollNow: () => this.pollNow() });
      void this.poll();
    }

    add(listener: WatchListener): void {
      this.listeners.add(listener);
      // A late subscriber sees the job at once rather than at the next change.
      if (this.last) listener({ type: 'job', job: this.last.job });
    }

    remove(listener: WatchListener): void {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    }

    private emit(event: WatchEvent): void {
      for (const listener of [...this.listeners]) listener(event);
    }

    private pollNow(): void {
      if (this.stopped || this.polling) return;
      clock.clearTimeout(this.timer);
      void this.poll();
    }

    async poll(): Promise<void> {
      if (this.stopped) return;
      // In a fleet only the replica holding this key's lease calls the upstream; the others hear its results.
      if (this.link && !this.link.polls()) return this.next(options.pollIntervalMs);
      this.polling = true;
      // A fresh context each time: loader caches must not serve the previous poll's answer.
      const context = deps.newContext({
        ...this.call,
        requestId: `watch-${randomUUID()}`,
        signal: this.controller.signal,
        stats: { upstreamCalls: 0 },
      });
      try {
        const job = await deps.load(this.id, context);
        if (this.stopped) return;
        this.failures = 0;
        // After an error event, watchers are told the watch recovered, changed job or not.
        if (this.erred || fingerprint(job) !== this.last?.fingerprint) await this.share({ type: 'job', job });
        if (job.terminal && !this.link) return this.finish();
      } catch (error) {
        if (this.stopped) return;
        const jobError = error instanceof JobError ? error : new JobError('UPSTREAM_ERROR', 'reading the job failed');
        // The upstream client has already spent its retries; tell the watchers, then back off.
        await this.share({ type: 'error', error: jobError });
        this.failures++;
      } finally {
        this.polling = false;
      }
      if (this.stopped) return;
      this.next(Math.min(options.maxBackoffMs, options.pollIntervalMs * 2 ** this.failures));
    }

    private next(delay: number): void {
      if (clock.now() - this.startedAt >= options.watchMaxMs) {
        this.emit({
          type: 'error',
          error: new JobError('UPSTREAM_TIMEOUT', `stopped watching after ${options.watchMaxMs} ms; subscribe again to go on`),
        });
        this.finish();
        return;
      }
      this.timer = clock.setTimeout(pollAgain, delay, this);
    }

    /** A poll's result: to this replica's subscribers, or through the fleet, which sends it back here once. */
    private async share(event: Exclude<WatchEvent, { type: 'end' }>): Promise<void> {
      if (this.link) await this.link.publish(event);
      else this.receive(event);
    }

    /** A job or error for the subscribers, from this replica's poll or the fleet's poller. */
    private receive(event: Exclude<WatchEvent, { type: 'end' }>): void {
      if (this.stopped) return;
      if (event.type === 'error') {
        this.emit(event);
        this.erred = true;
        if (FINAL_CODES.has(event.error.code)) this.finish();
        return;
      }
      const print = fingerprint(event.job);
      if (!this.erred && print === this.last?.fingerprint) return; // told already
      this.erred = false;
      this.last = { fingerprint: print, job: event.job };
      this.emit(event);
      if (event.job.terminal) this.finish();
    }

    /** Ends the watch for every subscriber (terminal job, final error, or the hub closing). */
    finish(): void {
      if (this.stopped) return;
      this.emit({ type: 'end' });
      this.stop();
    }

    stop(): void {
      if (this.stopped) return;
      this.stopped = true;
      clock.clearTimeout(this.timer);
      this.controller.abort();
      this.link?.leave();
      this.listeners.clear();
      if (pollers.get(this.key) === this) pollers.delete(this.key);
      deps.onPollerCount?.(-1);
    }
  }

  return {
    /** Starts (or joins) the watch of `id` for the caller in `context`; returns how to leave it. */
    watch(id: string, context: RequestContext, listener: WatchListener): () => void {
      const key = `${context.call.principal}\n${id}`;
      let poller = pollers.get(key);
      if (!poller) {
        // Refused before any upstream call: every poller costs a call per interval for as long as it runs.
        if (options.maxPollers !== undefined && pollers.size >= options.maxPollers)
          throw tooManySubscriptions('pollers', options.maxPollers);
        poller = new Poller(key, id, { credential: context.call.credential, principal: context.call.principal });
        pollers.set(key, poller);
      }
      const joined = poller;
      joined.add(listener);
      return () => joined.remove(listener);
    },
    get size(): number {
      return pollers.size;
    },
    /** Ends every watch: subscribers get the end of their stream (SSE `complete`, graphql-ws `complete`). */
    close(): void {
      for (const poller of [...pollers.values()]) poller.finish();
    },
  };
}

export type WatchHub = ReturnType<typeof createWatchHub>;
