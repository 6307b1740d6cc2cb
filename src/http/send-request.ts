import type { Dispatcher } from 'undici';
import { JobError } from '../model/errors.js';
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
 * over the size limit, a dropped connection, a timeout).
 */
export function sendRequest(options: SendOptions): Step {
  const { service, maxBytes, classify, verdicts } = options;

  async function read(call: UpstreamCall, res: Dispatcher.ResponseData): Promise<UpstreamResponse> {
    const status = res.statusCode;
    verdicts.heard(call.context.principal, call.request.baseUrl, status);
    const requestId = requestIdOf(res);
    // A declared length over the limit is refused before a byte of the body is read.
    if (Number(headerValue(res.headers['content-length']) ?? 0) > maxBytes) {
      res.body.destroy();
      throw tooLarge(status, requestId);
    }
    const text = await res.body.text();
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
    const retryAfter = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
    throw upstreamAnswerError(
      code,
      info(service, status, requestId ?? parsed.requestId, parsed.errorCode),
      redactSecrets(parsed.errorMessage, call.context.credential),
      retryAfter,
    );
  }

  function tooLarge(status: number | null, requestId: string | null): JobError {
    return upstreamError('UPSTREAM_ERROR', info(service, status, requestId), `response larger than ${maxBytes} bytes`);
  }

  return async (call) => {
    const { request, context } = call;
    const host = call.host;
    const signal = call.controller.signal;
    const path = host.basePath + request.path;
    const query = request.query ?? '';
    const headers = {
      accept: 'application/json',
      'x-request-id': context.requestId,
      ...request.headers,
      ...authHeaders(context.credential, { method: 'GET', host: host.host, path, query, projectId: request.projectId }),
    };
    let res: Dispatcher.ResponseData | undefined;
    if (context.stats) context.stats.upstreamCalls++;
    try {
      res = await host.pool.request({ method: 'GET', path: query ? `${path}?${query}` : path, headers, signal });
      return await read(call, res);
    } catch (error) {
      if (error instanceof JobError) throw error;
      const requestId = res ? requestIdOf(res) : null;
      if (signal.aborted) throw abortedError(service, options.timeoutMs, signal, requestId);
      const code = (error as { code?: string }).code ?? '';
      // undici's maxResponseSize: the upstream's answer is wrong, not gone; no retry, no circuit vote.
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') throw tooLarge(res?.statusCode ?? null, requestId);
      if (/TIMEOUT/.test(code)) throw timedOutError(service, options.timeoutMs, requestId);
      // Connection refused or reset, socket closed mid-body, DNS failure: the upstream is not there for us.
      throw markDropped(upstreamError('UPSTREAM_UNAVAILABLE', info(service, res?.statusCode ?? null, requestId), connectionProblem(code)));
    }
  };
}

function requestIdOf(res: Dispatcher.ResponseData): string | null {
  return safeRequestId(headerValue(res.headers['x-request-id']));
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
