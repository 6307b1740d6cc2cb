import { describe, expect, it } from 'vitest';
import { JobError, type ErrorCode } from '../../src/model/errors.js';
import { decodeId, encodeId, idEncoder, type DecodedId, type IdPart } from '../../src/model/ids.js';
import { checkIdPart, checkRegion } from '../../src/model/validate.js';
import { caeGlobalId, caeTaskGlobalId, type CaeRef } from '../../src/upstreams/cae/map.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { cfwGlobalId } from '../../src/upstreams/cfw/map.js';
import { dbGlobalId } from '../../src/upstreams/db/map.js';

function jobErrorOf(fn: () => unknown): JobError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JobError);
    return error as JobError;
  }
  throw new Error('expected a JobError, nothing was thrown');
}

function expectCode(fn: () => unknown, code: ErrorCode): void {
  const error = jobErrorOf(fn);
  expect(error.code).toBe(code);
  expect(error.extensions).toEqual({ code });
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

const REGION = 'cn-north-4';
const PROJECT = '09bb24e6fe80d23d2fa2c010b53b418c';
const JOB = 'f588ce71-e26c-400d-8981-f854355f6849';
const same = { region: REGION, projectId: PROJECT, jobId: JOB };
const cae: CaeRef = { ...same, environmentId: 'env-7f3a', enterpriseProjectId: null };
const caeEp: CaeRef = { ...cae, enterpriseProjectId: 'ep-0f5c' };

const HELPERS: Array<[name: string, id: string, decoded: DecodedId]> = [
  ['cceGlobalId v3', cceGlobalId({ api: 'v3', ...same }), { tag: 'cce3', parts: [REGION, PROJECT, JOB] }],
  ['cceGlobalId v2', cceGlobalId({ api: 'v2', ...same }), { tag: 'cce2', parts: [REGION, PROJECT, JOB] }],
  ['caeGlobalId', caeGlobalId(cae), { tag: 'cae', parts: [REGION, PROJECT, 'env-7f3a', null, JOB] }],
  ['caeGlobalId + enterprise project', caeGlobalId(caeEp), { tag: 'cae', parts: [REGION, PROJECT, 'env-7f3a', 'ep-0f5c', JOB] }],
  ['caeTaskGlobalId', caeTaskGlobalId(cae, 0), { tag: 'caet', parts: [REGION, PROJECT, 'env-7f3a', null, JOB, 0] }],
  [
    'caeTaskGlobalId #3 + enterprise project',
    caeTaskGlobalId(caeEp, 3),
    { tag: 'caet', parts: [REGION, PROJECT, 'env-7f3a', 'ep-0f5c', JOB, 3] },
  ],
  ['cfwGlobalId', cfwGlobalId(same), { tag: 'cfw', parts: [REGION, PROJECT, JOB] }],
  ['dbGlobalId', dbGlobalId(same), { tag: 'db', parts: [REGION, PROJECT, JOB] }],
];

describe('global ids', () => {
  it.each(HELPERS)('%s decodes back to its tag and parts', (_name, id, decoded) => {
    expect(decodeId(id)).toEqual(decoded);
  });

  it.each(HELPERS)('%s is opaque base64url', (_name, id) => {
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id).not.toContain(JOB);
    expect(id).not.toContain(PROJECT);
    expect(id).not.toContain(REGION);
  });

  it('the same upstream job id gives a different id for every source and flavour', () => {
    const ids = HELPERS.map(([, id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ids differ when any part differs', () => {
    const base = cceGlobalId({ api: 'v3', ...same });
    expect(cceGlobalId({ api: 'v3', ...same, region: 'cn-east-3' })).not.toBe(base);
    expect(cceGlobalId({ api: 'v3', ...same, projectId: 'other' })).not.toBe(base);
    expect(cceGlobalId({ api: 'v3', ...same, jobId: 'other' })).not.toBe(base);
    expect(caeGlobalId({ ...cae, environmentId: 'env-2' })).not.toBe(caeGlobalId(cae));
    expect(caeTaskGlobalId(cae, 1)).not.toBe(caeTaskGlobalId(cae, 2));
  });

  it('is stable: the same ref always gives the same id', () => {
    expect(cfwGlobalId({ ...same })).toBe(cfwGlobalId({ ...same }));
    expect(caeTaskGlobalId({ ...caeEp }, 3)).toBe(caeTaskGlobalId({ ...caeEp }, 3));
  });

  it.each([
    ['x', []],
    ['cce3', ['cn-north-4', 'p', 'j']],
    ['t', [null, 0, -7, 42, '', 'ünïcödé ✓', 'a"b\\c']],
  ] as Array<[string, IdPart[]]>)('encodeId/decodeId round trip: %s %j', (tag, parts) => {
    expect(decodeId(encodeId(tag, parts))).toEqual({ tag, parts });
  });

  it('encodeId is base64url of the JSON array [tag, ...parts]', () => {
    expect(encodeId('db', ['cn-north-4', 'p', 'j'])).toBe(b64('["db","cn-north-4","p","j"]'));
  });
});

describe('decodeId rejects malformed ids with BAD_USER_INPUT', () => {
  const long = encodeId('cce3', ['cn-north-4', 'p', 'j'.repeat(1600)]);

  it.each([
    ['empty', ''],
    ['"+" (base64, not base64url)', 'WyJkYiJd+'],
    ['"/"', 'WyJkYiJd/'],
    ['padding "="', 'WyJkYiJd='],
    ['a space', 'WyJk YiJd'],
    ['a dot', 'WyJkYiJd.'],
    ['a newline', 'WyJkYiJd\n'],
    ['non-ASCII', 'WyJkYiJdé'],
    ['too long (valid encoding, over 2048 characters)', long],
    ['too long (junk)', 'A'.repeat(2049)],
    ['base64 of non-JSON', b64('not json')],
    ['base64 of truncated JSON', b64('["db","a"')],
    ['bytes that are not UTF-8 JSON', Buffer.from([0xff, 0xfe, 0x00, 0x5b]).toString('base64url')],
    ['JSON object', b64('{"tag":"db","parts":[]}')],
    ['JSON string', b64('"db"')],
    ['JSON number', b64('42')],
    ['JSON null', b64('null')],
    ['empty array', b64('[]')],
    ['first element a number', b64('[1,"a"]')],
    ['first element null', b64('[null,"a"]')],
    ['first element an array', b64('[["db"],"a"]')],
    ['a part that is an object', b64('["db","cn-north-4",{"a":1}]')],
    ['a part that is an array', b64('["db","cn-north-4",["p"]]')],
    ['a part that is a float', b64('["caet","cn-north-4",1.5]')],
    ['a part that is a boolean', b64('["db",true]')],
  ])('%s', (_name, id) => {
    expectCode(() => decodeId(id), 'BAD_USER_INPUT');
  });

  it('the longest id accepted is 2048 characters', () => {
    expect(long.length).toBeGreaterThan(2048);
    let id = '';
    for (let n = 1500; n < 1600; n++) {
      const candidate = encodeId('x', ['y'.repeat(n)]);
      if (candidate.length <= 2048) id = candidate;
    }
    expect(id.length).toBeGreaterThan(2040);
    expect(decodeId(id).tag).toBe('x');
  });

  it('the error message does not echo the id', () => {
    const id = b64('["db","<script>"]x');
    expect(jobErrorOf(() => decodeId(id)).message).not.toContain(id);
  });
});

describe('checkRegion', () => {
  it.each([
    ['cn-north-4'],
    ['cn-east-3'],
    ['cn-south-1'],
    ['ap-southeast-3'],
    ['af-south-1'],
    ['me-east-1'],
    ['la-north-2'],
    ['tr-west-1'],
    ['eu-west-101'],
    ['eu-de'],
    ['ru-moscow-1'],
    ['cn-north-4-a-b'],
    ['ab-1'],
    [`cn-${'a'.repeat(61)}`],
  ])('accepts %j', (region) => {
    expect(checkRegion(region)).toBe(region);
  });

  it.each([
    ['empty', ''],
    ['no dash part', 'cn'],
    ['one letter prefix', 'c-north-4'],
    ['three letter prefix', 'cnn-north-4'],
    ['digit prefix', '1n-north-4'],
    ['upper case', 'CN-NORTH-4'],
    ['mixed case', 'cn-North-4'],
    ['capitalised', 'Cn-north-4'],
    ['trailing dash', 'cn-north-'],
    ['leading dash', '-cn-north-4'],
    ['double dash', 'cn--north-4'],
    ['underscore', 'cn_north_4'],
    ['dot', 'cn-north-4.'],
    ['host name', 'cn-north-4.evil.com'],
    ['domain', 'evil.com'],
    ['IP', '127.0.0.1'],
    ['slash', 'cn-north-4/x'],
    ['port', 'cn-north-4:8080'],
    ['at', 'cn-north-4@evil'],
    ['hash', 'cn-north-4#'],
    ['query', 'cn-north-4?x'],
    ['percent', 'cn-%2e'],
    ['backslash', 'cn-north\\4'],
    ['trailing newline', 'cn-north-4\n'],
    ['leading space', ' cn-north-4'],
    ['trailing space', 'cn-north-4 '],
    ['NUL', 'cn-north-4\u0000'],
    ['non-ASCII letter', 'cn-nörth-4'],
    ['Cyrillic look-alike', 'сn-north-4'],
    ['over-long (65)', `cn-${'a'.repeat(62)}`],
  ])('rejects %s', (_name, region) => {
    expectCode(() => checkRegion(region), 'BAD_USER_INPUT');
  });

  it('names the argument in the message', () => {
    expect(jobErrorOf(() => checkRegion('Evil.com', 'id region')).message).toMatch(/^id region /);
    expect(jobErrorOf(() => checkRegion('Evil.com')).message).toMatch(/^region /);
  });
});

describe('checkIdPart', () => {
  it.each([
    ['a9767ede-fe0f-4888-9003-e843a4c90514'],
    ['354331b2c-229a-11e8-9c75-0255ac100ceb'],
    ['b34f8c791f2643578510c093aa2351a8in01'],
    ['09bb24e6fe80d23d2fa2c010b53b418c'],
    ['x'],
    ['0'],
    ['a.b'],
    ['...'],
    ['.hidden'],
    ['job_1~x-Y'],
    ['a:b'],
    ['x'.repeat(256)],
  ])('accepts %j', (value) => {
    expect(checkIdPart(value, 'jobId')).toBe(value);
  });

  it.each([
    ['empty', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['a slash', 'a/b'],
    ['only a slash', '/'],
    ['traversal', '../x'],
    ['a backslash', 'a\\b'],
    ['"?"', 'a?b=c'],
    ['"#"', 'a#b'],
    ['"%"', '%2e%2e'],
    ['a lone "%"', '%'],
    ['NUL', 'a\u0000b'],
    ['LF', 'a\nb'],
    ['CR LF', 'a\r\nX-Evil: 1'],
    ['TAB', 'a\tb'],
    ['ESC', '\u001b[31m'],
    ['US', '\u001f'],
    ['DEL', 'a\u007f'],
    ['C1 control NEL', 'a\u0085b'],
    ['C1 control CSI', '\u009b31m'],
    ['over-long (257)', 'x'.repeat(257)],
  ])('rejects %s', (_name, value) => {
    expectCode(() => checkIdPart(value, 'jobId'), 'BAD_USER_INPUT');
  });

  it('names the argument in the message, and does not echo the value', () => {
    const error = jobErrorOf(() => checkIdPart('../secret', 'environmentId'));
    expect(error.message).toMatch(/^environmentId /);
    expect(error.message).not.toContain('secret');
  });
});

describe('checkIdPart: only printable ASCII', () => {
  it.each(['环境', 'caf\u00e9', 'tab\there', 'nbsp\u00a0x', 'line\u2028sep'])('rejects %j with BAD_USER_INPUT', (value) => {
    expect(() => checkIdPart(value, 'environmentId')).toThrowError(expect.objectContaining({ code: 'BAD_USER_INPUT' }) as Error);
  });
});

describe('idEncoder', () => {
  // Shares the encoding of the leading parts; must give encodeId's text exactly, whatever the byte alignment.
  const texts = ['', 'a', 'ab', 'abc', 'cn-north-4', 'é', '😀', '"q"', 'back\\slash', 'line\nbreak', '\ud800', 'x'.repeat(400)];
  it.each(texts)('matches encodeId with the leading part %j', (lead) => {
    for (const leading of [[lead], [lead, 'p'], [null, lead], [lead, 7]]) {
      const mint = idEncoder('cce3', leading);
      for (const last of [...texts, null, 0, 7, 42, 1234567, -1, 1.5, 2 ** 53, 1e21])
        expect(mint(last)).toBe(encodeId('cce3', [...leading, last]));
    }
  });
});

describe('encodeId', () => {
  // Written straight into a scratch buffer when the parts allow: must be base64url(JSON) exactly.
  const reference = (tag: string, parts: readonly IdPart[]) => Buffer.from(JSON.stringify([tag, ...parts])).toString('base64url');
  const parts: IdPart[] = [
    '',
    'a',
    'cn-north-4',
    'é',
    '"q"',
    'back\\slash',
    'tab\t',
    '~',
    ' ',
    'x'.repeat(600),
    null,
    0,
    -0,
    -7,
    42,
    2 ** 53 - 1,
    2 ** 53,
    1.5,
    1e21,
  ];
  it.each(parts.map((part) => [part]))('matches base64url(JSON) with the part %j', (part) => {
    for (const tag of ['cce3', 'é', 'q"']) {
      for (const list of [[part], [part, 'p'], ['r', part, 'j'], [part, part, part]])
        expect(encodeId(tag, list)).toBe(reference(tag, list));
    }
  });

  it('falls back to JSON when the text outgrows its scratch space, at every length around the limit', () => {
    for (let n = 980; n < 1030; n++) {
      const list = ['cn-north-4', 'y'.repeat(n)];
      expect(encodeId('x', list)).toBe(reference('x', list));
      expect(idEncoder('x', ['cn-north-4'])('y'.repeat(n))).toBe(reference('x', list));
    }
  });
});
