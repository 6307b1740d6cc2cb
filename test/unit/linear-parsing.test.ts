/**
 * Every parser of upstream text runs in linear time: hostile padding is refused
 * quickly instead of backtracking for seconds on the event loop. Each case would take seconds with
 * the old patterns (`\s*…(?:\s+…)?`); the bound here is generous for a loaded two-core machine and
 * still two orders of magnitude below what the quadratic versions took.
 */
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/http/retry-after.js';
import { MAX_TIME_TEXT, toDateTime } from '../../src/model/time.js';
import { parsePercent } from '../../src/upstreams/db/map.js';

const PAD = ' '.repeat(50_000);
const TABS = '\t'.repeat(50_000);

function timedMs(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('toDateTime rejects hostile padding quickly', () => {
  it.each([
    ['spaces then "!"', `${PAD}!`],
    ['a time, spaces, "!"', `2025-09-02 10:23:38${PAD}!`],
    ['a time with a fraction, spaces, "!"', `2025-09-02 10:23:38.1${PAD}!`],
    ['a time with an offset, tabs, "!"', `2025-09-02 10:23:38 +0000${TABS}!`],
    ['a time, spaces, a zone name', `2025-09-02 10:23:38${PAD}UTC`],
    ['a million digits', '1'.repeat(1_000_000)],
  ])('%s → null, in well under a second', (_what, value) => {
    let result: string | null = 'unset';
    const ms = timedMs(() => (result = toDateTime(value)));
    expect(result).toBeNull();
    expect(ms).toBeLessThan(250);
  });

  it('refuses text longer than MAX_TIME_TEXT even when it would otherwise parse', () => {
    const padded = `2025-09-02T10:23:38Z${' '.repeat(MAX_TIME_TEXT)}x`;
    expect(toDateTime(padded)).toBeNull();
    // Surrounding blanks within the bound are still trimmed, as before.
    expect(toDateTime(`  2025-09-02T10:23:38Z  `)).toBe('2025-09-02T10:23:38.000Z');
  });

  it('still accepts every documented form', () => {
    expect(toDateTime('2025-09-02 10:23:38.987955 +0000 UTC')).toBe('2025-09-02T10:23:38.987Z');
    expect(toDateTime('2018-08-02 08:12:40.672772389 +0000 UTC')).toBe('2018-08-02T08:12:40.672Z');
    expect(toDateTime('2021-07-12T09:22:04+0800')).toBe('2021-07-12T01:22:04.000Z');
    expect(toDateTime('2021-07-12T09:22:04.25+05:30')).toBe('2021-07-12T03:52:04.250Z');
    expect(toDateTime('2021-07-12 09:22:04 -0700 MST')).toBe('2021-07-12T16:22:04.000Z');
  });
});

describe('parsePercent rejects hostile padding quickly', () => {
  it.each([
    ['a number, spaces, "!"', `1${PAD}!`],
    ['a number, spaces, "%", spaces, "!"', `1${PAD}%${PAD}!`],
    ['a million digits', '9'.repeat(1_000_000)],
  ])('%s → null', (_what, value) => {
    let result: number | null = -1;
    const ms = timedMs(() => (result = parsePercent(value)));
    expect(result).toBeNull();
    expect(ms).toBeLessThan(250);
  });
});

describe('Retry-After (an upstream time format too) is linear', () => {
  it.each([`Mon,${PAD}!`, `${PAD}!`, `Monday, 01-Jan-2024${PAD}!`])('padding is junk, fast', (value) => {
    let result: number | undefined = 1;
    const ms = timedMs(() => (result = parseRetryAfter(value)));
    expect(result).toBeUndefined();
    expect(ms).toBeLessThan(250);
  });
});
