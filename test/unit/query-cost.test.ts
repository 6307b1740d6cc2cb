import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graph/schema.js';
import { jobsById } from '../../src/graph/resolvers.js';
import { costOf, planCost } from '../../src/server/query-cost.js';
import { jsonSize } from '../../src/model/json-size.js';

// The schema as served (resolvers do not matter here, only types).
const schema = buildSchema([], jobsById([]), { maxJobIds: 100 }, []);
const estimates = { cceJobs: 50, subJobs: 20 };
const cost = (query: string, variables?: Record<string, unknown>, operationName: string | null = null) =>
  costOf(planCost(schema, parse(query), operationName, estimates, 100), variables);

describe('query cost', () => {
  it('counts each field once', () => {
    expect(cost('{ job(id: "x") { id state } }')).toBe(3);
  });

  it('multiplies jobs(ids:) by the number of ids, literal or from variables', () => {
    expect(cost('{ jobs(ids: ["a", "b", "c"]) { id state } }')).toBe(1 + 3 * 2);
    expect(cost('{ jobs(ids: "a") { id } }')).toBe(2);
    const q = 'query Q($ids: [ID!]!) { a: jobs(ids: $ids) { id state } b: jobs(ids: $ids) { id } }';
    expect(cost(q, { ids: [] })).toBe(2);
    expect(cost(q, { ids: ['x'] })).toBe(2 + 2 + 1);
    expect(cost(q, { ids: Array.from({ length: 100 }, () => 'x') })).toBe(2 + 100 * 3);
    // A variable that is not a list stands for a list of one; a missing one falls back to its default.
    expect(cost(q, { ids: 'x' })).toBe(5);
    expect(cost('query Q($ids: [ID!] = ["a", "b"]) { jobs(ids: $ids) { id } }', {})).toBe(1 + 2);
    expect(cost('{ jobs(ids: [$a, $b]) { id } }', { a: 'x', b: 'y' })).toBe(3);
  });

  it('counts cceJobs at its estimate and a sub-job tree at its estimate, however deeply nested', () => {
    expect(cost('{ cceJobs(projectId: "p") { id } }')).toBe(1 + 50);
    expect(cost('{ job(id: "x") { subJobs { id } } }')).toBe(1 + 1 + 20);
    // The estimate is the whole tree's size: each of its jobs pays the costliest level once.
    expect(cost('{ job(id: "x") { subJobs { id subJobs { id subJobs { id } } } } }')).toBe(1 + 1 + 20 * (1 + 1));
    expect(cost('{ job(id: "x") { subJobs { id subJobs { id state message subJobs { id } } } } }')).toBe(1 + 1 + 20 * (1 + 1 + 1 + 1));
    const twelve = `${'subJobs { '.repeat(12)}jobId${' }'.repeat(12)}`;
    expect(cost(`{ job(id: "x") { jobId ${twelve} } }`)).toBe(1 + 1 + 1 + 20 * 1);
    // Two aliased subJobs walk the tree twice.
    expect(cost('{ job(id: "x") { subJobs { a: subJobs { id } b: subJobs { id state } } } }')).toBe(1 + 1 + 20 * (1 + 2));
  });

  it('expands fragments where they are spread, in linear time for fragments of fragments', () => {
    expect(cost('{ a: job(id: "x") { ...F } b: job(id: "y") { ...F } } fragment F on Job { id state }')).toBe(2 * 3);
    // 2^30 expansions if planned naively.
    const chain = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Job { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const started = performance.now();
    const c = cost(`{ job(id: "x") { ...F0 } }\n${chain}\nfragment F30 on Job { id }`);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(c).toBe(1 + 2 ** 30);
  });

  it('prices the operation that is asked for', () => {
    const doc = 'query A { job(id: "x") { id } } query B($ids: [ID!]!) { jobs(ids: $ids) { id state } }';
    expect(cost(doc, { ids: ['a', 'b'] }, 'A')).toBe(2);
    expect(cost(doc, { ids: ['a', 'b'] }, 'B')).toBe(5);
  });
});

describe('jsonSize', () => {
  it('is within a few percent of the real text', () => {
    const value = { jobs: Array.from({ length: 40 }, (_, i) => ({ id: `job-${i}`, subJobs: [{ state: 'SUCCEEDED', progress: i }] })) };
    const size = jsonSize(value);
    const length = Buffer.byteLength(JSON.stringify(value));
    expect(Math.abs(size - length) / length).toBeLessThan(0.1);
  });

  it('counts strings in UTF-8 bytes, keys included', () => {
    expect(jsonSize({ clé: 'é😀' }) - jsonSize({ cle: 'ab' })).toBe(1 + 4);
  });
});
