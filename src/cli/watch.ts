/**
 * `job-gateway watch <global id>`: follows a job until it ends, for people at a terminal and for
 * CI pipelines that must wait for a job and fail when it fails.
 *
 * Exit codes: 0 SUCCEEDED or SKIPPED, 1 FAILED or CANCELLED, 2 usage or connection error (a bad or
 * unknown id, a refused token, an unreachable gateway), 3 --timeout reached.
 */
import { parseArgs } from 'node:util';
import { watchJob } from '../job-view/client.js';
import type { GraphQLErrorShape, JobNode } from '../job-view/document.js';
import { formatDuration } from '../job-view/timeline.js';
import { errorText, finalText, jsonDisplay, plainDisplay, ttyDisplay, type Display } from './display.js';

export const EXIT = { OK: 0, JOB_FAILED: 1, USAGE: 2, TIMEOUT: 3 } as const;

export const WATCH_USAGE = `usage: job-gateway watch <global id> [--url URL] [--token TOKEN] [--timeout DURATION] [--json]

Follows a job (and its sub-jobs) until it ends.

  --url URL           the gateway's GraphQL endpoint (default $JOB_GATEWAY_URL or http://localhost:4000/graphql)
  --token TOKEN       sent as X-Auth-Token (default $HWC_TOKEN; none: the gateway's own credentials)
  --timeout DURATION  give up after this long, e.g. 90s, 30m, 2h (default: wait as long as it takes)
  --json              one JSON object per line for each change, then one {"type":"end"} line

Exit codes: 0 SUCCEEDED or SKIPPED, 1 FAILED or CANCELLED, 2 usage or connection error, 3 timeout.`;

/** Ends of the stream that asking again can fix: the gateway gave up polling for now. */
const TRANSIENT_CODES = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_ERROR']);
/** Times in a row the stream may end without news before the watch gives up. */
const MAX_EMPTY_RESUBSCRIBES = 3;

export interface WatchArgs {
  id: string;
  url: string;
  token: string | undefined;
  timeoutMs: number | undefined;
  json: boolean;
}

export class UsageError extends Error {}

/** `500ms`, `90s`, `30m`, `2h`, `1d`; a bare number is seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--timeout must look like 90s, 30m or 2h, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  if (!(ms > 0) || ms > 2_147_483_647) throw new UsageError(`--timeout must be more than 0 and at most 24 days, got "${text}"`);
  return ms;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { url: { type: 'string' }, token: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function parseWatchArgs(args: string[], env: NodeJS.ProcessEnv): WatchArgs {
  const parsed = parseOptions(args);
  const [id, ...extra] = parsed.positionals;
  if (!id?.trim()) throw new UsageError('give the global id of the job to watch');
  if (extra.length > 0) throw new UsageError(`one job id only; unexpected ${extra.map((e) => `"${e}"`).join(' ')}`);
  const url = parsed.values.url ?? env.JOB_GATEWAY_URL ?? 'http://localhost:4000/graphql';
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  const token = parsed.values.token ?? (env.HWC_TOKEN?.trim() || undefined);
  return {
    id: id.trim(),
    url,
    token,
    timeoutMs: parsed.values.timeout === undefined ? undefined : parseDuration(parsed.values.timeout),
    json: parsed.values.json ?? false,
  };
}

export interface WatchIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

function displayFor(args: WatchArgs, io: WatchIo): { display: Display; tick?: () => void } {
  if (args.json) return { display: jsonDisplay(io.stdout) };
  if (!io.stdout.isTTY) return { display: plainDisplay(io.stdout, io.stderr) };
  const tty = ttyDisplay(io.stdout, {
    columns: () => io.stdout.columns ?? 100,
    color: !io.env.NO_COLOR && io.stdout.hasColors?.() !== false,
    url: args.url,
  });
  return { display: tty, tick: () => tty.tick() };
}

const exitFor = (job: JobNode): number => (job.state === 'SUCCEEDED' || job.state === 'SKIPPED' ? EXIT.OK : EXIT.JOB_FAILED);

/** Watches until the job ends (or the watch cannot go on); resolves to the exit code. */
export function watch(args: WatchArgs, io: WatchIo): Promise<number> {
  const { display, tick } = displayFor(args, io);
  return new Promise<number>((resolve) => {
    let job: JobNode | undefined;
    let lastErrors: readonly GraphQLErrorShape[] | undefined;
    let emptyEnds = 0;
    let stop: (() => void) | undefined;
    let done = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (exitCode: number, text: string): void => {
      if (done) return;
      done = true;
      stop?.();
      for (const timer of timers) clearTimeout(timer);
      display.end({ exitCode, text, job });
      resolve(exitCode);
    };

    const subscribe = (): void => {
      stop = watchJob(
        {
          url: args.url,
          id: args.id,
          token: () => args.token,
          // A gateway restarting under a long watch is waited for (about a minute); a wrong URL fails at once.
          retryAttempts: 6,
          retryDelayMs: (attempt) => Math.min(20_000, 1000 * 2 ** attempt),
          failFast: true,
        },
        {
          next(result) {
            const next = result.data?.jobUpdated;
            if (next) {
              job = next;
              lastErrors = undefined;
              emptyEnds = 0;
              display.job(next);
              if (next.terminal) finish(exitFor(next), finalText(next));
            } else if (result.errors?.length) {
              lastErrors = result.errors;
              display.errors(result.errors);
            }
          },
          complete() {
            if (done) return;
            const codes = (lastErrors ?? []).map((e) => e.extensions?.code ?? '');
            if (lastErrors && !codes.every((c) => TRANSIENT_CODES.has(c))) {
              return finish(EXIT.USAGE, `cannot watch ${args.id}: ${errorText(lastErrors)}`);
            }
            // The gateway ends a watch after WATCH_MAX_MS, or after an upstream failure: subscribe again.
            if (++emptyEnds > MAX_EMPTY_RESUBSCRIBES) {
              return finish(EXIT.USAGE, `the gateway keeps ending the watch${lastErrors ? `: ${errorText(lastErrors)}` : ''}`);
            }
            timers.push(setTimeout(() => !done && subscribe(), 1000 * emptyEnds));
          },
          fail(reason) {
            finish(EXIT.USAGE, `cannot reach the gateway at ${args.url}: ${reason}`);
          },
          reconnecting(reconnect) {
            display.reconnecting(reconnect);
          },
        },
      );
    };

    if (args.timeoutMs !== undefined) {
      const ms = args.timeoutMs;
      timers.push(
        setTimeout(
          () =>
            finish(
              EXIT.TIMEOUT,
              `timed out after ${formatDuration(ms)}${job ? `; the job is still ${job.state}` : ' before the job was read'}`,
            ),
          ms,
        ),
      );
    }
    if (tick) {
      const interval = setInterval(() => !done && tick(), 250);
      timers.push(interval);
    }
    subscribe();
  });
}

export async function runWatch(argv: string[], io: WatchIo): Promise<number> {
  let args: WatchArgs;
  try {
    args = parseWatchArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`job-gateway watch: ${error.message}\n\n${WATCH_USAGE}\n`);
    return EXIT.USAGE;
  }
  return watch(args, io);
}
