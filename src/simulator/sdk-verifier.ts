/**
 * The verifying half of "SDK-HMAC-SHA256" (src/model/sdk-signature.ts signs): only the simulator
 * checks signatures, as the cloud's API gateway does, so that every AK/SK request the gateway makes
 * against it proves the signer right.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  HEADER_CONTENT_SHA256,
  HEADER_DATE,
  SDK_SIGN_ALGORITHM,
  computeSignature,
  queryPairs,
  safeDecode,
  wireSegments,
} from '../model/sdk-signature.js';

/** Parses a `X-Sdk-Date` value back into a Date; null when malformed. */
export function parseSdkDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return Number.isNaN(date.getTime()) ? null : date;
}

export function parseSdkAuthorization(header: string): { access: string; signedHeaders: string[]; signature: string } | null {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SDK_SIGN_ALGORITHM} `)) return null;
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SDK_SIGN_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const access = fields.get('access');
  const signedHeaders = fields.get('signedheaders');
  const signature = fields.get('signature');
  if (!access || !signedHeaders || !signature) return null;
  if (!/^[0-9a-f]{64}$/i.test(signature)) return null;
  return { access, signedHeaders: signedHeaders.split(';').map((h) => h.toLowerCase()), signature: signature.toLowerCase() };
}

function headerList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

/**
 * `path` and `rawQuery` are as received on the wire (percent-encoded); they are decoded and
 * re-canonicalised so that the result matches what the client signed over its decoded form.
 */
export function verifySdkSignature(
  req: {
    method: string;
    path: string;
    rawQuery: string;
    headers: Record<string, string | string[] | undefined>;
    body: Uint8Array | string;
  },
  keys: { ak: string; sk: string },
): { ok: true } | { ok: false; reason: string } {
  const lower = new Map<string, string[]>();
  for (const [k, v] of Object.entries(req.headers)) {
    const list = headerList(v);
    if (list !== undefined) lower.set(k.toLowerCase(), [...(lower.get(k.toLowerCase()) ?? []), ...list]);
  }
  const authValue = lower.get('authorization')?.[0];
  if (authValue === undefined) return { ok: false, reason: 'missing Authorization header' };
  const auth = parseSdkAuthorization(authValue);
  if (!auth) return { ok: false, reason: 'malformed SDK-HMAC-SHA256 Authorization header' };
  if (auth.access !== keys.ak) return { ok: false, reason: 'unknown access key' };
  const date = lower.get(HEADER_DATE)?.[0];
  if (date === undefined) return { ok: false, reason: 'missing X-Sdk-Date header' };
  if (parseSdkDate(date) === null) return { ok: false, reason: 'malformed X-Sdk-Date header' };

  const headerValues = new Map<string, string[]>();
  for (const name of auth.signedHeaders) {
    const v = lower.get(name);
    if (v === undefined) return { ok: false, reason: `signed header ${name} not present` };
    headerValues.set(name, v);
  }
  // The payload opt-out counts only if the client actually sent it.
  const contentSha = lower.get(HEADER_CONTENT_SHA256);
  if (contentSha !== undefined) headerValues.set(HEADER_CONTENT_SHA256, contentSha);

  const canonical = {
    method: req.method,
    pairs: queryPairs(req.rawQuery),
    signed: auth.signedHeaders,
    headerValues,
    body: req.body,
    date,
  };
  const given = Buffer.from(auth.signature, 'hex');
  const matches = (segments: string[]): boolean => {
    const expected = Buffer.from(computeSignature({ ...canonical, segments }, keys.sk), 'hex');
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  // The wire path escaped again, as the Node.js SDK (and the gateway) sign; or escaped once, as a
  // signer that decodes the path first does. The two differ only for paths with escapes in them.
  if (matches(wireSegments(req.path)) || matches(req.path.split('/').map(safeDecode))) return { ok: true };
  return { ok: false, reason: 'signature mismatch' };
}
