import { randomUUID } from 'node:crypto';
import type { CallContext } from '../http/upstream-client.js';
import { JobError, type ErrorCode } from '../model/errors.js';
import type { RequestContext } from '../upstreams/request-context.js';
import type { JobModel } from '../upstreams/types.js';
import { fingerprint } from './fingerprint.js';
import { tooManySubscriptions } from './subscription-limits.js';

export interface WatchOptions {
  pollIntervalMs: number;
  /** Longest wait between polls while the upstream keeps failing. */
  maxBackoffMs: number;
  /** A watch ends after this long, so forgotten tabs do not poll forever. */
  watchMaxMs: number;
  /** Most pollers (distinct job and principal pairs) at once; a watch that needs one more is refused. */
  maxPollers?: number;
}

export type WatchEvent = { type: 'job'; job: JobModel } | { type: 'error'; error: JobError } | { type: 'end' };
export type WatchListener = (event: WatchEvent) => void;

export interface WatchHubDeps {
  /** Reads the job behind a global id; called with a fresh request context (fresh loaders) each poll. */
  load(id: string, context: RequestContext): Promise<JobModel>;
  /** A request context for one poll, on behalf of the watching principal. */
  newContext(call: CallContext): RequestContext;
  onPollerCount?(delta: 1 | -1): void;
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

  class Poller {
    private readonly listeners = new Set<WatchListener>();
    private last: { fingerprint: string; job: JobModel } | undefined;
    /** An error event went out since the last job: the next good read is sent even if the job did not change. */
    private erred = false;
    private failures = 0;
    private timer: NodeJS.Timeout | undefined;
    private readonly controller = new AbortController();
    private readonly startedAt = Date.now();
    private stopped = false;

    constructor(
      private readonly key: string,
      private readonly id: string,
      private readonly call: Pick<CallContext, 'credential' | 'principal'>,
    ) {
      deps.onPollerCount?.(1);
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

    private async poll(): Promise<void> {
      if (this.stopped) return;
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
        const print = fingerprint(job);
        // After an error event, watchers are told the watch recovered, changed job or not.
        if (this.erred || print !== this.last?.fingerprint) {
          this.erred = false;
          this.last = { fingerprint: print, job };
          this.emit({ type: 'job', job });
        }
        if (job.terminal) return this.finish();
      } catch (error) {
        if (this.stopped) return;
        const jobError = error instanceof JobError ? error : new JobError('UPSTREAM_ERROR', 'reading the job failed');
        // The upstream client has already spent its retries; tell the watchers, then back off.
        this.emit({ type: 'error', error: jobError });
        this.erred = true;
        if (FINAL_CODES.has(jobError.code)) return this.finish();
        this.failures++;
      }
      if (Date.now() - this.startedAt >= options.watchMaxMs) {
        this.emit({
          type: 'error',
          error: new JobError('UPSTREAM_TIMEOUT', `stopped watching after ${options.watchMaxMs} ms; subscribe again to go on`),
        });
        return this.finish();
      }
      const delay = Math.min(options.maxBackoffMs, options.pollIntervalMs * 2 ** this.failures);
      this.timer = setTimeout(() => void this.poll(), delay);
    }

    finish(): void {
      this.emit({ type: 'end' });
      this.stop();
    }

    stop(): void {
      if (this.stopped) return;
      this.stopped = true;
      clearTimeout(this.timer);
      this.controller.abort();
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
        if (options.maxPollers !== undefined && pollers.size >= options.maxPollers) throw tooManySubscriptions('pollers', options.maxPollers);
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
