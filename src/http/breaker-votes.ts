import type { RequestLedger } from './request-ledger.js';

/**
 * Whether a circuit may count one more outcome of this request. Each request counts at most `max`
 * times toward each circuit, so one request for 40 jobs that all fail is one vote, not 40: a
 * single caller cannot open the circuit for everyone, while an outage (many requests failing)
 * still does. The first outcomes to arrive are the ones counted, successes and failures alike,
 * so the breaker still sees each request's share of failures in proportion.
 */
export function takeSample(ledger: RequestLedger, circuit: object, max: number): boolean {
  const samples = (ledger.samples ??= new Map());
  const taken = samples.get(circuit) ?? 0;
  if (taken >= max) return false;
  samples.set(circuit, taken + 1);
  return true;
}
