/**
 * What every simulated upstream's seed shares: the project all seed jobs live in, JSON types and
 * the helpers that keep records immutable and render them the way the APIs do.
 *
 * Records are neutral (one shape per service); each `<name>-data.ts` renders them into its API's
 * exact wire shape. Records are deep-frozen and every render builds new objects, so no response
 * can leak a mutation into the next one.
 */
import { createHash } from 'node:crypto';

export const SIM_PROJECT_ID = '09bb24e6fe80d23d2fa2c010b53b418c';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Stable, v1-looking uid derived from a name, so generated ids are the same on every run. */
export function simUid(name: string): string {
  const h = createHash('sha1').update(`job-gateway-simulator:${name}`).digest('hex');
  const variant = '89ab'.charAt(parseInt(h.charAt(16), 16) & 3);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-1${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Go's time.Time.String() for a UTC instant: `2006-01-02 15:04:05.999999999 +0000 UTC`, trailing zeros trimmed. */
export function goTimeString(epochMs: number, extraNanos = 0): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const nanos = d.getUTCMilliseconds() * 1_000_000 + extraNanos;
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

/** Copies only the defined entries, keeping key order: the APIs omit absent fields rather than sending null. */
export function compact(entries: Array<[string, Json | undefined]>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/** Fails at import time, not in a confusing test, when a named id drifts from the seed. */
export function checkNamedIds(label: string, ids: Record<string, string | readonly string[]>, seeded: ReadonlyMap<string, unknown>): void {
  for (const id of Object.values(ids).flat()) {
    if (!seeded.has(id)) throw new Error(`simulator seed: SIM_IDS.${label} names unknown id ${id}`);
  }
}

/** Live ids must not shadow a seeded job (the seed would never be served). */
export function checkLiveIds(liveIds: readonly string[], seeded: ReadonlyMap<string, unknown>): void {
  const clashes = liveIds.filter((id) => seeded.has(id));
  if (clashes.length > 0) throw new Error(`simulator seed: live ids ${clashes.join(', ')} are also seeded jobs`);
}
