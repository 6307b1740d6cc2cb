/**
 * The upstream client's policies one by one (src/http/*-policy.ts, attempt-telemetry.ts), each
 * around a scripted next step on a test clock. test/resilience/* covers them together over sockets.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attemptTelemetry } from '../../src/http/attempt-telemetry.js';
import { authCooldownPolicy } from '../../src/http/auth-cooldown-policy.js';
import { CIRCUIT_STATES, breakerPolicy, createBreaker } from '../../src/http/breaker-policy.js';
import { CallAbort } from '../../src/http/call-abort.js';
import { bulkheadPolicy } from '../../src/http/bulkhead-policy.js';
import { sleep } from '../../src/http/clock.js';
import { createCredentialVerdicts } from '../../src/http/credential-verdicts.js';
import { deadlinePolicy } from '../../src/http/deadline-policy.js';
import { upstreamError } from '../../src/http/error-map.js';
import { createFairBulkhead } from '../../src/http/fair-bulkhead.js';
import { DeadlineExceeded, abortedError, isCancellation, markDropped, markInSuccessfulAnswer } from '../../src/http/failure-kinds.js';
import { Cancelled } from '../../src/http/in-flight.js';
import { retryPolicy } from '../../src/http/retry-policy.js';
import { throttleBudget, throttlePolicy } from '../../src/http/throttle-policy.js';
import { compose, type Host, type Policy, type Step, type UpstreamCall } from '../../src/http/upstream-call.js';
import type { UpstreamAttempt, UpstreamResponse } from '../../src/http/upstream-types.js';
import type { JobError } from '../../src/model/errors.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

afterEach(() => {
  vi.useRealTimers();
});

const OK: UpstreamResponse = { status: 200, body: { ok: true }, requestId: 'up-1' };
const BREAKER = { threshold: 0.5, windowMs: 10_000, minRequests: 2, halfOpenAfterMs: 1_000, samplesPerRequest: 1 };
const info = (status: number | null) => ({ service: 'CCE', status, errorCode: null, requestId: null });
const unavailable = (status: number | null, retryAfterMs?: number) =>
  upstreamError('UPSTREAM_UNAVAILABLE', info(status), null, retryAfterMs);

function host(): Host {
  return {
    pool: undefined as never,
    origin: 'http://upstream.test',
    host: 'upstream.test',
    basePath: '',
    breaker: createBreaker(BREAKER, () => undefined),
    bulkhead: createFairBulkhead({ slots: 1, queue: 1, share: 1 }),
  };
}

function newCall(overrides: Partial<UpstreamCall> = {}): UpstreamCall {
  return {
    request: { baseUrl: 'http://upstream.test', path: '/jobs/1', projectId: 'p' },
    context: { credential: { kind: 'token', token: 'tok' }, principal: 't:abc', requestId: 'r-1' },
    cancel: new CallAbort(),
    host: host(),
    deadline: Number.MAX_SAFE_INTEGER,
    attempt: 0,
    ...overrides,
  };
}

/** A next step answering from `script` in turn (an Error is thrown), counting its calls. */
function scripted(...script: (UpstreamResponse | Error)[]): Step & { calls: number } {
  const step = Object.assign(
    async () => {
      const next = script[Math.min(step.calls++, script.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    { calls: 0 },
  );
  return step;
}

describe('compose', () => {
  it('runs the policies outermost first around the last step', async () => {
    const order: string[] = [];
    const tag =
      (name: string): Policy =>
      async (call, next) => {
        order.push(`${name}>`);
        const res = await next(call);
        order.push(`<${name}`);
        return res;
      };
    const run = compose([tag('a'), tag('b')], async () => {
      order.push('send');
      return OK;
    });
    expect(await run(newCall())).toBe(OK);
    expect(order).toEqual(['a>', 'b>', 'send', '<b', '<a']);
  });
});

describe('sleep on a clock', () => {
  it('resolves when the clock reaches it, and rejects with the reason as soon as the call is aborted', async () => {
    const clock = createTestClock();
    const controller = new CallAbort();
    let done = false;
    const slept = sleep(clock, 500, controller).then(() => (done = true));
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(1);
    await slept;
    expect(done).toBe(true);

    const aborted = sleep(clock, 500, controller);
    controller.abort(new Cancelled());
    await expect(aborted).rejects.toBeInstanceOf(Cancelled);
    expect(clock.pending()).toEqual([]);
  });
});

describe('deadlinePolicy', () => {
  it('sets the deadline, aborts the call with DeadlineExceeded when it passes, and clears its timer when the call ends', async () => {
    const clock = createTestClock();
    const policy = deadlinePolicy(clock, 1_000);
    const call = newCall();
    const hanging = policy(call, (c) => new Promise((_, reject) => c.cancel.onAbort(reject))).catch((error: unknown) => error);
    expect(call.deadline).toBe(clock.now() + 1_000);
    await clock.advance(999);
    expect(call.cancel.aborted).toBe(false);
    await clock.advance(1);
    expect(await hanging).toBeInstanceOf(DeadlineExceeded);

    await policy(newCall(), scripted(OK));
    expect(clock.pending()).toEqual([]);
  });

  it('times overlapping calls with one timer: each is aborted at its own deadline, and one that ended is not', async () => {
    const clock = createTestClock();
    const policy = deadlinePolicy(clock, 1_000);
    const hang = (c: UpstreamCall) => new Promise<UpstreamResponse>((_, reject) => c.cancel.onAbort(reject));
    let finish!: (r: UpstreamResponse) => void;
    const first = newCall();
    const finished = policy(first, () => new Promise((resolve) => (finish = resolve)));
    await clock.advance(300);
    const second = newCall();
    const secondDone = policy(second, hang).catch((error: unknown) => error);
    await clock.advance(300);
    const third = newCall();
    const thirdDone = policy(third, hang).catch((error: unknown) => error);
    expect(clock.pending()).toHaveLength(1);

    // The oldest ends early; its timer still fires at its deadline and moves on to the next one.
    finish(OK);
    expect(await finished).toBe(OK);
    await clock.advance(400);
    expect(first.cancel.aborted).toBe(false);
    expect(second.cancel.aborted).toBe(false);
    await clock.advance(299);
    expect(second.cancel.aborted).toBe(false);
    await clock.advance(1);
    expect(await secondDone).toBeInstanceOf(DeadlineExceeded);
    expect(third.cancel.aborted).toBe(false);
    await clock.advance(300);
    expect(await thirdDone).toBeInstanceOf(DeadlineExceeded);
    expect(clock.pending()).toEqual([]);
  });
});

describe('retryPolicy', () => {
  const options = (clock: TestClock, retries = 2) => ({
    service: 'CCE',
    clock,
    retries,
    baseMs: 100,
    maxDelayMs: 1_000,
    callsPerRequest: 10,
  });

  it("retries a 503 after the upstream's Retry-After, and reports each retry", async () => {
    const clock = createTestClock();
    const retries: unknown[] = [];
    const next = scripted(unavailable(503, 700), OK);
    const result = retryPolicy({ ...options(clock), onRetry: (e) => retries.push(e) })(newCall(), next);
    await clock.waitForTimer(700);
    await clock.advance(699);
    expect(next.calls).toBe(1);
    await clock.advance(1);
    expect(await result).toBe(OK);
    expect(next.calls).toBe(2);
    expect(retries).toEqual([{ service: 'CCE', origin: 'http://upstream.test', delayMs: 700, code: 'UPSTREAM_UNAVAILABLE' }]);
  });

  it('does not retry a 500, a 404 or a failure of ours; does retry a dropped connection', async () => {
    const clock = createTestClock();
    const policy = retryPolicy(options(clock));
    for (const error of [unavailable(500), upstreamError('NOT_FOUND', info(404)), abortedError('CCE', 1000, new Cancelled())]) {
      const next = scripted(error, OK);
      await expect(policy(newCall(), next)).rejects.toBe(error);
      expect(next.calls).toBe(1);
    }
    const next = scripted(markDropped(unavailable(200)), OK);
    const result = policy(newCall(), next);
    await clock.waitForTimer((ms) => ms < 100 + 1);
    await clock.advance(100);
    expect(await result).toBe(OK);
    expect(next.calls).toBe(2);
  });

  it('gives up when the wait would pass the deadline, when the retries are spent, or when the call budget is', async () => {
    const clock = createTestClock();
    const late = scripted(unavailable(503, 5_000), OK);
    await expect(retryPolicy(options(clock))(newCall({ deadline: clock.now() + 1_000 }), late)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(late.calls).toBe(1);

    const none = scripted(unavailable(503, 10), OK);
    await expect(retryPolicy(options(clock, 0))(newCall(), none)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(none.calls).toBe(1);

    const broke = scripted(unavailable(503, 10), OK);
    const spent = newCall();
    spent.context.ledger = { calls: 10 };
    await expect(retryPolicy(options(clock))(spent, broke)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(broke.calls).toBe(1);
  });

  it('a caller leaving during the wait ends the call as a cancellation, with no further attempt', async () => {
    const clock = createTestClock();
    const next = scripted(unavailable(503, 700), OK);
    const call = newCall();
    const result = retryPolicy(options(clock))(call, next);
    await clock.waitForTimer(700);
    call.cancel.abort(new Cancelled());
    const error = (await result.catch((e: unknown) => e)) as JobError;
    expect(isCancellation(error)).toBe(true);
    expect(next.calls).toBe(1);
  });
});

describe('throttlePolicy', () => {
  it('waits for the slot the throttle gives, on the clock, within what the deadline leaves', async () => {
    const clock = createTestClock();
    const asked: number[] = [];
    const policy = throttlePolicy(
      'CCE',
      {
        delay: (_s, _p, maxWaitMs) => {
          asked.push(maxWaitMs);
          return 250;
        },
      },
      clock,
      10_000,
    );
    const next = scripted(OK);
    const result = policy(newCall({ deadline: clock.now() + 4_000 }), next);
    await clock.waitForTimer(250);
    expect(next.calls).toBe(0);
    await clock.advance(250);
    expect(await result).toBe(OK);
    expect(asked).toEqual([3_000]);
    expect(throttleBudget(1_000)).toBe(500);
  });
});

describe('bulkheadPolicy and authCooldownPolicy', () => {
  it('a full bulkhead is UPSTREAM_UNAVAILABLE; a 401 heard while a call waited answers it locally', async () => {
    const verdicts = createCredentialVerdicts({ cooldownMs: 5_000, max: 10 });
    const run = compose([bulkheadPolicy('CCE', 1_000, verdicts), authCooldownPolicy('CCE', verdicts)], scripted(OK));
    const shared = host();
    let release!: () => void;
    const busy = compose(
      [bulkheadPolicy('CCE', 1_000, verdicts)],
      () => new Promise<UpstreamResponse>((resolve) => (release = () => resolve(OK))),
    );
    const first = busy(newCall({ host: shared }));
    const queued = run(newCall({ host: shared }));
    await expect(run(newCall({ host: shared }))).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: /too many calls already waiting/,
    });
    verdicts.heard('t:abc', 'http://upstream.test', 401);
    release();
    expect(await first).toBe(OK);
    await expect(queued).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: /rejected these credentials moments ago/ });
  });
});

describe('breakerPolicy', () => {
  it('opens on upstream failures (a 200 carrying the upstream error included), then refuses locally without calling on', async () => {
    const policy = breakerPolicy('CCE', 5);
    const shared = host();
    const failing = scripted(markInSuccessfulAnswer(upstreamError('UPSTREAM_ERROR', info(200))));
    for (let i = 0; i < 2; i++) await expect(policy(newCall({ host: shared }), failing)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    const next = scripted(OK);
    await expect(policy(newCall({ host: shared }), next)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: { circuit: 'open' },
    });
    expect(next.calls).toBe(0);
  });

  it('not-found answers and one request beyond its vote do not open it', async () => {
    const policy = breakerPolicy('CCE', 1);
    const shared = host();
    const notFound = scripted(markInSuccessfulAnswer(upstreamError('NOT_FOUND', info(200))));
    for (let i = 0; i < 4; i++) await expect(policy(newCall({ host: shared }), notFound)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // One request (one ledger), many 500s: one vote.
    const oneRequest = newCall({ host: shared });
    for (let i = 0; i < 4; i++)
      await expect(policy(oneRequest, scripted(unavailable(500)))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(await policy(newCall({ host: shared }), scripted(OK))).toBe(OK);
  });

  it("counts each request's first outcome, a success as much as a failure, and nothing past it", async () => {
    const policy = breakerPolicy('CCE', 1);
    const shared = host();
    const state = () => CIRCUIT_STATES[shared.breaker.state];
    // Counted: one success; not counted: the same request's three 500s that follow.
    const first = newCall({ host: shared });
    expect(await policy(first, scripted(OK))).toBe(OK);
    for (let i = 0; i < 3; i++)
      await expect(policy(first, scripted(unavailable(500)))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(await policy(newCall({ host: shared }), scripted(OK))).toBe(OK);
    // 2 successes, then 2 failures of 4: not over the ratio (0.5) yet; had the successes not counted, it would be.
    for (let i = 0; i < 2; i++) {
      await expect(policy(newCall({ host: shared }), scripted(unavailable(500)))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    }
    expect(state()).toBe('closed');
    await expect(policy(newCall({ host: shared }), scripted(unavailable(500)))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(state()).toBe('open');
  });
});

describe('attemptTelemetry', () => {
  it('reports each attempt once: ok with its status, a failure with its code, a cancellation as CANCELLED', async () => {
    const events: UpstreamAttempt[] = [];
    const policy = attemptTelemetry('CCE', { attempt: (e) => events.push(e) });
    await policy(newCall(), scripted(OK));
    await policy(newCall({ attempt: 1 }), scripted(unavailable(503))).catch(() => undefined);
    await policy(newCall(), scripted(abortedError('CCE', 1000, new Cancelled()))).catch(() => undefined);
    expect(events.map((e) => [e.outcome, e.status, e.attempt, e.origin, e.requestId])).toEqual([
      ['ok', 200, 1, 'http://upstream.test', 'r-1'],
      ['UPSTREAM_UNAVAILABLE', 503, 2, 'http://upstream.test', 'r-1'],
      ['CANCELLED', null, 1, 'http://upstream.test', 'r-1'],
    ]);
  });
});
