import { describe, expect, it } from 'vitest';
import { authHeaders, type AuthTarget } from '../../src/http/auth.js';
import { principalOf, type Credential } from '../../src/http/credential.js';
import { codeForStatus, parseErrorBody, safeRequestId, upstreamError, type UpstreamErrorBody } from '../../src/http/error-map.js';
import { fullJitter, parseRetryAfter } from '../../src/http/retry-after.js';
import type { ErrorCode } from '../../src/model/errors.js';
import { sdkSign } from '../../src/model/sdk-signature.js';
import { verifySdkSignature } from '../../src/simulator/sdk-verifier.js';

const NONE: UpstreamErrorBody = { errorCode: null, errorMessage: null, requestId: null };

describe('parseErrorBody', () => {
  it.each([
    [
      'CCE camelCase',
      '{"errorCode":"CCE.01404001","errorMessage":"Resource not found"}',
      { errorCode: 'CCE.01404001', errorMessage: 'Resource not found', requestId: null },
    ],
    [
      'CCE camelCase with requestId',
      '{"errorCode":"CCE.0x401001","errorMessage":"Unauthorized","requestId":"r-7"}',
      { errorCode: 'CCE.0x401001', errorMessage: 'Unauthorized', requestId: 'r-7' },
    ],
    [
      'snake_case (CFW)',
      '{"error_code":"CFW.00200005","error_msg":"Object not found."}',
      { errorCode: 'CFW.00200005', errorMessage: 'Object not found.', requestId: null },
    ],
    [
      'snake_case (CAE, HTTP 500 not-found)',
      '{"error_code":"CAE.01500404","error_msg":"Environment not found"}',
      { errorCode: 'CAE.01500404', errorMessage: 'Environment not found', requestId: null },
    ],
    [
      'APIG with request_id',
      '{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"8a3f0c1e2b7d4e5f"}',
      {
        errorCode: 'APIG.0301',
        errorMessage: 'Incorrect IAM authentication information: verify aksk signature fail',
        requestId: '8a3f0c1e2b7d4e5f',
      },
    ],
    [
      'APIG throttled',
      '{"error_code":"APIG.0308","error_msg":"The request is throttled.","request_id":"r-429"}',
      { errorCode: 'APIG.0308', errorMessage: 'The request is throttled.', requestId: 'r-429' },
    ],
    [
      'nested error object',
      '{"error":{"code":"APIGW.0303","message":"Incorrect app authentication information: clock skew"}}',
      { errorCode: 'APIGW.0303', errorMessage: 'Incorrect app authentication information: clock skew', requestId: null },
    ],
    [
      'nested error object with a top-level request_id',
      '{"error":{"code":"APIG.0301","message":"bad token"},"request_id":"r-n"}',
      { errorCode: 'APIG.0301', errorMessage: 'bad token', requestId: 'r-n' },
    ],
    [
      'camelCase wins over snake_case',
      '{"errorCode":"A","error_code":"B","errorMessage":"a","error_msg":"b"}',
      { errorCode: 'A', errorMessage: 'a', requestId: null },
    ],
    ['bare code/message', '{"code":"X.1","message":"m"}', { errorCode: 'X.1', errorMessage: 'm', requestId: null }],
    ['empty strings are absent', '{"error_code":"","error_msg":"","request_id":""}', NONE],
    ['non-string values are ignored', '{"error_code":404,"error_msg":{"text":"x"},"request_id":7}', NONE],
    ['an error that is a string', '{"error":"boom"}', NONE],
    ['an error that is null', '{"error":null}', NONE],
  ] as Array<[string, string, UpstreamErrorBody]>)('%s', (_name, text, expected) => {
    expect(parseErrorBody(text)).toEqual(expected);
  });

  it.each([
    ['empty', ''],
    ['HTML', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated JSON', '{"error_code":"APIG.0301","error_'],
    ['JSON null', 'null'],
    ['JSON number', '500'],
    ['JSON string', '"error"'],
    ['JSON array', '[{"error_code":"X"}]'],
    ['JSON true', 'true'],
  ])('garbage (%s) → all null, no throw', (_name, text) => {
    expect(parseErrorBody(text)).toEqual(NONE);
  });
});

describe('codeForStatus', () => {
  it.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [429, 'UPSTREAM_UNAVAILABLE'],
    [500, 'UPSTREAM_UNAVAILABLE'],
    [502, 'UPSTREAM_UNAVAILABLE'],
    [503, 'UPSTREAM_UNAVAILABLE'],
    [504, 'UPSTREAM_UNAVAILABLE'],
    [400, 'UPSTREAM_ERROR'],
    [405, 'UPSTREAM_ERROR'],
    [409, 'UPSTREAM_ERROR'],
    [302, 'UPSTREAM_ERROR'],
  ] as Array<[number, ErrorCode]>)('%i → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('upstreamError', () => {
  const info = { service: 'CCE', status: 404, errorCode: 'CCE.01404001', requestId: 'r-1' };

  it('carries code, upstream info and a bounded detail', () => {
    const error = upstreamError('NOT_FOUND', info, 'Resource not found');
    expect(error.message).toBe('CCE: job not found (Resource not found)');
    expect(error.extensions).toEqual({ code: 'NOT_FOUND', upstream: info });
    expect(error.retryAfterMs).toBeUndefined();
    expect(upstreamError('UPSTREAM_ERROR', info, 'x'.repeat(1000)).message).toBe(
      `CCE: the upstream answered with something unexpected (${'x'.repeat(200)})`,
    );
    expect(upstreamError('UPSTREAM_UNAVAILABLE', info, null, 3000)).toMatchObject({
      message: 'CCE: the upstream is unavailable',
      retryAfterMs: 3000,
    });
  });
});

describe('parseRetryAfter', () => {
  const NOW = Date.parse('2015-10-21T07:28:00.000Z');

  it.each([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 5 ', 5000],
    ['Wed, 21 Oct 2015 07:28:30 GMT', 30_000],
    ['Wed, 21 Oct 2015 07:30:00 GMT', 120_000],
    ['Wednesday, 21-Oct-15 07:28:10 GMT', 10_000],
    ['Wed Oct 21 07:28:05 2015', 5000],
    // a date in the past means "now"
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    [['7', '9'], 7000],
  ] as Array<[string | string[], number]>)('%j → %i ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['empty list', []],
    ['words', 'soon'],
    ['units', '120s'],
    ['negative', '-5'],
    ['fraction', '1.5'],
    ['exponent', '1e3'],
    ['hex', '0x10'],
    ['junk with a digit', 'Foo 1'],
    ['junk with a year', 'abc 2020'],
    ['a word and a digit', 'tomorrow 1'],
    ['a date-like word', 'Wed, soon'],
    ['ISO 8601', '2015-10-21T07:28:30Z'],
  ] as Array<[string, string | string[] | undefined]>)('junk (%s) → undefined', (_name, value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('fullJitter', () => {
  it.each([
    // attempt, base, cap, random → delay
    [0, 100, 2000, 0, 0],
    [0, 100, 2000, 0.5, 50],
    [0, 100, 2000, 0.999999, 99],
    [1, 100, 2000, 0.5, 100],
    [3, 100, 2000, 0.5, 400],
    [4, 100, 2000, 0.999999, 1599],
    // capped
    [5, 100, 2000, 0.5, 1000],
    [10, 100, 2000, 0.999999, 1999],
    [60, 100, 2000, 0.25, 500],
  ])('attempt %i, base %i, cap %i, random %f → %i', (attempt, base, cap, r, expected) => {
    expect(fullJitter(attempt, base, cap, () => r)).toBe(expected);
  });

  it('stays within [0, min(cap, base·2^attempt)) for any random in [0, 1)', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const bound = Math.min(2000, 100 * 2 ** attempt);
      for (const r of [0, 0.1, 0.5, 0.9, 1 - Number.EPSILON]) {
        const d = fullJitter(attempt, 100, 2000, () => r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(bound);
      }
    }
  });
});

describe('principalOf', () => {
  const TOKEN = 'MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLrBgkqhkiG9w0BBwGgggLcBIIC2HsidG9rZW4iOnsiZXhwaXJlc19hdCI6';

  it('hashes tokens: the token text never appears in the principal', () => {
    const p = principalOf({ kind: 'token', token: TOKEN });
    expect(p).toMatch(/^t:[A-Za-z0-9_-]{43}$/);
    expect(p).not.toContain(TOKEN);
    expect(p).not.toContain(TOKEN.slice(0, 16));
    expect(p).not.toContain(TOKEN.slice(-16));
  });

  it('is stable for a token and differs between tokens', () => {
    expect(principalOf({ kind: 'token', token: TOKEN })).toBe(principalOf({ kind: 'token', token: TOKEN }));
    expect(principalOf({ kind: 'token', token: TOKEN })).not.toBe(principalOf({ kind: 'token', token: `${TOKEN}x` }));
    expect(principalOf({ kind: 'token', token: 'a' })).not.toBe(principalOf({ kind: 'token', token: 'b' }));
  });

  it('names an AK/SK credential by its access key only', () => {
    const p = principalOf({ kind: 'aksk', ak: 'HPUAXXXXEXAMPLEAK', sk: 'very-secret-sk', securityToken: 'sts-token' });
    expect(p).toBe('k:HPUAXXXXEXAMPLEAK');
    expect(principalOf({ kind: 'aksk', ak: 'OTHER', sk: 'very-secret-sk' })).toBe('k:OTHER');
  });

  it('never confuses a token with an AK of the same text, or with nobody', () => {
    const all = [
      principalOf({ kind: 'token', token: 'same' }),
      principalOf({ kind: 'aksk', ak: 'same', sk: 's' }),
      principalOf({ kind: 'none' }),
    ];
    expect(new Set(all).size).toBe(3);
    expect(all[2]).toBe('anonymous');
  });
});

describe('authHeaders', () => {
  const target: AuthTarget = {
    method: 'GET',
    host: 'cce.cn-north-4.myhuaweicloud.com',
    path: '/api/v3/projects/p1/jobs/j1',
    query: '',
    projectId: 'p1',
  };
  const NOW = new Date('2006-01-02T15:04:05.678Z');

  it('token: only X-Auth-Token', () => {
    expect(authHeaders({ kind: 'token', token: 'tok-123' }, target, NOW)).toEqual({ 'x-auth-token': 'tok-123' });
  });

  it('nobody: no headers', () => {
    expect(authHeaders({ kind: 'none' }, target, NOW)).toEqual({});
  });

  it('AK/SK: a SDK-HMAC-SHA256 signature over host, x-project-id and x-sdk-date; no host header returned', () => {
    const credential: Credential = { kind: 'aksk', ak: 'AK', sk: 'SK' };
    const headers = authHeaders(credential, target, NOW);
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'x-project-id', 'x-sdk-date']);
    expect(headers['x-sdk-date']).toBe('20060102T150405Z');
    expect(headers['x-project-id']).toBe('p1');
    expect(headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    const expected = sdkSign({
      method: 'GET',
      path: target.path,
      query: '',
      headers: { host: target.host, 'x-sdk-date': '20060102T150405Z', 'x-project-id': 'p1' },
      ak: 'AK',
      sk: 'SK',
    });
    expect(headers.authorization).toBe(expected.authorization);
    expect(JSON.stringify(headers)).not.toContain('SK"');
  });

  it('AK/SK: the signature verifies for exactly this request (as the gateway receives it)', () => {
    const dbTarget: AuthTarget = { ...target, host: 'rds.cn-north-4.myhuaweicloud.com', path: '/v3/p1/jobs', query: 'id=a9767ede-fe0f' };
    const headers = authHeaders({ kind: 'aksk', ak: 'AK', sk: 'SK' }, dbTarget, NOW);
    const request = {
      method: 'GET',
      path: '/v3/p1/jobs',
      rawQuery: 'id=a9767ede-fe0f',
      headers: { ...headers, host: dbTarget.host },
      body: '',
    };
    expect(verifySdkSignature(request, { ak: 'AK', sk: 'SK' })).toEqual({ ok: true });
    expect(verifySdkSignature({ ...request, rawQuery: 'id=other' }, { ak: 'AK', sk: 'SK' })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(verifySdkSignature({ ...request, headers: { ...request.headers, host: 'evil.example' } }, { ak: 'AK', sk: 'SK' })).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(verifySdkSignature(request, { ak: 'AK', sk: 'other' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('AK/SK with a security token: X-Security-Token is sent and signed', () => {
    const headers = authHeaders({ kind: 'aksk', ak: 'AK', sk: 'SK', securityToken: 'sts-XYZ' }, target, NOW);
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'x-project-id', 'x-sdk-date', 'x-security-token']);
    expect(headers['x-security-token']).toBe('sts-XYZ');
    expect(headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/,
    );
    const request = { method: 'GET', path: target.path, rawQuery: '', headers: { ...headers, host: target.host }, body: '' };
    expect(verifySdkSignature(request, { ak: 'AK', sk: 'SK' })).toEqual({ ok: true });
    const tampered = { ...request, headers: { ...request.headers, 'x-security-token': 'sts-other' } };
    expect(verifySdkSignature(tampered, { ak: 'AK', sk: 'SK' })).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('AK/SK: the secret key never appears in the headers', () => {
    const headers = authHeaders({ kind: 'aksk', ak: 'AKID', sk: 'S3cr3tKeyValue' }, target, NOW);
    expect(Object.values(headers).join('\n')).not.toContain('S3cr3tKeyValue');
  });

  it('AK/SK: a different time gives a different date and signature', () => {
    const a = authHeaders({ kind: 'aksk', ak: 'AK', sk: 'SK' }, target, NOW);
    const b = authHeaders({ kind: 'aksk', ak: 'AK', sk: 'SK' }, target, new Date('2006-01-02T15:04:06Z'));
    expect(b['x-sdk-date']).toBe('20060102T150406Z');
    expect(b.authorization).not.toBe(a.authorization);
  });
});

describe('safeRequestId', () => {
  it.each([
    ['4f1c-9a', '4f1c-9a'],
    ['req.1:2_3', 'req.1:2_3'],
  ])('keeps %j', (value, expected) => {
    expect(safeRequestId(value)).toBe(expected);
  });
  it.each(['', 'x'.repeat(129), 'has space', 'new\nline', '<script>', 42, null])('drops %j', (value) => {
    expect(safeRequestId(value)).toBeNull();
  });
});
