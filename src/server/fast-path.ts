import { Readable } from 'node:stream';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { execute, type GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { processRegularResult, type FetchAPI, type YogaMaskedErrorOpts } from 'graphql-yoga';
import { compileQuery } from '../graph/compile.js';
import { principalOf, type Credential } from '../http/credential.js';
import type { CallContext } from '../http/upstream-client.js';
import type { CallerSignal } from '../http/upstream-types.js';
import type { RequestLedger } from '../http/request-ledger.js';
import type { RequestContext } from '../graph/context.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { AnswerCache } from './answer-cache.js';
import type { PreparedOperation, PreparedOperations } from './use-prepared-operations.js';
import { persistedIdOf, type PersistedLookup } from './persisted-documents.js';
import type { CostLimit } from './use-cost-limit.js';
import type { ResponseLimit } from './use-response-limit.js';
import { countResultErrors } from './use-metrics.js';
import { countCodes, writeRequestLine } from './use-request-log.js';
import { withRejectionStatus } from './use-rejection-status.js';
import { requestIdFrom } from './use-request-id.js';

export interface FastPathOptions {
  schema: GraphQLSchema;
  prepared: PreparedOperations;
  /** Requests that name a persisted document by id, and text that only yoga may answer (TRUSTED_DOCUMENTS_ONLY). */
  persisted?: PersistedLookup;
  credentialOf(token: string | undefined): Credential;
  /** The per-request context, as yoga's context factory builds it. */
  newContext(call: CallContext): RequestContext;
  maxBodyBytes: number;
  /** The cost limit, checked with each request's variables (a document is prepared once, its variables vary). */
  costLimit: CostLimit;
  /** The bound on the answer's size, as on yoga's path. */
  responseLimit: ResponseLimit;
  metrics: Metrics;
  logger: Logger;
  /** Answers made only of terminal jobs, per principal (answer-cache.ts); none when absent. */
  answers?: AnswerCache;
  /** Where a bug of the fast path's own is logged (yoga's logger, so both paths log alike). */
  logMasked(error: unknown): void;
}

/** What the fast path must do as yoga is configured to: read from the yoga instance itself (yogaSettingsOf). */
export interface YogaSettings {
  /** Yoga's error masking (its maskError logs what it masks), or null with `maskedErrors: false`. */
  masking: YogaMaskedErrorOpts | null;
  /** Yoga's GraphQL endpoint path (`graphqlEndpoint`). */
  endpoint: string;
}

/**
 * The settings of a yoga instance the fast path mirrors, read from the instance (not restated
 * here), or undefined when this yoga version does not expose them: then the fast path stays off.
 */
export function yogaSettingsOf(yoga: object): YogaSettings | undefined {
  const instance = yoga as { maskedErrorsOpts?: YogaMaskedErrorOpts | null; graphqlEndpoint?: unknown };
  // `in`, not the value: yoga's adapter proxy reads a null (masking off) as undefined.
  if (!('maskedErrorsOpts' in instance) || typeof instance.graphqlEndpoint !== 'string') return undefined;
  const masking = instance.maskedErrorsOpts ?? null;
  if (masking !== null && (typeof masking.maskError !== 'function' || typeof masking.errorMessage !== 'string')) return undefined;
  return { masking, endpoint: instance.graphqlEndpoint };
}

type Yoga = (req: IncomingMessage, res: ServerResponse) => unknown;

interface Params {
  /** Undefined when the request names a persisted document by `id` instead. */
  query?: string;
  id?: string;
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
export function createFastPath(yoga: Yoga, settings: YogaSettings, options: FastPathOptions): RequestListener {
  const { schema, prepared, metrics, logger, answers } = options;
  const { masking, endpoint } = settings;
  const errorFreeAnswers = new Map<string, Answer>();
  const labelsByStatus = new Map<number, { method: string; path: string; status: string }>();
  const internalError = JSON.stringify({
    errors: [{ message: masking?.errorMessage ?? 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
  });

  async function answer(req: IncomingMessage, res: ServerResponse, mediaType: string): Promise<void> {
    const started = performance.now();
    const body = await readBody(req);
    const params = paramsOf(body);
    const operation = params && operationOf(params);
    if (!params || !operation) {
      // Yoga reads a body a framework has already consumed from `req.body`. (A new document's body is
      // thus parsed twice, and yoga's duration for it starts after the upload: once per document.)
      // As a stream, not the Buffer: whatwg-node first runs Object.keys on it, which for a Buffer lists
      // every byte's index (a string per byte, before yoga even begins).
      (req as IncomingMessage & { body?: Readable }).body = Readable.from([body]);
      return void yoga(req, res);
    }
    const requestId = requestIdFrom(header(req, 'x-request-id'));
    const credential = options.credentialOf(header(req, 'x-auth-token'));
    const principal = principalOf(credential);
    metrics.operations.inc({ type: 'query' });
    metrics.preparedOperations.inc();
    const overCost = options.costLimit.refusal(schema, operation.document, params.operationName, params.variables);
    const cached = overCost ? undefined : answers?.get(principal, operation, params.variables);
    if (cached) {
      // What executing would answer, byte for byte (answer-cache.ts): error-free, so yoga's error-free status and headers.
      metrics.answerCacheHits.inc();
      const ok = errorFree(mediaType);
      sendBytes(res, ok.status, ok.headers, requestId, cached);
      record({ requestId, status: ok.status, started, operationName: operation.operationName, upstreamCalls: 0, result: ANSWERED });
      return;
    }
    const caller = new FastCaller(credential, principal, requestId);
    res.once('close', () => {
      if (!res.writableFinished) caller.gone();
    });
    const context = options.newContext(caller);
    // Read before executing: a principal dropped meanwhile may have lost what this execution read.
    const drops = answers?.drops ?? 0;
    let result: ExecutionResult;
    try {
      if (overCost) result = { errors: [overCost] };
      else {
        result = await run(operation, params, context);
        if (result.errors === undefined && result.extensions === undefined) {
          // The common answer: nothing to mask, count or strip, so yoga's processor would send
          // JSON.stringify(result) with its error-free status and headers. Serialized once, measured as sent.
          const text = JSON.stringify(result);
          if (!options.responseLimit.exceeds(text)) {
            const ok = errorFree(mediaType);
            send(res, ok.status, ok.headers, requestId, text);
            answers?.offer(principal, operation, params.variables, caller.ledger, drops, text);
            const upstreamCalls = caller.stats.upstreamCalls;
            record({ requestId, status: ok.status, started, operationName: operation.operationName, upstreamCalls, result });
            return;
          }
          result = options.responseLimit.tooLarge();
        } else result = options.responseLimit.bound(result);
      }
    } catch (error) {
      // Execution returns its errors rather than throwing them: this is a bug (masked and logged), and a 500.
      result = { errors: [mask(error as GraphQLError)], extensions: { http: { status: 500 } } };
    }
    if (result.errors) result = { ...result, errors: result.errors.map(mask) };
    countResultErrors(metrics, result);
    // Status, headers and body come from yoga's own result processor, so both paths answer alike.
    const { status, headers, body: text } = yogaAnswer(withRejectionStatus(result), mediaType);
    send(res, status, headers, requestId, text);
    record({
      requestId,
      status,
      started,
      operationName: operation.operationName,
      upstreamCalls: context.call.stats?.upstreamCalls ?? 0,
      result,
    });
  }

  /** The status and headers yoga's processor gives a result without errors, asked of it once per media type. */
  function errorFree(mediaType: string): Answer {
    let answer = errorFreeAnswers.get(mediaType);
    if (!answer) errorFreeAnswers.set(mediaType, (answer = yogaAnswer({ data: null }, mediaType)));
    return answer;
  }

  /** The prepared operation a request runs: its text's, or the persisted document's it names by id. */
  function operationOf(params: Params): PreparedOperation | undefined {
    const { persisted } = options;
    if (params.query === undefined) return params.id === undefined ? undefined : persisted?.operation(params.id, params.operationName);
    if (persisted && !persisted.allowsText(params.query)) return undefined;
    return prepared.get(params.query, params.operationName);
  }

  /** The operation's plan, made on its first fast-path request; graphql-js for what has none. */
  function run(operation: PreparedOperation, params: Params, context: RequestContext): Promise<ExecutionResult> | ExecutionResult {
    if (operation.plan === undefined) {
      try {
        operation.plan = compileQuery(schema, operation.document, params.operationName ?? null) ?? null;
      } catch (error) {
        // A bug in planning must not cost the operation its answers: graphql-js executes it from now on.
        options.logMasked(error);
        operation.plan = null;
      }
    }
    if (operation.plan) return operation.plan(context, params.variables);
    return execute({
      schema,
      document: operation.document,
      operationName: params.operationName ?? null,
      variableValues: params.variables ?? null,
      contextValue: context,
    }) as Promise<ExecutionResult> | ExecutionResult;
  }

  /** The request's metrics and log line, as useMetrics and useRequestLog write them for yoga's path. */
  function record(done: {
    requestId: string;
    status: number;
    started: number;
    operationName: string | null;
    upstreamCalls: number;
    result: ExecutionResult;
  }): void {
    const durationMs = performance.now() - done.started;
    metrics.httpDuration.observe(durationLabels(done.status), durationMs / 1000);
    if (!logger.isLevelEnabled('info')) return;
    writeRequestLine(logger, {
      requestId: done.requestId,
      method: 'POST',
      path: endpoint,
      status: done.status,
      durationMs: Math.round(durationMs * 10) / 10,
      operationName: done.operationName,
      upstreamCalls: done.upstreamCalls,
      errors: countCodes(done.result),
    });
  }

  /** The duration's labels for a status: a handful of statuses, each label object made once. */
  function durationLabels(status: number): { method: string; path: string; status: string } {
    let labels = labelsByStatus.get(status);
    if (!labels) labelsByStatus.set(status, (labels = { method: 'POST', path: endpoint, status: String(status) }));
    return labels;
  }

  /** Yoga's own masking, as configured: it logs what it masks, and leaves alone what it masked already. */
  function mask(error: GraphQLError): GraphQLError {
    return masking ? (masking.maskError(error, masking.errorMessage) as GraphQLError) : error;
  }

  /** Which requests the fast path may take, from the headers alone, before the body is read. */
  function mediaTypeFor(req: IncomingMessage): string | undefined {
    if (req.method !== 'POST' || req.url !== endpoint) return undefined;
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
      // A client that leaves mid-body is routine: there is no one left to answer.
      if (error instanceof ClientGone || res.headersSent) return void res.destroy();
      options.logMasked(error);
      send(res, 500, { 'content-type': 'application/json; charset=utf-8' }, undefined, internalError);
    });
  };
}

/**
 * Who is asking in one fast-path request, and its signal that the client left. Not an
 * AbortController: making one (its EventTarget, setMaxListeners, an abort listener) cost about as
 * much as the rest of the request's bookkeeping, for an abort that almost never happens. The
 * in-flight calls add one listener per request (in-flight.ts), so a list suffices.
 */
class FastCaller implements CallContext, CallerSignal {
  readonly stats = { upstreamCalls: 0 };
  ledger?: RequestLedger;
  aborted = false;
  #listeners: (() => void)[] | undefined = undefined;
  constructor(
    readonly credential: Credential,
    readonly principal: string,
    readonly requestId: string,
  ) {}

  get signal(): CallerSignal {
    return this;
  }

  /** As an AbortSignal's: each listener runs once, on abort; one added after the abort never runs. */
  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) (this.#listeners ??= []).push(listener);
  }

  /** The client went away before its answer was written. */
  gone(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

/**
 * The media type yoga answers a single result with, by its own negotiation (use-result-processor):
 * its JSON processor comes last and so wins whenever it matches at all, and among its matches the
 * one the client listed first wins. Undefined when only a stream type (SSE, multipart) matches.
 */
function regularMediaType(accept: string | undefined): string | undefined {
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

/** An answer from the answer cache, as its log line counts it: no errors. */
const ANSWERED: ExecutionResult = {};

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
    if (key === 'query' || key === 'operationName' || key === 'variables' || key === 'extensions' || key === 'documentId') continue;
    // Unknown keys: yoga's rules.
    if (params[key] != null) return undefined;
  }
  const { query, operationName, variables, extensions, documentId } = params;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (typeof query === 'string') {
    // Text with extensions (an APQ registration to check, say) or with an id as well: yoga's rules.
    if (extensions != null || documentId != null) return undefined;
    return params as unknown as Params;
  }
  if (query != null) return undefined;
  // No text: a persisted document named by id, with no extension but the one that names it.
  const id = persistedIdOf(params);
  if (id === undefined) return undefined;
  if (extensions != null && Object.keys(extensions).some((key) => key !== 'persistedQuery')) return undefined;
  return { id, operationName: operationName as string | null | undefined, variables: variables as Params['variables'] };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** What yoga's JSON result processor answers for a single result: it builds a Response from these. */
class Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(
    readonly body: string,
    init: { status?: number; headers?: Record<string, string> },
  ) {
    this.status = init.status ?? 200;
    this.headers = init.headers ?? {};
  }
}

function yogaAnswer(result: ExecutionResult, mediaType: string): Answer {
  return processRegularResult(result, { Response: Answer } as unknown as FetchAPI, mediaType) as unknown as Answer;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, requestId: string | undefined, text: string): void {
  // As the string: node:http joins it to the header block and writes both at once, where a Buffer
  // first costs a copy of the text and then a second chunk in the socket write.
  res.writeHead(status, headFor(headers, requestId, Buffer.byteLength(text)));
  res.end(text);
}

function sendBytes(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  requestId: string | undefined,
  bytes: Buffer,
): void {
  res.writeHead(status, headFor(headers, requestId, bytes.length));
  res.end(bytes);
}

function headFor(headers: Record<string, string>, requestId: string | undefined, length: number): Record<string, string | number> {
  const head: Record<string, string | number> = { ...headers };
  if (requestId !== undefined) head['x-request-id'] = requestId;
  head['content-length'] = length;
  return head;
}
