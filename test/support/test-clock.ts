import { vi } from 'vitest';
import type { Clock } from '../../src/http/clock.js';

interface Timer {
  id: number;
  due: number;
  fn: (arg: unknown) => void;
  arg: unknown;
}

export interface TestClock extends Clock {
  /** Moves time on by `ms`, firing each timer that falls due on the way, in order, letting I/O run after each. */
  advance(ms: number): Promise<void>;
  /** Delays (ms from when they were set) of the timers still pending. */
  pending(): number[];
  /** Resolves once `count` timers of `ms` (or that `ms` accepts) are pending (polled on the real clock; no fixed sleep). */
  waitForTimer(ms: number | ((ms: number) => boolean), count?: number): Promise<void>;
}

/**
 * Time a test moves by hand, for the clock the upstream client and the watch hub are given, and
 * for the process's Date (cockatiel's breaker and Retry-After dates read Date.now). Only Date is
 * faked globally: sockets, undici and the servers keep their real timers. Call `vi.useRealTimers()`
 * after the test.
 */
export function createTestClock(): TestClock {
  // Date is the one time source: frozen between advances, moved only by advance().
  vi.useFakeTimers({ toFake: ['Date'] });
  let nextId = 1;
  const timers: Timer[] = [];
  const delays = new Map<number, number>();
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  const clock: TestClock = {
    now: () => Date.now(),
    setTimeout(fn, ms, arg) {
      const timer: Timer = { id: nextId++, due: Date.now() + Math.max(0, ms), fn: fn as (arg: unknown) => void, arg };
      timers.push(timer);
      delays.set(timer.id, ms);
      return timer.id;
    },
    clearTimeout(handle) {
      const at = timers.findIndex((t) => t.id === handle);
      if (at >= 0) timers.splice(at, 1);
      delays.delete(handle as number);
    },
    async advance(ms) {
      const target = Date.now() + ms;
      for (;;) {
        await settle();
        let next: Timer | undefined;
        for (const t of timers) if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.id < next.id))) next = t;
        if (!next) break;
        timers.splice(timers.indexOf(next), 1);
        delays.delete(next.id);
        vi.setSystemTime(Math.max(next.due, Date.now()));
        next.fn(next.arg);
      }
      vi.setSystemTime(target);
      await settle();
    },
    pending: () => [...delays.values()],
    // Not vi.waitFor: with fake timers on, it moves the fake clock at every poll.
    async waitForTimer(ms, count = 1) {
      const wanted = typeof ms === 'number' ? (delay: number) => delay === ms : ms;
      for (let waited = 0; clock.pending().filter(wanted).length < count; waited += 5) {
        if (waited > 10_000) throw new Error(`no such timer pending (pending: ${clock.pending().join(', ')} ms)`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
  return clock;
}
