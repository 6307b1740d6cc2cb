import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from '../graph/context.js';
import { REDACT_PATHS, type Logger } from './logger.js';
import { errorCodes, isSingleResult } from './results.js';
import { requestIdOf } from './use-request-id.js';

interface Entry {
  started: number;
  path: string;
  operationName: string | null;
  context: RequestContext | null;
  errors: Record<string, number>;
}

export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  operationName: string | null;
  upstreamCalls: number;
  /** How many errors of each `extensions.code` the response carried. */
  errors: Record<string, number>;
}

export function writeRequestLine(logger: Logger, line: RequestLine): void {
  const out = hasKeys(line.errors) || !ONLY_NESTED_PATHS ? logger : unredacted(logger);
  if (line.path === '/health' || line.path === '/ready') out.debug(line, 'probe');
  else out.info(line, 'request');
}

/**
 * The same logger without its redaction, for request lines without errors. Its paths all start
 * with `*` (logger.ts), so pino runs them on every field of every line: two thirds of the cost of
 * this one. Such a line holds nothing but strings and numbers, and `errors` empty, where no path
 * can match: it comes out the same. A line with errors (codes as keys) keeps the redacting logger.
 */
function unredacted(logger: Logger): Logger {
  let plain = unredactedLoggers.get(logger);
  // A child keeps the level it was made with: remade should the parent's change.
  if (!plain || plain.level !== logger.level) unredactedLoggers.set(logger, (plain = logger.child({}, { redact: [] })));
  return plain;
}

const unredactedLoggers = new WeakMap<Logger, Logger>();
// What makes the unredacted logger safe for such lines: no path names a top-level field.
const ONLY_NESTED_PATHS = REDACT_PATHS.every((path) => path.startsWith('*.'));

function hasKeys(record: Record<string, number>): boolean {
  for (const _ in record) return true;
  return false;
}

/** How many errors of each code a result carries, for the request line. */
export function countCodes(result: ExecutionResult, into: Record<string, number> = {}): Record<string, number> {
  for (const code of errorCodes(result)) into[code] = (into[code] ?? 0) + 1;
  return into;
}

/**
 * One JSON line per GraphQL request: request id, operation, status, duration, upstream calls and
 * errors by code. Probes (/health, /ready) are logged at debug only, so they do not drown the rest.
 */
export function useRequestLog(logger: Logger): Plugin<Record<string, unknown>, Record<string, unknown>> {
  const entries = new WeakMap<Request, Entry>();
  return {
    onRequest({ request, url }) {
      // Nothing to gather when the line would not be written (e.g. LOG_LEVEL=warn under load).
      const probe = url.pathname === '/health' || url.pathname === '/ready';
      if (!logger.isLevelEnabled(probe ? 'debug' : 'info')) return;
      entries.set(request, { started: performance.now(), path: url.pathname, operationName: null, context: null, errors: {} });
    },
    onExecute({ args }) {
      const context = args.contextValue as unknown as RequestContext & { request?: Request };
      const entry = context.request ? entries.get(context.request) : undefined;
      if (!entry) return;
      entry.context = context;
      entry.operationName = getOperationAST(args.document, args.operationName ?? undefined)?.name?.value ?? null;
    },
    onResultProcess({ request, result }) {
      const entry = entries.get(request);
      if (!entry || !isSingleResult(result)) return;
      countCodes(result, entry.errors);
    },
    onResponse({ request, response }) {
      const entry = entries.get(request);
      if (!entry) return;
      writeRequestLine(logger, {
        requestId: requestIdOf(request),
        method: request.method,
        path: entry.path,
        status: response.status,
        durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
        operationName: entry.operationName,
        upstreamCalls: entry.context?.call.stats?.upstreamCalls ?? 0,
        errors: entry.errors,
      });
    },
  };
}
