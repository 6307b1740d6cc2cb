// The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, RFC 850, asctime. Checked before Date.parse,
// which would otherwise read junk such as "-5" or "1.5" as a date in 2001.
const HTTP_DATE = /^[A-Za-z]{3,9},? (?:\d{2}[ -][A-Za-z]{3}[ -]\d{2,4}|[A-Za-z]{3} [ \d]\d) \d{2}:\d{2}:\d{2}(?: GMT| \d{4})$/;

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or junk. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** "Full jitter" (AWS architecture blog): uniform in [0, min(cap, base * 2^attempt)], which spreads retry storms best. */
export function fullJitter(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
