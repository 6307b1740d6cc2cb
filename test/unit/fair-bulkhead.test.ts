import { describe, expect, it } from 'vitest';
import { CallAbort } from '../../src/http/call-abort.js';
import { BulkheadFull, createFairBulkhead } from '../../src/http/fair-bulkhead.js';

/** A call that runs until the test ends it, recording that it started. */
function held() {
  let finish!: (value: string) => void;
  let started = false;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return {
    fn: () => {
      started = true;
      return promise;
    },
    get started() {
      return started;
    },
    finish,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createFairBulkhead', () => {
  it('one tenant runs at most its share of the slots; the rest stay free for others', async () => {
    const b = createFairBulkhead({ slots: 4, queue: 10, share: 0.5 });
    expect(b.perTenant).toBe(2);
    const a = Array.from({ length: 5 }, () => held());
    for (const call of a) void b.execute('attacker', call.fn);
    expect(a.filter((c) => c.started)).toHaveLength(2);
    expect(b.queued).toBe(3);
    const v = [held(), held()];
    for (const call of v) void b.execute('victim', call.fn);
    expect(v.every((c) => c.started)).toBe(true);
    expect(b.running).toBe(4);
  });

  it('a freed slot goes to the tenants in turn, not first come first served', async () => {
    const b = createFairBulkhead({ slots: 1, queue: 10, share: 1 });
    const order: string[] = [];
    const first = held();
    const running = b.execute('a', first.fn);
    const queued = [
      ...['a1', 'a2', 'a3'].map((n) => b.execute('a', async () => void order.push(n))),
      ...['b1', 'b2'].map((n) => b.execute('b', async () => void order.push(n))),
    ];
    first.finish('x');
    await running;
    await Promise.all(queued);
    expect(order).toEqual(['b1', 'a1', 'b2', 'a2', 'a3']);
  });

  it('alone, a tenant may use the whole queue; a full queue refuses at once', async () => {
    const b = createFairBulkhead({ slots: 1, queue: 3, share: 1 });
    const first = held();
    void b.execute('a', first.fn);
    const waiting = [1, 2, 3].map(() => b.execute('a', async () => 'ok'));
    await expect(b.execute('a', async () => 'no')).rejects.toBeInstanceOf(BulkheadFull);
    first.finish('x');
    expect(await Promise.all(waiting)).toEqual(['ok', 'ok', 'ok']);
  });

  it('when the queue is full, a lighter tenant takes the newest place of the heaviest', async () => {
    const b = createFairBulkhead({ slots: 1, queue: 4, share: 1 });
    const first = held();
    void b.execute('a', first.fn);
    const outcomes: string[] = [];
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        () => outcomes.push(`${name} ran`),
        (e: unknown) => outcomes.push(`${name} ${e instanceof BulkheadFull ? 'refused' : 'failed'}`),
      );
    const all = ['a1', 'a2', 'a3', 'a4'].map((n) =>
      track(
        n,
        b.execute('a', async () => n),
      ),
    );
    all.push(
      track(
        'b1',
        b.execute('b', async () => 'b1'),
      ),
    );
    all.push(
      track(
        'b2',
        b.execute('b', async () => 'b2'),
      ),
    );
    // b3 would leave b as heavy as a: it is refused instead of taking a's place.
    all.push(
      track(
        'b3',
        b.execute('b', async () => 'b3'),
      ),
    );
    expect(b.queued).toBe(4);
    first.finish('x');
    await Promise.all(all);
    expect(outcomes.filter((o) => o.endsWith('refused')).sort()).toEqual(['a3 refused', 'a4 refused', 'b3 refused']);
    expect(outcomes.filter((o) => o.endsWith('ran')).sort()).toEqual(['a1 ran', 'a2 ran', 'b1 ran', 'b2 ran']);
  });

  it('a waiting call that is aborted leaves at once and does not strand the calls behind it', async () => {
    const b = createFairBulkhead({ slots: 1, queue: 5, share: 1 });
    const first = held();
    void b.execute('a', first.fn);
    const controller = new CallAbort();
    let leftStarted = false;
    const leaving = b.execute(
      'a',
      async () => {
        leftStarted = true;
      },
      controller,
    );
    const staying = b.execute('a', async () => 'stayed');
    controller.abort(new Error('gone'));
    await expect(leaving).rejects.toThrow('gone');
    expect(b.queued).toBe(1);
    first.finish('x');
    expect(await staying).toBe('stayed');
    expect(leftStarted).toBe(false);
    await settle();
    expect(b.running).toBe(0);
  });

  it('a failing call frees its slot; an already aborted call never runs', async () => {
    const b = createFairBulkhead({ slots: 1, queue: 0, share: 1 });
    await expect(b.execute('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      b.execute('a', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await settle();
    expect(b.running).toBe(0);
    expect(await b.execute('a', async () => 'free again')).toBe('free again');
    const early = new CallAbort();
    early.abort(new Error('early'));
    await expect(b.execute('a', async () => 'never', early)).rejects.toThrow('early');
  });

  it('share rounds up and never goes below one slot or above all of them', () => {
    expect(createFairBulkhead({ slots: 32, queue: 0, share: 0.5 }).perTenant).toBe(16);
    expect(createFairBulkhead({ slots: 3, queue: 0, share: 0.5 }).perTenant).toBe(2);
    expect(createFairBulkhead({ slots: 1, queue: 0, share: 0.1 }).perTenant).toBe(1);
    expect(createFairBulkhead({ slots: 4, queue: 0, share: 1 }).perTenant).toBe(4);
  });
});
