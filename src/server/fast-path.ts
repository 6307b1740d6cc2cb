import { setMaxListeners } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { execute, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { maskError } from 'graphql-yoga';
import { compileQuery } from '../graph/compile.js';
import type { Credential } from '../http/credentials.js';
import type { RequestContext } from '../upstreams/request-context.js';
import type { Caller } from './gateway.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { PreparedOperations } from './use-prepared-operations.js';
import { countResultErrors } from './use-metrics.js';
import { countCodes, writeRequestLine } from './use-request-log.js';
import { requestIdFrom } from './use-request-id.js';

export interface FastPathOptions {
  schema: GraphQLSchema;
  prepared: PreparedOperations;
  credentialOf(token: string | undefined): Credential;
  /** The per-request context, as yoga's context factory builds it. */
  newContext(caller: Caller): RequestContext;
  maxBodyBytes: number;
  metrics: Metrics;
  logger: Logger;
  /** Where masked internal errors are logged (yoga's logger, so both paths log them alike). */
  logMasked(error: unknown): void;
}

type Yoga = (req: IncomingMessage, res: ServerResponse) => unknown;

interface Params {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

const REGULAR = ['application/graphql-response+json', 'application/json'] as const;
const JSON_BODY = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * The gateway's node:http listener. A POST of a query yoga has already accepted once (see
 * use-prepared-operations.ts) is executed here directly: no fetch Request/Response objects, no
 * plugin chain, no re-parse. That is most of a repeated query's cost (bench/findings.md). The
 * answer is the one yoga would give, byte for byte: the same masking, status, headers, metrics
 * and log line (test/gateway/fast-path.test.ts holds the two side by side). Everything else
 * (GraphiQL, GET, SSE, CORS, a new document, anything unusual) goes to yoga untouched.
 */
export function createFastPath(yoga: Yoga, options: FastPathOptions): RequestListener {
  const { schema, prepared, metrics, logger } = options;

  async function answer(req: IncomingMessage, res: ServerResponse, mediaType: string): Promise<void> {
    const started = performance.now();
    const body = await readBody(req);
    const params = paramsOf(body);
    const operation = params && prepared.get(params.query, params.operationName);
    if (!params || !operation) {
      // Yoga reads a body a framework has already consumed from `req.body`.
      (req as IncomingMessage & { body?: Buffer }).body = body;
      return void yoga(req, res);
    }
    const requestId = requestIdFrom(header(req, 'x-request-id'));
    const caller = new FastCaller(options.credentialOf(header(req, 'x-auth-token')), requestId);
    res.once('close', () => {
      if (!res.writableFinished) caller.gone();
    });
    const context = options.newContext(caller);
    metrics.operations.inc({ type: 'query' });
    metrics.fastPath.inc();
    if (operation.compiled === undefined) operation.compiled = compileQuery(schema, operation.document, params.operationName ?? null) ?? null;
    let result = operation.compiled
      ? await operation.compiled(context, params.variables)
      : ((await execute({
          schema,
          document: operation.document,
          operationName: params.operationName ?? null,
          variableValues: params.variables ?? null,
          contextValue: context,
        })) as ExecutionResult);
    if (result.errors) result = { ...result, errors: result.errors.map(mask) };
    countResultErrors(metrics, result);
    const status = statusOf(result, mediaType);
    const text = JSON.stringify(result.errors ? { ...result, errors: result.errors.map(publicError) } : result);
    // As bytes: a string body would be joined to the header block and copied once more on the way out.
    const bytes = Buffer.from(text);
    res.writeHead(status, {
      'content-type': `${mediaType}; charset=utf-8`,
      'content-length': bytes.length,
      'x-request-id': requestId,
    });
    res.end(bytes);
    const durationMs = performance.now() - started;
    metrics.httpDuration.observe({ method: 'POST', path: '/graphql', status: String(status) }, durationMs / 1000);
    if (logger.isLevelEnabled('info')) {
      writeRequestLine(logger, {
        requestId,
        method: 'POST',
        path: '/graphql',
        status,
        durationMs: Math.round(durationMs * 10) / 10,
        operationName: operation.operationName,
        upstreamCalls: context.call.stats?.upstreamCalls ?? 0,
        errors: countCodes(result),
      });
    }
  }

  function mask(error: GraphQLError): GraphQLError {
    const masked = maskError(error, 'Unexpected error.');
    if (masked !== error) options.logMasked(error);
    return masked as GraphQLError;
  }

  /** Which requests the fast path may take, from the headers alone, before the body is read. */
  function mediaTypeFor(req: IncomingMessage): string | undefined {
    if (req.method !== 'POST' || req.url !== '/graphql') return undefined;
    const { headers } = req;
    // CORS and compressed bodies are yoga's business.
    if (headers.origin !== undefined || headers['content-encoding'] !== undefined) return undefined;
    if (!JSON_BODY.test(headers['content-type'] ?? '')) return undefined;
    // A declared length within the limit: a chunked or oversized body goes to yoga (and useBodyLimit).
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= options.maxBodyBytes)) return undefined;
    return regularMediaType(headers.accept);
  }

  return (req, res) => {
    const mediaType = mediaTypeFor(req);
    if (mediaType === undefined) return void yoga(req, res);
    answer(req, res, mediaType).catch((error: unknown) => {
      // A client that leaves mid-body is routine; there is no one left to answer.
      if (error instanceof ClientGone) return void res.destroy();
      // Execution itself never throws (graphql-js returns errors): this is a bug.
      options.logMasked(error);
      if (res.headersSent) return void res.destroy();
      const text = JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  };
}

/** The caller of one fast-path request. Its AbortSignal is made on first use: an answer from the cache needs none. */
class FastCaller implements Caller {
  #controller: AbortController | undefined;
  #gone = false;
  constructor(
    readonly credential: Credential,
    readonly requestId: string,
  ) {}

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      // One listener per upstream call this request waits on: up to MAX_JOB_IDS of them, not a leak.
      setMaxListeners(0, this.#controller.signal);
      if (this.#gone) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** The client went away before its answer was written. */
  gone(): void {
    this.#gone = true;
    this.#controller?.abort();
  }
}

/**
 * The media type yoga answers a single result with, by its own negotiation (use-result-processor):
 * its JSON processor comes last and so wins whenever it matches at all, and among its matches the
 * one the client listed first wins. Undefined when only a stream type (SSE, multipart) matches.
 */
export function regularMediaType(accept: string | undefined): string | undefined {
  if (!accept || accept === '*/*' || accept === 'application/json') return 'application/json';
  let chosen: string | undefined;
  const asked = accept.replace(/\s/g, '').toLowerCase().split(',').reverse();
  for (const entry of asked) {
    const [mediaType = '', ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset='));
    if (charset !== undefined && charset !== 'charset=utf-8') continue;
    const [pre, suf] = mediaType.split('/');
    for (const candidate of REGULAR) {
      const [candidatePre, candidateSuf] = candidate.split('/');
      if ((pre === '*' || pre === candidatePre) && (suf === '*' || suf === candidateSuf)) chosen = candidate;
    }
  }
  return chosen;
}

class ClientGone extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    // Closed before the whole body arrived ('error' carries the reset, when there is one).
    req.once('error', () => reject(new ClientGone()));
    req.once('close', () => {
      if (!req.complete) reject(new ClientGone());
    });
  });
}

/** The body as GraphQL-over-HTTP params, or undefined for anything yoga should judge (and explain). */
function paramsOf(body: Buffer): Params | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const params = value as Record<string, unknown>;
  for (const key in params) {
    if (key === 'query' || key === 'operationName' || key === 'variables') continue;
    // Extensions (persisted queries, say) and unknown keys: yoga's rules.
    if (key !== 'extensions' || params[key] != null) return undefined;
  }
  const { query, operationName, variables } = params;
  if (typeof query !== 'string') return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  return params as unknown as Params;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Yoga's status for a single result, with useRejectionStatus in front of it: a result without data
 * was refused (400); otherwise 200, unless an error asks for more through `extensions.http`.
 */
function statusOf(result: ExecutionResult, mediaType: string): number {
  let status = 'data' in result ? 0 : 400;
  for (const error of result.errors ?? []) {
    const http = error.extensions?.http as { status?: number; spec?: boolean } | undefined;
    if (!http?.status || (mediaType === 'application/json' && http.spec)) continue;
    if (http.status > status) status = http.status;
  }
  return status || 200;
}

/** An error as the caller sees it: yoga's internal markers (`http`, `unexpected`) are not for them. */
function publicError(error: GraphQLError): unknown {
  const json = error.toJSON();
  if (json.extensions && ('http' in json.extensions || 'unexpected' in json.extensions)) {
    const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
    return { ...json, extensions: Object.keys(extensions).length ? extensions : undefined };
  }
  return json;
}
