import { describe, expect, it } from 'vitest';
import { toDateTime } from '../../src/model/time.js';
import { mapCaeJob, type CaeRef } from '../../src/upstreams/cae/map.js';
import { mapCceJob, type CceApi } from '../../src/upstreams/cce/map.js';
import { parsePercent } from '../../src/upstreams/db/map.js';

describe('toDateTime: Go time.String()', () => {
  it.each([
    // 0, 1, 3, 6 and 9 fraction digits
    ['2018-08-02 08:12:40 +0000 UTC', '2018-08-02T08:12:40.000Z'],
    ['2018-08-02 08:12:40.6 +0000 UTC', '2018-08-02T08:12:40.600Z'],
    ['2018-08-02 08:12:40.672 +0000 UTC', '2018-08-02T08:12:40.672Z'],
    ['2025-09-02 10:23:38.987955 +0000 UTC', '2025-09-02T10:23:38.987Z'],
    ['2018-08-02 08:12:40.672772389 +0000 UTC', '2018-08-02T08:12:40.672Z'],
    ['2025-09-02 11:26:03.218087 +0000 UTC', '2025-09-02T11:26:03.218Z'],
    ['2018-08-02 03:52:34.615819618 +0000 UTC', '2018-08-02T03:52:34.615Z'],
    // truncation, never rounding
    ['2018-08-02 08:12:40.9999 +0000 UTC', '2018-08-02T08:12:40.999Z'],
    ['2018-12-31 23:59:59.999999999 +0000 UTC', '2018-12-31T23:59:59.999Z'],
    ['2018-08-02 08:12:40.05 +0000 UTC', '2018-08-02T08:12:40.050Z'],
    // a zone other than UTC
    ['2021-07-12 09:22:04.5 +0800 CST', '2021-07-12T01:22:04.500Z'],
    ['2021-07-12 09:22:04 -0700 MST', '2021-07-12T16:22:04.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(toDateTime(input)).toBe(expected);
  });
});

describe('toDateTime: RFC 3339', () => {
  it.each([
    ['2020-09-16T02:38:33Z', '2020-09-16T02:38:33.000Z'],
    ['2023-02-16T11:24:07.950175Z', '2023-02-16T11:24:07.950Z'],
    ['2022-12-05T08:10:19.951Z', '2022-12-05T08:10:19.951Z'],
    ['2022-12-05T08:10:19.9Z', '2022-12-05T08:10:19.900Z'],
    ['2022-12-05T08:10:19.123456789Z', '2022-12-05T08:10:19.123Z'],
    ['2022-12-05T08:10:19.99999Z', '2022-12-05T08:10:19.999Z'],
    ['2021-07-12T09:22:04+08:00', '2021-07-12T01:22:04.000Z'],
    ['2021-07-12T09:22:04.25+05:30', '2021-07-12T03:52:04.250Z'],
    ['2021-07-12T09:22:04+00:00', '2021-07-12T09:22:04.000Z'],
    ['2020-02-29T12:00:00Z', '2020-02-29T12:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(toDateTime(input)).toBe(expected);
  });
});

describe('toDateTime: offsets without a colon', () => {
  it.each([
    ['2021-07-12T09:22:04+0800', '2021-07-12T01:22:04.000Z'],
    ['2021-07-12T10:10:13+0800', '2021-07-12T02:10:13.000Z'],
    ['2018-08-06T10:41:14+0000', '2018-08-06T10:41:14.000Z'],
    ['2021-07-12T09:22:04.123+0800', '2021-07-12T01:22:04.123Z'],
    // crossing a day (and year) boundary, both directions
    ['2021-07-12T05:00:00+0800', '2021-07-11T21:00:00.000Z'],
    ['2021-12-31T22:30:00-0500', '2022-01-01T03:30:00.000Z'],
    ['2021-12-31T22:30:00-05:00', '2022-01-01T03:30:00.000Z'],
    ['2022-01-01T01:00:00+0200', '2021-12-31T23:00:00.000Z'],
    ['2021-02-28T20:00:00-1000', '2021-03-01T06:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(toDateTime(input)).toBe(expected);
  });
});

describe('toDateTime: epoch milliseconds', () => {
  it.each([
    [1641370501000, '2022-01-05T08:15:01.000Z'],
    [1641370515000, '2022-01-05T08:15:15.000Z'],
    [1641370515123, '2022-01-05T08:15:15.123Z'],
    ['1641370501000', '2022-01-05T08:15:01.000Z'],
    [' 1641370515000 ', '2022-01-05T08:15:15.000Z'],
    ['1641370515123', '2022-01-05T08:15:15.123Z'],
  ] as Array<[number | string, string]>)('%j → %s', (input, expected) => {
    expect(toDateTime(input)).toBe(expected);
  });
});

describe('toDateTime: missing values', () => {
  it.each([[undefined], [null], [''], ['   ']] as Array<[unknown]>)('%j → null', (input) => {
    expect(toDateTime(input)).toBeNull();
  });
});

describe('toDateTime: garbage gives null, never a throw', () => {
  it.each([
    ['yesterday'],
    ['now'],
    ['2021-13-01T00:00:00Z'],
    ['2021-00-10T00:00:00Z'],
    ['2021-02-30T00:00:00Z'],
    ['2021-02-29T00:00:00Z'],
    ['2021-04-31T00:00:00Z'],
    ['2021-07-12T24:00:00Z'],
    ['2021-07-12T09:60:00Z'],
    ['2021-07-12T09:22:04+08'],
    ['2021-07-12T09:22:04 +0800 UTC trailing'],
    ['2021-07-12'],
    ['12/07/2021 09:22:04'],
    ['2021-07-12T09:22:04.Z'],
    ['2021-07-12T09:22:04.1234567890Z'],
    ['abc1641370501000'],
    ['1641370501000ms'],
    ['-1641370501000'],
    ['1.5e12'],
    [{}],
    [{ seconds: 1641370501 }],
    [[]],
    [[1641370501000]],
    [true],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [Number.NEGATIVE_INFINITY],
    [-1],
    [-1641370501000],
    [Symbol('t')],
    [() => 1641370501000],
    [new Date(Number.NaN)],
  ] as Array<[unknown]>)('%s → null', (input) => {
    let result: string | null | undefined;
    expect(() => {
      result = toDateTime(input);
    }).not.toThrow();
    expect(result).toBeNull();
  });
});

const place = (api: CceApi) => ({ api, region: 'cn-north-4', projectId: 'p1', maxDepth: 32, requestId: null });
const CREATED = '2025-09-02 10:23:38.987955 +0000 UTC';
const UPDATED = '2025-09-02 11:26:03.218087 +0000 UTC';
const DONE = '2025-09-02 11:30:00.5 +0000 UTC';

describe('CCE finishedAt', () => {
  const v3 = (phase: string) =>
    mapCceJob(
      { apiVersion: 'v3', metadata: { uid: 'j', creationTimestamp: CREATED, updateTimestamp: UPDATED }, spec: {}, status: { phase } },
      place('v3'),
    );
  const v2 = (status: string, completionTime?: unknown) =>
    mapCceJob(
      {
        apiVersion: 'v2',
        metadata: { uid: 'j', creationTimestamp: CREATED, updateTimestamp: UPDATED },
        spec: {},
        status: completionTime === undefined ? { status } : { status, completionTime },
      },
      place('v2'),
    );

  it.each([
    ['Success', '2025-09-02T11:26:03.218Z'],
    ['Failed', '2025-09-02T11:26:03.218Z'],
    ['success', '2025-09-02T11:26:03.218Z'],
    ['Running', null],
    ['Initializing', null],
    ['Mystery', null],
  ])('v3 %s: finishedAt is updateTimestamp only when terminal → %s', (phase, expected) => {
    const job = v3(phase);
    expect(job.finishedAt).toBe(expected);
    expect(job.createdAt).toBe('2025-09-02T10:23:38.987Z');
    expect(job.updatedAt).toBe('2025-09-02T11:26:03.218Z');
  });

  it.each([
    ['Failed', DONE, '2025-09-02T11:30:00.500Z'],
    ['Success', DONE, '2025-09-02T11:30:00.500Z'],
    ['Failed', undefined, null],
    ['Success', '', null],
    ['Running', undefined, null],
    ['Failed', 'garbage', null],
  ] as Array<[string, unknown, string | null]>)('v2 %s with completionTime %j → %s (never updateTimestamp)', (status, completion, expected) => {
    const job = v2(status, completion);
    expect(job.finishedAt).toBe(expected);
    expect(job.updatedAt).toBe('2025-09-02T11:26:03.218Z');
  });
});

describe('CAE job times come from its tasks', () => {
  const ref: CaeRef = { region: 'cn-north-4', projectId: 'p1', environmentId: 'e1', enterpriseProjectId: null, jobId: 'j1' };
  const map = (status: string, tasks: unknown[]) => mapCaeJob({ api_version: 'v1', kind: 'Job', spec: { progress: 50, status, tasks } }, ref, null);

  const tasks = [
    { index: 2, name: 'deploy', status: 'success', created_at: '2023-02-16T11:30:00Z', updated_at: '2023-02-16T11:45:10.5Z' },
    { index: 1, name: 'build', status: 'success', created_at: '2023-02-16T11:24:07.950175Z', updated_at: '2023-02-16T11:29:59Z' },
    // different formats still compare as instants
    { index: 3, name: 'verify', status: 'success', created_at: '2023-02-16T19:40:00+0800', updated_at: '2023-02-16 11:50:00.123456 +0000 UTC' },
    { index: 4, name: 'noop', status: 'skip', created_at: '', updated_at: null },
  ];

  it('createdAt is the earliest task creation, updatedAt the latest task update', () => {
    const job = map('success', tasks);
    expect(job.createdAt).toBe('2023-02-16T11:24:07.950Z');
    expect(job.updatedAt).toBe('2023-02-16T11:50:00.123Z');
    expect(job.finishedAt).toBe('2023-02-16T11:50:00.123Z');
  });

  it('a running job has no finishedAt', () => {
    const job = map('running', tasks);
    expect(job.updatedAt).toBe('2023-02-16T11:50:00.123Z');
    expect(job.finishedAt).toBeNull();
  });

  it('each task keeps its own times; a terminal task is finished at its update', () => {
    const job = map('running', [
      { index: 1, name: 'upgrade', status: 'init', detail: '', created_at: '2023-02-16T11:24:07.950175Z', updated_at: '2023-02-16T11:24:07.950175Z' },
      { index: 2, name: 'done', status: 'failed', detail: 'x', created_at: '2023-02-16T11:24:07Z', updated_at: '2023-02-16T11:25:00Z' },
    ]);
    expect(job.subJobs.map((t) => [t.createdAt, t.updatedAt, t.finishedAt])).toEqual([
      ['2023-02-16T11:24:07.950Z', '2023-02-16T11:24:07.950Z', null],
      ['2023-02-16T11:24:07.000Z', '2023-02-16T11:25:00.000Z', '2023-02-16T11:25:00.000Z'],
    ]);
  });

  it('no tasks (or no parseable task times) → null times', () => {
    expect(map('success', [])).toMatchObject({ createdAt: null, updatedAt: null, finishedAt: null });
    const noTimes = map('failed', [{ index: 1, name: 'a', status: 'failed', created_at: 'soon', updated_at: '' }]);
    expect(noTimes).toMatchObject({ createdAt: null, updatedAt: null, finishedAt: null });
  });
});

describe('parsePercent (RDS progress)', () => {
  it.each([
    ['60%', 60],
    ['0%', 0],
    ['100%', 100],
    ['7.5%', 7.5],
    [' 42 % ', 42],
    ['60', 60],
    ['250%', 100],
    ['', null],
    ['%', null],
    ['abc', null],
    ['-5%', null],
    ['60%%', null],
    [null, null],
    [undefined, null],
    [{}, null],
    [45, 45],
    [Number.NaN, null],
  ] as Array<[unknown, number | null]>)('%j → %s', (input, expected) => {
    expect(parsePercent(input)).toBe(expected);
  });
});

describe('toDateTime: values that only look like times', () => {
  it.each([
    ['epoch 0 (upstreams send it for "not yet")', 0],
    ['epoch "0"', '000000000'],
    ['a year past 9999', 253402300800000],
    ['an offset hour over 23', '2021-07-12T09:22:04+9999'],
    ['an offset minute over 59', '2021-07-12T09:22:04+08:75'],
  ])('%s is null', (_what, value) => {
    expect(toDateTime(value)).toBeNull();
  });

  it('keeps the last millisecond of year 9999', () => {
    expect(toDateTime(253402300799999)).toBe('9999-12-31T23:59:59.999Z');
  });

  it('clamps numeric progress to 0..100', () => {
    expect(parsePercent(-5)).toBe(0);
    expect(parsePercent(250)).toBe(100);
    expect(parsePercent(Number.NaN)).toBeNull();
  });
});
