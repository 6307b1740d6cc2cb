/**
 * Huawei Cloud "SDK-HMAC-SHA256" request signing (the AK/SK scheme of the official SDKs),
 * reproducing the official Node.js SDK's AKSKSigner byte for byte (test/unit/sdk-signature.test.ts
 * holds the two side by side) so that a request signed here is accepted by the real API gateway
 * and a request signed by an official SDK is accepted by the simulator's verifier
 * (src/simulator/sdk-verifier.ts, built on the canonical form exported here).
 *
 * Like AWS SigV4 outside S3, the canonical URI is the path as it goes on the wire, escaped once
 * more: `/jobs/a%3Ab` signs as `/jobs/a%253Ab/`. A raw character the URL parser would escape on
 * the way out (a space, `<`) is escaped as that parser does first, so it is escaped twice too.
 */
import { createHash, createHmac } from 'node:crypto';

export const SDK_SIGN_ALGORITHM = 'SDK-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const HEADER_DATE = 'x-sdk-date';
export const HEADER_CONTENT_SHA256 = 'x-sdk-content-sha256';

export interface SignInput {
  method: string;
  /**
   * The path as it is sent, e.g. `/v3/p/jobs/a%3Ab`: percent-escapes in it are kept (and escaped
   * again); raw characters a URL parser escapes (space, `<`, `"`, ...) count as escaped.
   */
  path: string;
  query?: Record<string, string | string[]> | URLSearchParams | string;
  /** Every header given here is signed; it must include `X-Sdk-Date`. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
  ak: string;
  sk: string;
}

export interface Signature {
  authorization: string;
  signedHeaders: string;
  signature: string;
}

const HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x7e // - _ . ~
  );
}

/**
 * Byte-wise escaping over UTF-8, like the Go SDK's `escape`. encodeURIComponent is not
 * enough: it leaves `!'()*` alone, which the gateway's canonical form encodes.
 */
export function sdkEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 0xf]}`;
  }
  return out;
}

function canonicalUri(segments: string[]): string {
  const uri = segments.map(sdkEscape).join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

// What Node's url.parse (which the official Node.js SDK signs from) escapes in a path; `\` it reads as `/`.
const URL_PARSER_ESCAPES = /[{}|^`<>" \r\n\t']/g;

/** The path's segments as the official SDK signs them: as the URL parser leaves the path. */
export function wireSegments(path: string): string[] {
  return path
    .replaceAll('\\', '/')
    .replace(URL_PARSER_ESCAPES, (c) => `%${HEX[c.charCodeAt(0) >> 4]}${HEX[c.charCodeAt(0) & 0xf]}`)
    .split('/');
}

/** Lenient decoding: a malformed escape is kept as received rather than rejecting the request here. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function queryPairs(query: SignInput['query']): Array<[string, string]> {
  if (query === undefined) return [];
  if (typeof query === 'string') {
    return [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)];
  }
  if (query instanceof URLSearchParams) return [...query];
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, one]);
  }
  return pairs;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonicalQuery(pairs: Array<[string, string]>): string {
  return [...pairs]
    .sort((x, y) => compareCodeUnits(x[0], y[0]) || compareCodeUnits(x[1], y[1]))
    .map(([k, v]) => `${sdkEscape(k)}=${sdkEscape(v)}`)
    .join('&');
}

/** Each header name maps to all its values; a repeated header yields one line per value, sorted (Go SDK behaviour). */
function canonicalHeaders(signed: string[], values: Map<string, string[]>): string {
  const lines: string[] = [];
  for (const name of signed) {
    const vs = [...(values.get(name) ?? [])].sort(compareCodeUnits);
    for (const v of vs) lines.push(`${name}:${v.trim()}`);
  }
  // Trailing newline: joined with the next part this gives the blank line the gateway expects.
  return `${lines.join('\n')}\n`;
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface Canonical {
  method: string;
  segments: string[];
  pairs: Array<[string, string]>;
  signed: string[];
  headerValues: Map<string, string[]>;
  body: string | Uint8Array;
  date: string;
}

export function computeSignature(c: Canonical, sk: string): string {
  const contentSha = c.headerValues.get(HEADER_CONTENT_SHA256);
  // Only the literal opt-out is honoured: anything else is hashed, so a verifier never trusts a client-supplied hash.
  const payloadHash = contentSha?.length === 1 && contentSha[0] === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(c.body);
  const canonicalRequest = [
    c.method.toUpperCase(),
    canonicalUri(c.segments),
    canonicalQuery(c.pairs),
    canonicalHeaders(c.signed, c.headerValues),
    c.signed.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = `${SDK_SIGN_ALGORITHM}\n${c.date}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', sk).update(stringToSign).digest('hex');
}

export function sdkSign(input: SignInput): Signature {
  const headerValues = new Map<string, string[]>();
  for (const [k, v] of Object.entries(input.headers)) {
    const name = k.toLowerCase();
    headerValues.set(name, [...(headerValues.get(name) ?? []), v]);
  }
  const date = headerValues.get(HEADER_DATE)?.[0];
  if (date === undefined) throw new Error('sdkSign: headers must include X-Sdk-Date');
  const signed = [...headerValues.keys()].sort(compareCodeUnits);
  const signature = computeSignature(
    {
      method: input.method,
      segments: wireSegments(input.path),
      pairs: queryPairs(input.query),
      signed,
      headerValues,
      body: input.body ?? '',
      date,
    },
    input.sk,
  );
  const signedHeaders = signed.join(';');
  return {
    authorization: `${SDK_SIGN_ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signedHeaders,
    signature,
  };
}

export function sdkDate(d: Date = new Date()): string {
  // toISOString is always UTC: 2006-01-02T15:04:05.000Z → 20060102T150405Z
  return d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}
