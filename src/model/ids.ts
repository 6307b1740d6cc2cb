import { badUserInput } from './errors.js';

/**
 * Global ids are base64url(JSON [tag, ...parts]): opaque to clients, self-describing for us, and
 * able to carry whatever an upstream needs to refetch the job (region, project, environment, ...).
 * The tag says which upstream (and which flavour of it) minted the id.
 */
export type IdPart = string | number | null;

export function encodeId(tag: string, parts: readonly IdPart[]): string {
  return Buffer.from(JSON.stringify([tag, ...parts])).toString('base64url');
}

// Where idEncoder writes one id's last bytes and their base64: ids are minted synchronously, one at a time.
const scratch = Buffer.allocUnsafeSlow(1024);
const encoded = Buffer.allocUnsafeSlow(1400);
const BASE64URL_DIGITS = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
// A string JSON writes as it is, between quotes, one byte per character.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `encodeId(tag, [...leading, last])` for many ids that share all but their last part (every job
 * of one upstream payload: same tag, region and project). Base64 maps each 3 bytes on its own, so
 * the shared start is encoded once and each id encodes only its last few dozen bytes; a plain
 * ASCII last part is encoded here, without a Buffer or JSON text per id.
 */
export function idEncoder(tag: string, leading: readonly IdPart[]): (last: IdPart) => string {
  const start = Buffer.from(`${JSON.stringify([tag, ...leading]).slice(0, -1)},`);
  const aligned = start.length - (start.length % 3);
  const head = start.toString('base64url', 0, aligned);
  const carry = [...start.subarray(aligned)]; // 0 to 2 bytes, encoded before each id's own part
  return (last) => {
    // A safe integer's JSON is its decimal digits (a CAE task's index); it is written unquoted.
    const digits = typeof last === 'number' && Number.isSafeInteger(last) && last >= 0;
    if (!digits && (typeof last !== 'string' || last.length > 512 || !PLAIN_ASCII.test(last))) return encodeId(tag, [...leading, last]);
    const text = digits ? String(last) : (last as string);
    let n = 0;
    for (const byte of carry) scratch[n++] = byte;
    if (!digits) scratch[n++] = 0x22; // "
    for (let i = 0; i < text.length; i++) scratch[n++] = text.charCodeAt(i);
    if (!digits) scratch[n++] = 0x22;
    scratch[n++] = 0x5d; // ]
    return head + base64url(scratch, n);
  };
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
