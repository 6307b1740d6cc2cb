import { JobError } from '../model/errors.js';
import type { RequestLedger } from './request-ledger.js';

/**
 * A per-request budget of upstream calls. Limits on the document (depth, aliases, cost) cannot see
 * what a field will cost once the answers arrive (sub-jobs read one by one, lazy follow-up reads),
 * so the calls themselves are counted: past the budget, the remaining fields fail with
 * UPSTREAM_BUDGET_EXCEEDED and the upstream is not asked.
 */
export function spendCall(ledger: RequestLedger, limit: number): boolean {
  if (ledger.calls >= limit) return false;
  ledger.calls++;
  return true;
}

export function budgetLeft(ledger: RequestLedger, limit: number): boolean {
  return ledger.calls < limit;
}

export function budgetExceeded(service: string, limit: number): JobError {
  return new JobError(
    'UPSTREAM_BUDGET_EXCEEDED',
    `${service}: this request has used all of its ${limit} upstream calls (UPSTREAM_CALLS_PER_REQUEST); ask for fewer jobs or fields per request`,
  );
}
