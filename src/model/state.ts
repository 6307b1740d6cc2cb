export type JobState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'SKIPPED' | 'UNKNOWN';

/** Lower-cased upstream status word → normalized state. */
export type StateTable = ReadonlyMap<string, JobState>;

export function stateTable(entries: Record<string, JobState>): StateTable {
  return new Map(Object.entries(entries).map(([word, state]) => [word.toLowerCase(), state]));
}

// Upstreams grow new status words without notice; an unknown word must not fail the query.
export function normalizeState(table: StateTable, raw: string): JobState {
  return table.get(raw.toLowerCase()) ?? 'UNKNOWN';
}

export function isTerminal(state: JobState): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED' || state === 'SKIPPED';
}
