import { describe, expect, it } from 'vitest';
import type { CallAbort } from '../../src/http/call-abort.js';
import { Cancelled, createInFlight } from '../../src/http/in-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const leaving = () => new Error('left');

describe('createInFlight', () => {
  it('shares one call among callers with the same key, and none across keys', async () => {
    const inFlight = createInFlight<string>();
    const starts: string[] = [];
    const start = (key: string) => () => {
      starts.push(key);
      return Promise.resolve(`answer for ${key}`);
    };
    const results = await Promise.all([
      inFlight.join('a', start('a'), undefined, leaving),
      inFlight.join('a', start('a'), new AbortController().signal, leaving),
      inFlight.join('b', start('b'), undefined, leaving),
    ]);
    expect(results).toEqual(['answer for a', 'answer for a', 'answer for b']);
    expect(starts).toEqual(['a', 'b']);
    expect(inFlight.size).toBe(0);
  });

  it('keeps the call going while any caller stays, and answers the one who left at once', async () => {
    const inFlight = createInFlight<string>();
    const answer = deferred<string>();
    let controller: CallAbort | undefined;
    const start = (c: CallAbort) => {
      controller = c;
      return answer.promise;
    };
    const leaver = new AbortController();
    const left = inFlight.join('k', start, leaver.signal, leaving);
    const stays = inFlight.join('k', start, new AbortController().signal, leaving);
    leaver.abort();
    await expect(left).rejects.toThrow('left');
    expect(controller!.aborted).toBe(false);
    answer.resolve('done');
    await expect(stays).resolves.toBe('done');
  });

  it('aborts the call with Cancelled when every caller has left, and starts afresh for the next', async () => {
    const inFlight = createInFlight<string>();
    const controllers: CallAbort[] = [];
    const start = (c: CallAbort) => {
      controllers.push(c);
      return new Promise<string>((_resolve, reject) => c.onAbort(reject));
    };
    const one = new AbortController();
    const two = new AbortController();
    const calls = [inFlight.join('k', start, one.signal, leaving), inFlight.join('k', start, two.signal, leaving)];
    one.abort();
    two.abort();
    await Promise.allSettled(calls);
    expect(controllers).toHaveLength(1);
    expect(controllers[0]!.reason).toBeInstanceOf(Cancelled);
    expect(inFlight.size).toBe(0);

    void inFlight.join('k', start, new AbortController().signal, leaving).catch(() => undefined);
    expect(controllers).toHaveLength(2);
    controllers[1]!.abort(new Error('done'));
  });

  it('hands a failure to every caller and forgets the key', async () => {
    const inFlight = createInFlight<string>();
    const failing = () => Promise.reject(new Error('upstream down'));
    const results = await Promise.allSettled([
      inFlight.join('k', failing, undefined, leaving),
      inFlight.join('k', failing, new AbortController().signal, leaving),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual([
      'upstream down',
      'upstream down',
    ]);
    expect(inFlight.size).toBe(0);
  });

  it('answers a caller whose signal is already aborted without waiting', async () => {
    const inFlight = createInFlight<string>();
    const gone = new AbortController();
    gone.abort();
    await expect(inFlight.join('k', () => new Promise<string>(() => undefined), gone.signal, leaving)).rejects.toThrow('left');
  });

  it('has(key) is true exactly while a call with that key is on its way', async () => {
    const inFlight = createInFlight<string>();
    const call = deferred<string>();
    const joined = inFlight.join('k', () => call.promise, undefined, leaving);
    expect(inFlight.has('k')).toBe(true);
    expect(inFlight.has('other')).toBe(false);
    call.resolve('done');
    await joined;
    expect(inFlight.has('k')).toBe(false);
  });
});
