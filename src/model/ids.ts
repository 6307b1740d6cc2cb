import { badUserInput } from './errors.js';

/**
 * Global ids are base64url(JSON [tag, ...parts]): opaque to clients, self-describing for us, and
 * able to carry whatever an upstream needs to refetch the job (region, project, environment, ...).
 * The tag says which upstream (and which flavour of it) minted the id.
 */
export type IdPart = string | number | null;

export function encodeId(tag: string, parts: readonly IdPart[]): string {
  return writeId(tag, parts, false, null) ?? Buffer.from(JSON.stringify([tag, ...parts])).toString('base64url');
}

/**
 * `encodeId(tag, [...leading, last])` for many ids that share all but their last part (every job
 * of one upstream payload: same tag, region and project), without building a parts array per id.
 */
export function idEncoder(tag: string, leading: readonly IdPart[]): (last: IdPart) => string {
  return (last) => writeId(tag, leading, true, last) ?? encodeId(tag, [...leading, last]);
}

// Where an id's JSON bytes and their base64 are written: ids are minted synchronously, one at a time.
const scratch = Buffer.allocUnsafeSlow(1024);
const encoded = Buffer.allocUnsafeSlow(1400);
const BASE64URL_DIGITS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
// The last byte is kept for the closing bracket.
const SCRATCH_END = scratch.length - 1;

/**
 * The id's JSON text written straight into `scratch` and encoded from there, when every part is
 * JSON as it is (printable ASCII strings without quote or backslash, null, safe integers): the id
 * is then the only string made per id, with no JSON text, Buffer or array. Undefined when a part
 * needs JSON.stringify (escapes, non-ASCII, other numbers) or the text outgrows `scratch`.
 */
function writeId(tag: string, parts: readonly IdPart[], withLast: boolean, last: IdPart): string | undefined {
  scratch[0] = 0x5b; // [
  let n = writeString(tag, 1);
  for (let i = 0; i < parts.length && n > 0; i++) {
    scratch[n] = 0x2c; // ,
    n = writePart(parts[i]!, n + 1);
  }
  if (withLast && n > 0) {
    scratch[n] = 0x2c;
    n = writePart(last, n + 1);
  }
  if (n < 0) return undefined;
  scratch[n++] = 0x5d; // ]
  return base64url(scratch, n);
}

/** Writes the part's JSON at `n`; the position after it, or -1 when it cannot be written as is. */
function writePart(part: IdPart, n: number): number {
  if (typeof part === 'string') return writeString(part, n);
  if (part === null) return writeAscii('null', n);
  // A safe integer's JSON is its decimal digits (a CAE task's index); -0 is written "0" by both.
  if (Number.isSafeInteger(part)) return writeAscii(String(part), n);
  return -1;
}

function writeString(text: string, n: number): number {
  if (n + text.length + 2 > SCRATCH_END) return -1;
  scratch[n++] = 0x22; // "
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // What JSON writes escaped (quote, backslash, control characters) or as more than one byte.
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    scratch[n++] = c;
  }
  scratch[n++] = 0x22;
  return n;
}

function writeAscii(text: string, n: number): number {
  if (n + text.length > SCRATCH_END) return -1;
  for (let i = 0; i < text.length; i++) scratch[n++] = text.charCodeAt(i);
  return n;
}

function base64url(bytes: Buffer, length: number): string {
  const digits = BASE64URL_DIGITS;
  let o = 0;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    encoded[o++] = digits[v >> 18]!;
    encoded[o++] = digits[(v >> 12) & 63]!;
    encoded[o++] = digits[(v >> 6) & 63]!;
    encoded[o++] = digits[v & 63]!;
  }
  if (i < length) {
    const two = i + 1 < length;
    const v = (bytes[i]! << 16) | ((two ? bytes[i + 1]! : 0) << 8);
    encoded[o++] = digits[v >> 18]!;
    encoded[o++] = digits[(v >> 12) & 63]!;
    if (two) encoded[o++] = digits[(v >> 6) & 63]!;
  }
  return encoded.toString('latin1', 0, o);
}

export interface DecodedId {
  tag: string;
  parts: IdPart[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_ENCODED = 2048;

export function decodeId(id: string): DecodedId {
  if (id.length === 0 || id.length > MAX_ENCODED || !BASE64URL.test(id)) throw malformed();
  let value: unknown;
  try {
    // Decoded into a reused buffer: `jobs(ids:)` decodes every id of the list, one at a time.
    const length = decoded.write(id, 'base64url');
    value = JSON.parse(decoded.toString('utf8', 0, length));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string') throw malformed();
  const parts = value as unknown[];
  const tag = parts.shift() as string;
  for (let i = 0; i < parts.length; i++) if (!isIdPart(parts[i])) throw malformed();
  return { tag, parts: parts as IdPart[] };
}

// Room for the longest id accepted (base64 is 3 bytes per 4 characters).
const decoded = Buffer.allocUnsafeSlow(Math.ceil((MAX_ENCODED * 3) / 4));

function isIdPart(value: unknown): value is IdPart {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

export function malformed(): Error {
  return badUserInput('id is not a job id returned by this API');
}
