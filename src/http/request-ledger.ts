/**
 * What one GraphQL request has spent of the upstreams: kept on that request's CallContext (made
 * on first use), so it lives and dies with the request and is never shared between callers.
 */
export interface RequestLedger {
  /** Upstream requests started for this GraphQL request (retries and lazy follow-up reads included). */
  calls: number;
  /** Outcomes of this request each circuit has counted (made on first use; most requests never need it). */
  samples?: Map<object, number>;
}

export function ledgerOf(context: { ledger?: RequestLedger }): RequestLedger {
  return (context.ledger ??= { calls: 0 });
}
