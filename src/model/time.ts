// Accepted text: RFC 3339, offsets without a colon, and Go's time.String()
// ("2025-09-02 10:23:38.987955 +0000 UTC"), i.e. the language of
//   ^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))? ?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?(?: [A-Za-z]{1,5})?$
// read by hand, one left-to-right pass with no backtracking: linear in the text by construction,
// so upstream text padded with blanks cannot block the event loop, and with no match array or
// substrings to allocate (it ran for every timestamp of every job, selected or not).
// The longest valid text is Go's form with nine fraction digits and a zone name (about 45
// characters); anything much longer is not a time, and is refused before it is read.
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
  return parseTimestamp(text);
}

const ZERO = 48;
const SPACE = 32;

/** The value of the two digits at `at`, or -1. */
function two(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function parseTimestamp(text: string): string | null {
  const len = text.length;
  if (len < 19) return null;
  const century = two(text, 0);
  const yy = two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const sep = text.charCodeAt(10);
  if (century < 0 || yy < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  if (sep !== 84 && sep !== 116 && sep !== SPACE) return null; // T, t or a space
  let at = 19;
  let millis = 0;
  const mark = text.charCodeAt(at);
  if (mark === 46 || mark === 44) {
    // A fraction of 1 to 9 digits, truncated (never rounded) to milliseconds.
    const start = ++at;
    while (at < len && at - start < 9) {
      const digit = text.charCodeAt(at) - ZERO;
      if (digit < 0 || digit > 9) break;
      if (at - start < 3) millis = millis * 10 + digit;
      at++;
    }
    const read = at - start;
    if (read === 0) return null;
    if (read < 3) millis *= read === 1 ? 100 : 10;
  }
  const offsetMinutes = tailOffset(text, at);
  if (offsetMinutes === null) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  // Date.UTC reads years 0-99 as 1900-1999: kept, so the answers are what they always were.
  const written = century * 100 + yy;
  const year = written < 100 ? 1900 + written : written;
  // Date.UTC rolls 31 February over into March; reject instead of inventing a date.
  if (day > daysInMonth(year, month)) return null;
  return fromEpoch(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
}

/**
 * The zone after the time: ` ?` then `Z`, `±hh[:]mm` or nothing, then ` Abc` (a zone name of 1 to 5
 * letters) or nothing, to the end. A blank and a Z may also be read as part of a name (` ZUTC`,
 * `  UTC`), so each reading is tried: at most four passes over a tail of bounded length, none with
 * an offset but the first. The offset in minutes east of UTC, or null when no reading fits.
 */
function tailOffset(text: string, at: number): number | null {
  const first = text.charCodeAt(at) === SPACE ? at + 1 : at;
  for (let p = first; p >= at; p--) {
    const zone = text.charCodeAt(p);
    if (zone === 90 || zone === 122) {
      if (nameOrEnd(text, p + 1)) return 0; // Z or z
    } else if (zone === 43 || zone === 45) {
      const oh = two(text, p + 1);
      const colon = text.charCodeAt(p + 3) === 58 ? 1 : 0;
      const om = two(text, p + 3 + colon);
      // A sign cannot start a zone name: this is the only reading.
      if (oh < 0 || om < 0 || !nameOrEnd(text, p + 5 + colon)) return null;
      if (oh > 23 || om > 59) return null;
      return zone === 43 ? oh * 60 + om : -(oh * 60 + om);
    }
    if (nameOrEnd(text, p)) return 0;
  }
  return null;
}

/** Whether the text from `at` is empty or a zone name: one space, then 1 to 5 letters to the end. */
function nameOrEnd(text: string, at: number): boolean {
  const len = text.length;
  if (at === len) return true;
  const letters = len - at - 1;
  if (text.charCodeAt(at) !== SPACE || letters < 1 || letters > 5) return false;
  for (let i = at + 1; i < len; i++) if (!isLetter(text.charCodeAt(i))) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Upstreams send 0 for "not yet" (a running job's end time); and DateTime has four-digit years only.
const MAX_EPOCH_MS = Date.UTC(10000, 0, 1);
const DAY_MS = 86_400_000;

/** `Date#toISOString` of a positive epoch below year 10000, without a Date. */
function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = Math.trunc(n < SECONDS_LIMIT ? n * 1000 : n);
  if (ms >= MAX_EPOCH_MS) return null;
  // Days to civil date: H. Hinnant's days_from_civil inverse, for days since 1970-01-01 (≥ 0 here).
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  // Written as bytes and read back as one flat string: a template literal made a dozen small
  // strings per timestamp (~1 KB of garbage each on workload B).
  const out = iso;
  digits(out, 0, year, 4);
  digits(out, 5, month, 2);
  digits(out, 8, day, 2);
  digits(out, 11, hour, 2);
  digits(out, 14, minute, 2);
  digits(out, 17, second, 2);
  digits(out, 20, milli, 3);
  return out.toString('latin1');
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ": the separators stay, the digits are overwritten per call (synchronously).
const iso = Buffer.from('0000-00-00T00:00:00.000Z', 'latin1');

function digits(out: Buffer, at: number, value: number, width: number): void {
  for (let i = at + width - 1; i >= at; i--) {
    out[i] = ZERO + (value % 10);
    value = Math.floor(value / 10);
  }
}
