import { createRequire } from 'node:module';
import { pino, type Logger, type DestinationStream, type TransportSingleOptions } from 'pino';
import { ConfigError } from '../config.js';
import type { UpstreamObserver } from '../http/upstream-client.js';

export type { Logger };

/** Fields of logged objects never written (use-request-log.ts relies on each being below a top-level object). */
export const REDACT_PATHS: readonly string[] = [
  '*.headers["x-auth-token"]',
  '*.headers.authorization',
  '*.token',
  '*.sk',
  '*.securityToken',
];

/**
 * JSON lines on stdout. Credentials are never passed to the logger in the first place; the redact
 * list is a second line of defence should a header object ever be logged by mistake.
 */
export function createLogger(level: string, destination?: DestinationStream, format: 'json' | 'pretty' = 'json'): Logger {
  return pino(
    {
      level,
      // LOG_FORMAT=pretty: human-readable lines for development through pino-pretty, a development
      // dependency, loaded (in pino's transport worker) only when asked for.
      ...(format === 'pretty' && !destination ? { transport: prettyTransport() } : {}),
      base: { service: 'job-gateway' },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    },
    destination,
  );
}

/** Upstream trouble, one line per failed attempt, with both request ids so the two sides can be matched. */
export function loggingObserver(logger: Logger): UpstreamObserver {
  return {
    attempt(event) {
      if (event.outcome === 'ok') {
        if (logger.isLevelEnabled('debug')) logger.debug({ upstream: event }, 'upstream call');
        return;
      }
      // A caller that left is its own business, not the upstream's: a cancellation, at debug.
      if (event.outcome === 'CANCELLED') {
        if (logger.isLevelEnabled('debug')) {
          logger.debug(
            { requestId: event.requestId, upstream: { service: event.service, origin: event.origin } },
            'upstream call cancelled',
          );
        }
        return;
      }
      // The caller's problem (not found, forbidden) is routine; the upstream's problem is a warning.
      const level = event.outcome.startsWith('UPSTREAM_') ? 'warn' : 'info';
      logger[level](
        {
          requestId: event.requestId,
          upstream: {
            service: event.service,
            origin: event.origin,
            status: event.status,
            code: event.outcome,
            requestId: event.upstreamRequestId,
            attempt: event.attempt,
            durationMs: Math.round(event.durationMs),
            circuitOpen: event.circuitOpen,
            message: event.upstreamMessage,
          },
        },
        'upstream call failed',
      );
    },
    circuit(event) {
      logger.warn({ upstream: event }, `circuit ${event.state}`);
    },
  };
}

/** Node's error for a request whose client closed the connection before its body was complete. */
function isClientGone(error: Error): boolean {
  return (error as { code?: unknown }).code === 'ECONNRESET' && error.message === 'aborted';
}

/** Yoga logs with console-style arguments; keep them, as structured fields, in our stream. */
export function yogaLogger(logger: Logger) {
  const forward =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      // A client that left mid-body is routine (the fast path drops it silently too), not an error.
      if (first instanceof Error && isClientGone(first)) return void logger.debug('client went away before its request body was complete');
      if (first instanceof Error) logger[level]({ err: first, details: rest }, first.message);
      else logger[level]({ details: rest }, String(first));
    };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}

function prettyTransport(): TransportSingleOptions {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    throw new ConfigError('LOG_FORMAT=pretty needs pino-pretty, a development dependency (npm install); production installs log JSON only');
  }
  return {
    target: 'pino-pretty',
    options: { colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
  };
}
