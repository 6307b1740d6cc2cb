import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { RequestLedger } from '../../src/http/request-ledger.js';
import { createAnswerCache } from '../../src/server/answer-cache.js';
import type { PreparedOperation } from '../../src/server/use-prepared-operations.js';

const terminalRead = (): RequestLedger => ({ calls: 1, answer: performance.now() + 60_000 });
const operation = (): PreparedOperation => ({ document: parse('query Q($id: ID!) { job(id: $id) { id } }'), operationName: 'Q' });

describe('answer cache bookkeeping (the gateway-level behaviour is in test/gateway/answer-cache.test.ts)', () => {
  it("finds a principal's other answers after one of them was evicted by the byte bound, and her next one", () => {
    const cache = createAnswerCache(400);
    const op = operation();
    const text = 'x'.repeat(150);
    cache.offer('alice', op, { id: '1' }, terminalRead(), 0, text);
    cache.offer('alice', op, { id: '2' }, terminalRead(), 0, text);
    // A third answer over the bound pushes out the oldest: alice's first.
    cache.offer('bob', op, { id: '1' }, terminalRead(), 0, text);
    expect(cache.get('alice', op, { id: '1' })).toBeUndefined();
    expect(cache.get('alice', op, { id: '2' })?.toString()).toBe(text);
    expect(cache.get('bob', op, { id: '1' })?.toString()).toBe(text);
    // Both of alice's gone: her count went back to none, not below, so her next answer is found.
    cache.offer('carol', op, { id: '1' }, terminalRead(), 0, text);
    expect(cache.get('alice', op, { id: '2' })).toBeUndefined();
    cache.offer('alice', op, { id: '3' }, terminalRead(), 0, text);
    expect(cache.get('alice', op, { id: '3' })?.toString()).toBe(text);
  });

  it('replacing an answer under the same key keeps it findable, and dropping its owner forgets it', () => {
    const cache = createAnswerCache(10_000);
    const op = operation();
    cache.offer('alice', op, { id: '1' }, terminalRead(), 0, 'first');
    cache.offer('alice', op, { id: '1' }, terminalRead(), 0, 'second');
    expect(cache.get('alice', op, { id: '1' })?.toString()).toBe('second');
    cache.dropOwner('alice');
    expect(cache.get('alice', op, { id: '1' })).toBeUndefined();
    expect(cache.size).toBe(0);
    // Offers that began before the drop are refused; new ones are kept.
    cache.offer('alice', op, { id: '1' }, terminalRead(), 0, 'stale');
    expect(cache.get('alice', op, { id: '1' })).toBeUndefined();
    cache.offer('alice', op, { id: '1' }, terminalRead(), cache.drops, 'fresh');
    expect(cache.get('alice', op, { id: '1' })?.toString()).toBe('fresh');
  });

  it('keeps nothing a read called changeable, and nothing for an operation that is not made of job reads', () => {
    const cache = createAnswerCache(10_000);
    const op = operation();
    cache.offer('alice', op, { id: '1' }, { calls: 1, answer: 'changeable' }, 0, 'running');
    expect(cache.get('alice', op, { id: '1' })).toBeUndefined();
    const list: PreparedOperation = { document: parse('{ cceJobs(projectId: "p") { id } }'), operationName: null };
    cache.offer('alice', list, undefined, terminalRead(), 0, 'list');
    expect(cache.get('alice', list, undefined)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
