import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { JobError } from '../model/errors.js';
import { authHeaders } from './auth.js';
import type { CredentialVerdicts } from './credential-verdicts.js';
import { codeForStatus, parseErrorBody, safeRequestId, upstreamAnswerError, upstreamError, type ErrorClassifier } from './error-map.js';
import { abortedError, info, markDropped, markInSuccessfulAnswer, timedOutError } from './failure-kinds.js';
import { parseRetryAfter } from './retry-after.js';
import { redactSecrets } from './redact-secrets.js';
import type { Step, UpstreamCall } from './upstream-call.js';
import type { UpstreamResponse } from './upstream-types.js';

export interface SendOptions {
  service: string;
  /** The pools' maxResponseSize: undici fails a larger body with UND_ERR_RES_EXCEEDED_MAX_SIZE. */
  maxBytes: number;
  timeoutMs: number;
  classify?: ErrorClassifier | undefined;
  verdicts: CredentialVerdicts;
}

/**
 * The HTTP GET itself and the reading of its answer: a 2xx JSON body is the response; anything
 * else becomes a typed JobError (an error status by its code and the upstream's quirks, a body
 * over the size limit, a dropped connection, a timeout). Dispatched straight to the pool with a
 * handler that collects the body's chunks and parses them once, so a call costs no request
 * promise, body stream or AbortSignal of undici's; aborting the call aborts it through undici's
 * own dispatch controller.
 */
export function sendRequest(options: SendOptions): Step {
  return (call) => {
    const { request, context } = call;
    const host = call.host;
    if (call.cancel.aborted) return Promise.reject(abortedError(options.service, options.timeoutMs, call.cancel.reason));
    const path = host.basePath + request.path;
    const query = request.query ?? '';
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': context.requestId };
    if (request.headers) Object.assign(headers, request.headers);
    const credential = context.credential;
    if (credential.kind === 'token') headers['x-auth-token'] = credential.token;
    else Object.assign(headers, authHeaders(credential, { method: 'GET', host: host.host, path, query, projectId: request.projectId }));
    if (context.stats) context.stats.upstreamCalls++;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const exchange = new Exchange(options, call, resolve, reject);
      call.cancel.onAbort((reason) => exchange.abort(reason));
      host.pool.dispatch({ method: 'GET', path: query ? `${path}?${query}` : path, headers }, exchange);
    });
  };
}

/** Stands in for the body while a too-large answer is being aborted. */
class TooLarge extends Error {}

/** One attempt's exchange with the upstream, as undici's dispatch handler. */
class Exchange implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #done = false;
  #status: number | null = null;
  #headers: IncomingHttpHeaders | undefined = undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(
    readonly options: SendOptions,
    readonly call: UpstreamCall,
    readonly resolve: (response: UpstreamResponse) => void,
    readonly reject: (error: unknown) => void,
  ) {}

  /** The call was aborted: answered at once, and undici told to stop (now, or as soon as it starts). */
  abort(reason: unknown): void {
    if (this.#done) return;
    this.#fail(abortedError(this.options.service, this.options.timeoutMs, reason, this.#requestId()));
    this.#controller?.abort(reason instanceof Error ? reason : new Error('aborted'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#done) controller.abort(new Error('aborted'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (this.#done) return;
    this.#status = status;
    this.#headers = headers;
    const { call, options } = this;
    options.verdicts.heard(call.context.principal, call.request.baseUrl, status);
    // A declared length over the limit is refused before a byte of the body is read.
    if (Number(headerValue(headers['content-length']) ?? 0) > options.maxBytes) {
      this.#fail(tooLarge(options, status, this.#requestId()));
      controller.abort(new TooLarge());
    }
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  onResponseEnd(): void {
    if (this.#done) return;
    this.#done = true;
    this.call.cancel.settled();
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#bytes);
    let text = body.toString('utf8');
    // undici's body.text() dropped a byte order mark; JSON.parse would choke on it.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      this.resolve(answer(this.options, this.call, this.#status ?? 0, this.#requestId(), this.#headers!, text));
    } catch (error) {
      this.reject(error);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#done) this.#fail(this.#failure(error));
  }

  #failure(error: Error): JobError {
    const { service, timeoutMs } = this.options;
    const requestId = this.#requestId();
    const cancel = this.call.cancel;
    if (cancel.aborted) return abortedError(service, timeoutMs, cancel.reason, requestId);
    const code = (error as { code?: string }).code ?? '';
    // undici's maxResponseSize: the upstream's answer is wrong, not gone; no retry, no circuit vote.
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return tooLarge(this.options, this.#status, requestId);
    if (/TIMEOUT/.test(code)) return timedOutError(service, timeoutMs, requestId);
    // Connection refused or reset, socket closed mid-body, DNS failure: the upstream is not there for us.
    return markDropped(upstreamError('UPSTREAM_UNAVAILABLE', info(service, this.#status, requestId), connectionProblem(code)));
  }

  #fail(error: JobError): void {
    this.#done = true;
    this.call.cancel.settled();
    this.reject(error);
  }

  #requestId(): string | null {
    return this.#headers ? safeRequestId(headerValue(this.#headers['x-request-id'])) : null;
  }
}

/** The response for a complete answer, or the JobError it amounts to (thrown). */
function answer(
  options: SendOptions,
  call: UpstreamCall,
  status: number,
  requestId: string | null,
  headers: IncomingHttpHeaders,
  text: string,
): UpstreamResponse {
  const { service, classify } = options;
  if (status >= 200 && status < 300) {
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      throw upstreamError('UPSTREAM_ERROR', info(service, status, requestId), 'response is not valid JSON');
    }
    const failed = classify?.errorFromResponse?.(body);
    if (failed) {
      const error = upstreamAnswerError(
        failed.code,
        info(service, status, requestId, failed.errorCode),
        redactSecrets(failed.message, call.context.credential),
      );
      throw markInSuccessfulAnswer(error);
    }
    return { status, body, requestId };
  }
  const parsed = parseErrorBody(text);
  const code = classify?.(status, parsed.errorCode) ?? codeForStatus(status);
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
  throw upstreamAnswerError(
    code,
    info(service, status, requestId ?? parsed.requestId, parsed.errorCode),
    redactSecrets(parsed.errorMessage, call.context.credential),
    retryAfter,
  );
}

function tooLarge(options: SendOptions, status: number | null, requestId: string | null): JobError {
  return upstreamError('UPSTREAM_ERROR', info(options.service, status, requestId), `response larger than ${options.maxBytes} bytes`);
}

function headerValue(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v === '' ? null : v;
}

function connectionProblem(code: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return 'connection failed';
}
