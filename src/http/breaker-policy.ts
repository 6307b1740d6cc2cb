import { BrokenCircuitError, CircuitState, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { JobError } from '../model/errors.js';
import { takeSample } from './breaker-votes.js';
import { upstreamError } from './error-map.js';
import { info, isDropped, isInSuccessfulAnswer, isLocal, markLocal } from './failure-kinds.js';
import { ledgerOf, type RequestLedger } from './request-ledger.js';
import { runNext, type Policy, type Step, type UpstreamCall } from './upstream-call.js';
import type { HttpConfig, UpstreamResponse } from './upstream-types.js';

// Indexed by cockatiel's CircuitState (Closed, Open, HalfOpen, Isolated).
export const CIRCUIT_STATES = ['closed', 'open', 'half-open', 'open'] as const;

/**
 * A success a circuit must not count (this request has had its say), carried past cockatiel as an
 * error it does not handle, which a closed circuit counts neither way. Not an Error: no stack to
 * capture for every answer past a request's first.
 */
class Unsampled {
  constructor(readonly response: UpstreamResponse) {}
}
// Failures a circuit must not count: the request they belong to has had its say (breaker-votes.ts).
const unsampled = new WeakSet<Error>();

/** Only the upstream being unwell counts: 4xx (404s, auth, throttling) say it is alive and answering. */
export function countsAgainstBreaker(error: unknown, breaker: CircuitBreakerPolicy): boolean {
  // Left unhandled, cockatiel counts neither (in a closed circuit, the only state these are made in).
  if (error instanceof Unsampled || (error instanceof Error && unsampled.has(error))) return false;
  if (!(error instanceof JobError)) return true;
  // Our own cancellation says nothing about the upstream, but cockatiel counts whatever it does not
  // handle as a success in a half-open circuit: a cancelled probe would close it on no evidence.
  if (isLocal(error)) return breaker.state === CircuitState.HalfOpen;
  if (isDropped(error) || error.code === 'UPSTREAM_TIMEOUT') return true;
  // A 200 that carries the upstream's own failure (not a verdict on the caller, such as "not found").
  if (isInSuccessfulAnswer(error)) return error.code === 'UPSTREAM_ERROR' || error.code === 'UPSTREAM_UNAVAILABLE';
  if (error.code !== 'UPSTREAM_UNAVAILABLE') return false;
  const status = error.upstream?.status ?? null;
  return status === null || status >= 500;
}

/** A circuit breaker per upstream host, its state changes reported to `onChange`. */
export function createBreaker(
  config: HttpConfig['breaker'],
  onChange: (state: (typeof CIRCUIT_STATES)[number]) => void,
): CircuitBreakerPolicy {
  const breaker: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((error) => countsAgainstBreaker(error, breaker)),
    {
      halfOpenAfter: config.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: config.threshold,
        duration: config.windowMs,
        minimumRps: config.minRequests / (config.windowMs / 1000),
      }),
    },
  );
  breaker.onStateChange((state) => onChange(CIRCUIT_STATES[state] ?? 'closed'));
  return breaker;
}

const neverAborted = new AbortController().signal;

/**
 * The host's circuit: an open one refuses at once (UPSTREAM_UNAVAILABLE, ours, not retried), and
 * each GraphQL request counts toward it at most `samplesPerRequest` times (breaker-votes.ts).
 *
 * In a closed circuit (nearly always) the call runs outside cockatiel, and only an outcome that
 * votes is handed to it afterwards, through `execute` with the outcome already known: a closed
 * circuit counts an outcome the same whenever it hears it, and the calls past a request's votes
 * (most of a request that reads many jobs) cost no `execute` at all. A call that started closed
 * and ends while the circuit is open or probing is not counted: in an open circuit the count
 * would be reset by the probe that closes it anyway, and a half-open circuit is the probe's to decide.
 */
export function breakerPolicy(service: string, samplesPerRequest: number): Policy {
  // Only a closed circuit samples: a half-open probe must always decide.
  const votes = (breaker: CircuitBreakerPolicy, ledger: RequestLedger) =>
    breaker.state !== CircuitState.Closed || takeSample(ledger, breaker, samplesPerRequest);
  const votesClosed = (breaker: CircuitBreakerPolicy, ledger: RequestLedger) =>
    breaker.state === CircuitState.Closed && takeSample(ledger, breaker, samplesPerRequest);

  /** Reactions on the call's promise, not an async layer: most calls (those past their request's vote) end there. */
  function outsideCircuit(call: UpstreamCall, next: Step, breaker: CircuitBreakerPolicy, ledger: RequestLedger): Promise<UpstreamResponse> {
    const result = runNext(next, call);
    return result.then(
      (response) => (votesClosed(breaker, ledger) ? breaker.execute(() => response, neverAborted) : response),
      (error: unknown) => {
        if (countsAgainstBreaker(error, breaker) && votesClosed(breaker, ledger))
          return breaker.execute(() => Promise.reject(error), neverAborted);
        throw error;
      },
    );
  }

  /** An open or half-open circuit: cockatiel refuses, or runs the probe, or holds the call until the probe decides. */
  async function sampled(call: UpstreamCall, next: Step, breaker: CircuitBreakerPolicy, ledger: RequestLedger): Promise<UpstreamResponse> {
    let response: UpstreamResponse;
    try {
      response = await next(call);
    } catch (error) {
      if (error instanceof Error && countsAgainstBreaker(error, breaker) && !votes(breaker, ledger)) unsampled.add(error);
      throw error;
    }
    if (!votes(breaker, ledger)) throw new Unsampled(response);
    return response;
  }

  // Made once: what the circuit let through unsampled, or refused, as the call's answer.
  const settled = (error: unknown): UpstreamResponse => {
    if (error instanceof Unsampled) return error.response;
    if (error instanceof BrokenCircuitError) {
      throw markLocal(
        upstreamError('UPSTREAM_UNAVAILABLE', { ...info(service, null, null), circuit: 'open' }, 'circuit open after repeated failures'),
      );
    }
    throw error;
  };

  return (call, next) => {
    const breaker = call.host.breaker;
    const ledger = ledgerOf(call.context);
    if (breaker.state === CircuitState.Closed) return outsideCircuit(call, next, breaker, ledger);
    return breaker.execute(() => sampled(call, next, breaker, ledger), neverAborted).catch(settled);
  };
}
