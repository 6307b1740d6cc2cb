import { createHash, createHmac } from 'node:crypto';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { describe, expect, it } from 'vitest';
import { authHeaders } from '../../src/http/auth.js';
import { sdkDate, sdkEscape, sdkSign } from '../../src/model/sdk-signature.js';
import { parseSdkAuthorization, parseSdkDate, verifySdkSignature } from '../../src/simulator/sdk-verifier.js';

const KEYS = { ak: 'AccessKey', sk: 'SecretKey' };
const DATE = '20060102T150405Z';

describe('sdkSign: the published test vectors', () => {
  it('vector 1: GET /path?limit=1, only X-Sdk-Date, empty body', () => {
    const sig = sdkSign({ method: 'GET', path: '/path', query: 'limit=1', headers: { 'X-Sdk-Date': DATE }, ...KEYS });
    expect(sig.signature).toBe('5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
    expect(sig.signedHeaders).toBe('x-sdk-date');
    expect(sig.authorization).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  it('vector 2: POST /path?key=value with a JSON body ending in one newline', () => {
    const sig = sdkSign({
      method: 'POST',
      path: '/path',
      query: { key: 'value' },
      headers: { 'X-Sdk-Date': DATE },
      body: '{"Name":"test","Id":1}\n',
      ...KEYS,
    });
    expect(sig.signature).toBe('cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
    expect(sig.signedHeaders).toBe('x-sdk-date');
  });

  it('gives the same result for every query input form', () => {
    const base = { method: 'GET', path: '/path', headers: { 'X-Sdk-Date': DATE }, ...KEYS };
    const expected = '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624';
    expect(sdkSign({ ...base, query: '?limit=1' }).signature).toBe(expected);
    expect(sdkSign({ ...base, query: { limit: '1' } }).signature).toBe(expected);
    expect(sdkSign({ ...base, query: { limit: ['1'] } }).signature).toBe(expected);
    expect(sdkSign({ ...base, query: new URLSearchParams({ limit: '1' }) }).signature).toBe(expected);
    expect(sdkSign({ ...base, query: 'limit=1', body: new Uint8Array() }).signature).toBe(expected);
  });
});

/** An independent, literal transcription of the SDK-HMAC-SHA256 algorithm as Huawei Cloud documents it, to pin the canonical form. */
function referenceSign(canonicalUri: string, canonicalQuery: string, headers: Array<[string, string]>, body: string, sk: string): string {
  const sorted = [...headers].sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalHeaders = sorted.map(([k, v]) => `${k}:${v.trim()}\n`).join('');
  const signed = sorted.map(([k]) => k).join(';');
  const hash = (s: string): string => createHash('sha256').update(s).digest('hex');
  const date = headers.find(([k]) => k === 'x-sdk-date')?.[1] ?? '';
  const req = ['GET', canonicalUri, canonicalQuery, canonicalHeaders, signed, hash(body)].join('\n');
  return createHmac('sha256', sk)
    .update(`SDK-HMAC-SHA256\n${date}\n${hash(req)}`)
    .digest('hex');
}

describe('canonical form', () => {
  it('percent-encodes path segments (what a URL parser escapes, twice) and query with upper-case hex, sorts by key then value, ends the URI with /', () => {
    const sig = sdkSign({
      method: 'get',
      path: "/v1/a b/c!'()*~._-/ü",
      query: { z: '', b: ['2', '1'], 'a key': 'v/=&' },
      headers: { Host: 'cce.example.com', 'X-Sdk-Date': DATE, 'X-Project-Id': '  p1  ' },
      ...KEYS,
    });
    const expected = referenceSign(
      // A space and `'` are what the URL parser escapes on the way out (%20, %27), escaped again here.
      '/v1/a%2520b/c%21%2527%28%29%2A~._-/%C3%BC/',
      'a%20key=v%2F%3D%26&b=1&b=2&z=',
      [
        ['host', 'cce.example.com'],
        ['x-project-id', '  p1  '],
        ['x-sdk-date', DATE],
      ],
      '',
      KEYS.sk,
    );
    expect(sig.signature).toBe(expected);
    expect(sig.signedHeaders).toBe('host;x-project-id;x-sdk-date');
  });

  it('keeps a trailing slash as one slash and maps an empty path to /', () => {
    const h = { 'X-Sdk-Date': DATE };
    expect(sdkSign({ method: 'GET', path: '/path/', headers: h, ...KEYS }).signature).toBe(
      sdkSign({ method: 'GET', path: '/path', headers: h, ...KEYS }).signature,
    );
    expect(sdkSign({ method: 'GET', path: '', headers: h, ...KEYS }).signature).toBe(
      referenceSign('/', '', [['x-sdk-date', DATE]], '', KEYS.sk),
    );
  });

  it('escapes exactly the non-unreserved bytes', () => {
    expect(sdkEscape('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(sdkEscape(" !*'()/+=%")).toBe('%20%21%2A%27%28%29%2F%2B%3D%25');
  });

  it('hashes nothing when X-Sdk-Content-Sha256 is UNSIGNED-PAYLOAD', () => {
    const headers = { 'X-Sdk-Date': DATE, 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    const a = sdkSign({ method: 'PUT', path: '/o', headers, body: 'one', ...KEYS });
    const b = sdkSign({ method: 'PUT', path: '/o', headers, body: 'two', ...KEYS });
    expect(a.signature).toBe(b.signature);
    expect(a.signedHeaders).toBe('x-sdk-content-sha256;x-sdk-date');
  });

  it('refuses to sign without X-Sdk-Date', () => {
    expect(() => sdkSign({ method: 'GET', path: '/', headers: { host: 'h' }, ...KEYS })).toThrow(/X-Sdk-Date/);
  });
});

describe('sdkDate / parseSdkDate', () => {
  it('formats UTC as YYYYMMDDTHHMMSSZ and parses it back', () => {
    const d = new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 999));
    expect(sdkDate(d)).toBe(DATE);
    expect(parseSdkDate(DATE)?.toISOString()).toBe('2006-01-02T15:04:05.000Z');
    expect(parseSdkDate('2006-01-02T15:04:05Z')).toBeNull();
    expect(sdkDate()).toMatch(/^\d{8}T\d{6}Z$/);
  });
});

describe('parseSdkAuthorization', () => {
  it('reads access, signed headers and signature', () => {
    const sig = 'a'.repeat(64);
    expect(parseSdkAuthorization(`SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;X-Sdk-Date, Signature=${sig}`)).toEqual({
      access: 'AK1',
      signedHeaders: ['host', 'x-sdk-date'],
      signature: sig,
    });
  });
  it('rejects other schemes and malformed values', () => {
    expect(parseSdkAuthorization('Bearer abc')).toBeNull();
    expect(parseSdkAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host')).toBeNull();
    expect(parseSdkAuthorization('SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host, Signature=zz')).toBeNull();
  });
});

describe('verifySdkSignature', () => {
  const keys = { ak: 'sim-ak', sk: 'sim-sk' };
  const path = '/api/v3/projects/p1/jobs/job one';
  const wirePath = '/api/v3/projects/p1/jobs/job%20one';

  function signed(body = '{}'): { method: string; path: string; rawQuery: string; headers: Record<string, string>; body: string } {
    const headers = { host: '127.0.0.1:8080', 'x-sdk-date': sdkDate(), 'x-project-id': 'p1' };
    const sig = sdkSign({ method: 'GET', path, query: { limit: '10', marker: 'a b' }, headers, body, ...keys });
    return {
      method: 'GET',
      path: wirePath,
      rawQuery: 'marker=a+b&limit=10',
      headers: { ...headers, authorization: sig.authorization, 'content-type': 'application/json' },
      body,
    };
  }

  it('accepts what sdkSign produced, hashing the body it actually received', () => {
    expect(verifySdkSignature(signed(), keys)).toEqual({ ok: true });
    expect(verifySdkSignature({ ...signed(''), body: new Uint8Array() }, keys)).toEqual({ ok: true });
  });

  it('rejects tampering with the path, query, a signed header, the body, or the keys', () => {
    const good = signed();
    const bad = (r: typeof good, k = keys): boolean => verifySdkSignature(r, k).ok;
    expect(bad({ ...good, path: '/api/v3/projects/p1/jobs/other' })).toBe(false);
    expect(bad({ ...good, rawQuery: 'marker=a+b&limit=11' })).toBe(false);
    expect(bad({ ...good, headers: { ...good.headers, 'x-project-id': 'p2' } })).toBe(false);
    expect(bad({ ...good, body: '' })).toBe(false);
    expect(bad({ ...good, method: 'DELETE' })).toBe(false);
    expect(bad(good, { ak: keys.ak, sk: 'other' })).toBe(false);
    expect(verifySdkSignature(good, { ak: 'other', sk: keys.sk })).toEqual({ ok: false, reason: 'unknown access key' });
  });

  it('explains missing pieces', () => {
    const good = signed();
    const { authorization: _a, ...noAuth } = good.headers;
    expect(verifySdkSignature({ ...good, headers: noAuth }, keys)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Authorization/),
    });
    const { 'x-project-id': _p, ...noProject } = good.headers;
    expect(verifySdkSignature({ ...good, headers: noProject }, keys)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/x-project-id/),
    });
    const { 'x-sdk-date': _d, ...noDate } = good.headers;
    expect(verifySdkSignature({ ...good, headers: noDate }, keys)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/X-Sdk-Date/),
    });
  });

  it('ignores headers that were not signed', () => {
    const good = signed();
    expect(verifySdkSignature({ ...good, headers: { ...good.headers, 'user-agent': 'x', 'content-type': 'text/plain' } }, keys)).toEqual({
      ok: true,
    });
  });
});

