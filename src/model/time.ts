// One pattern covers RFC 3339, offsets without a colon, and Go's time.String()
// ("2025-09-02 10:23:38.987955 +0000 UTC"): date, 'T' or space, time, optional fraction,
// optional offset, optional zone abbreviation that Go appends after the offset.
// Linear time: no two quantifiers may match the same characters (each separator is at most one
// space), so a failed match never backtracks over a run of blanks. A `\s*…(?:\s+…)?` pattern is
// quadratic in a run of spaces: upstream text padded with them would block the event loop.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))? ?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?(?: [A-Za-z]{1,5})?$/;
// The longest valid text is Go's form with nine fraction digits and a zone name (about 45
// characters); anything much longer is not a time, and is refused before any pattern runs.
export const MAX_TIME_TEXT = 64;
const DIGITS = /^\d{9,14}$/;
// Below this an epoch number is taken to be in seconds (1e11 ms is March 1973; 1e11 s is year 5138).
const SECONDS_LIMIT = 1e11;

/**
 * Any timestamp the upstreams send, as ISO-8601 UTC with milliseconds; null when absent or
 * unparseable, because a bad date must not fail a whole job.
 */
export function toDateTime(value: unknown): string | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  // Bounded before trim: trimming is linear, but there is no reason to scan megabytes of padding.
  if (value.length > MAX_TIME_TEXT * 4) return null;
  const text = value.trim();
  if (text.length > MAX_TIME_TEXT) return null;
  if (text === '') return null;
  if (DIGITS.test(text)) return fromEpoch(Number(text));
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  if (sign && (Number(oh) > 23 || Number(om) > 59)) return null;
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  let utc = Date.UTC(Number(y), month - 1, day, hour, minute, second, millis);
  if (!zulu && sign) {
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    utc -= sign === '+' ? offset : -offset;
  }
  // Date.UTC rolls 31 February over into March; reject instead of inventing a date.
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return null;
  return fromEpoch(utc);
}

// Upstreams send 0 for "not yet" (a running job's end time); and DateTime has four-digit years only.
const MAX_EPOCH_MS = Date.UTC(10000, 0, 1);

function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = n < SECONDS_LIMIT ? n * 1000 : n;
  if (ms >= MAX_EPOCH_MS) return null;
  return new Date(Math.trunc(ms)).toISOString();
}
