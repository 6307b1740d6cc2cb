import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/server/answer-cache.js';

/** The definition: every object's own keys sorted, undefined members left out, leaves as JSON writes them. */
function reference(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`);
  return `{${parts.join(',')}}`;
}

function sparse(): unknown[] {
  const list: unknown[] = [1];
  list[2] = 2;
  return list;
}

class Point {
  constructor(
    public y: number,
    public x: number,
  ) {}
}

const cases: Array<[string, unknown]> = [
  ['a list of ids', { ids: ['a', 'b', 'c"d', 'é'] }],
  ['sorted keys', { a: 1, b: [true, null, 2.5], c: { d: 'x', e: {} } }],
  ['keys out of order', { b: 1, a: 2 }],
  ['nested keys out of order', { a: [{ z: 1, y: 2 }], b: 'x' }],
  ['integer-like keys', { '10': 1, '9': 2, a: 3 }],
  ['an undefined member', { a: undefined, b: 1 }],
  ['undefined in a list', { a: [1, undefined, 2] }],
  ['a sparse list', { a: sparse() }],
  ['a class instance', { p: new Point(1, 2) }],
  ['a null-prototype object', { o: Object.assign(Object.create(null) as object, { b: 1, a: 2 }) }],
  ['non-finite numbers', { a: Number.NaN, b: Number.POSITIVE_INFINITY }],
  ['empty', {}],
  ['a string', 'x'],
  ['null', null],
];

describe('canonicalJson', () => {
  it.each(cases)('writes %s with sorted keys', (_name, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  it('gives the same text for the same variables in any key order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });
});
