/**
 * What one GraphQL request has spent of the upstreams: kept on that request's CallContext (made
 * on first use), so it lives and dies with the request and is never shared between callers.
 */
export interface RequestLedger {
  /** Upstream requests started for this GraphQL request (retries and lazy follow-up reads included). */
  calls: number;
  /** Outcomes of this request each circuit has counted (made on first use; most requests never need it). */
  samples?: Map<object, number>;
  /**
   * What this request's job reads prove about its answer (src/server/answer-cache.ts). Unset until a
   * read proves anything, so a request that reads nothing this way is never cached; 'changeable' is
   * final: some read could answer otherwise next time (a list, a running job, an error, a job the
   * terminal cache does not hold). Otherwise the time (performance.now()) until which every job read
   * stays in the terminal cache: the answer may be kept no longer.
   */
  answer?: number | 'changeable';
}

export function ledgerOf(context: { ledger?: RequestLedger }): RequestLedger {
  return (context.ledger ??= { calls: 0 });
}

/** A read the next request could see otherwise: this request's answer must not be cached. */
export function readChangeable(context: { ledger?: RequestLedger }): void {
  ledgerOf(context).answer = 'changeable';
}

/** A read of a terminal job the terminal cache holds for another `leftMs` (0: not held, so changeable). */
export function readTerminal(context: { ledger?: RequestLedger }, leftMs: number): void {
  const ledger = ledgerOf(context);
  if (ledger.answer === 'changeable') return;
  if (!(leftMs > 0)) return void (ledger.answer = 'changeable');
  const until = performance.now() + leftMs;
  if (ledger.answer === undefined || until < ledger.answer) ledger.answer = until;
}