/**
 * The official Node.js SDK's own signer (@huaweicloud/huaweicloud-sdk-core's AKSKSigner, as its
 * BasicCredentials call it) and ours, for the same request: a URL with `:`, spaces, `<` and other
 * characters a URL parser escapes, raw or already percent-encoded (as the gateway sends its paths).
 */
describe('sdkSign equals the official SDK AKSKSigner', () => {
  const HOST = 'cce.cn-north-4.myhuaweicloud.com';
  const credential = { getAk: () => 'HPUAEXAMPLEACCESSKEY', getSk: () => 'example-secret-key-0123456789abcdef' };

  function official(path: string, queryParams: Record<string, string | string[]>, headers: Record<string, string>): string {
    const request = { endpoint: `https://${HOST}${path}`, method: 'GET', headers: { ...headers }, queryParams };
    const signed = AKSKSigner.sign(request as never, credential as never) as Record<string, string>;
    return signed.Authorization ?? '';
  }

  const paths = [
    '/api/v3/projects/p1/jobs/a:b',
    '/api/v3/projects/p1/jobs/a b',
    '/api/v3/projects/p1/jobs/a<b>',
    `/api/v3/projects/p1/jobs/${encodeURIComponent('a:b c<d')}`,
    '/v1/p1/cae/jobs/it\'s|^`{x}"(1)*!@$&+,;=',
    '/v3/p1/jobs/ü€',
    '/v3/p1/jobs/',
    '/',
  ];

  it.each(paths)('for the path %s', (path) => {
    const headers = { 'X-Sdk-Date': DATE, 'X-Project-Id': 'p1', host: HOST };
    const query = { id: ['a:b', 'x y'], limit: '10', 'k<>': 'v/=&' };
    const ours = sdkSign({ method: 'GET', path, query, headers, ak: credential.getAk(), sk: credential.getSk() });
    expect(ours.authorization).toBe(official(path, query, headers));
  });

  it('for the upstream requests the gateway signs (authHeaders), job ids with reserved characters included', () => {
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    for (const jobId of ['a:b', 'job one', 'x<y>', 'plain-id']) {
      const path = `/api/v3/projects/p1/jobs/${encodeURIComponent(jobId)}`;
      const headers = authHeaders(
        { kind: 'aksk', ak: credential.getAk(), sk: credential.getSk() },
        { method: 'GET', host: HOST, path, query: '', projectId: 'p1' },
        now,
      );
      expect(headers.authorization).toBe(official(path, {}, { 'X-Sdk-Date': sdkDate(now), 'X-Project-Id': 'p1', host: HOST }));
    }
  });

  it('is what the simulator verifier accepts for that wire path, and the once-escaped form too', () => {
    const keys = { ak: credential.getAk(), sk: credential.getSk() };
    const wire = `/api/v3/projects/p1/jobs/${encodeURIComponent('a:b c<d')}`;
    const headers = { host: HOST, 'x-sdk-date': DATE, 'x-project-id': 'p1' };
    const doubly = sdkSign({ method: 'GET', path: wire, headers, ...keys });
    expect(
      verifySdkSignature(
        { method: 'GET', path: wire, rawQuery: '', headers: { ...headers, authorization: doubly.authorization }, body: '' },
        keys,
      ),
    ).toEqual({ ok: true });
    // A signer that decodes the path first escapes it once: `a%3Ab%20c%3Cd` in the canonical URI.
    const once = referenceSign('/api/v3/projects/p1/jobs/a%3Ab%20c%3Cd/', '', Object.entries(headers), '', keys.sk);
    const authorization = `SDK-HMAC-SHA256 Access=${keys.ak}, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${once}`;
    expect(verifySdkSignature({ method: 'GET', path: wire, rawQuery: '', headers: { ...headers, authorization }, body: '' }, keys)).toEqual(
      { ok: true },
    );
  });
});
