import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import type { Fault } from './faulty-upstream.js';
import { SIM_IDS, cceField, cfwField, codeAt, errorAt, fieldAt, startFaultyGateway, upstreamAt, type FaultyGateway } from './helpers.js';
import { createTestClock, type TestClock } from '../support/test-clock.js';

let gw: FaultyGateway | undefined;
// cockatiel times the half-open delay with Date.now: the tests move that clock instead of sleeping.
let clock: TestClock;
beforeEach(() => {
  clock = createTestClock();
});
afterEach(async () => {
  vi.useRealTimers();
  await gw?.close();
  gw = undefined;
});

const HALF_OPEN_MS = 1000;
// Four calls in a 5 s window, any ratio over one half: small enough to trip in a test, with a window
// wide enough that a slow CI box cannot spread four sequential calls over two windows.
const BREAKER_ENV = {
  UPSTREAM_RETRIES: '0',
  BREAKER_MIN_REQUESTS: '4',
  BREAKER_WINDOW_MS: '5000',
  BREAKER_FAILURE_RATIO: '0.5',
  BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_MS),
  // Each of these tests sends one token again after the upstream rejected it: with the 401 cool-down
  // on, the gateway would answer it locally (test/abuse/fair-share.test.ts covers that).
  UPSTREAM_AUTH_COOLDOWN_MS: '0',
};

const CCE_ONE = `{ ${cceField('cce')} }`;
const server500: Fault = { kind: 'json', status: 500, body: { errorCode: 'CCE.01500001', errorMessage: 'Internal error' } };

function cceCircuit(g: FaultyGateway): string | undefined {
  const cce = g.gateway.upstreams.find((u) => u.source === 'CCE');
  return cce?.client.circuits()[g.faulty.url];
}

async function tripBreaker(g: FaultyGateway): Promise<void> {
  g.faulty.script = () => server500;
  for (let i = 0; i < 4; i++) {
    const res = await g.query(CCE_ONE);
    expect(codeAt(res, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstreamAt(res, 'cce')).toMatchObject({ status: 500 });
    expect(upstreamAt(res, 'cce')?.circuit).toBeUndefined();
  }
  expect(g.faulty.calls).toHaveLength(4);
  expect(cceCircuit(g)).toBe('open');
}

describe('circuit breaker per upstream host', () => {
  it('opens after repeated 500s, then fails fast with circuit "open" and no upstream call', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    await tripBreaker(g);

    for (let i = 0; i < 5; i++) {
      const res = await g.query(`{ ${cceField('cce')} ${cfwField('cfw')} }`);
      expect(codeAt(res, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
      expect(upstreamAt(res, 'cce')).toMatchObject({ service: 'CCE', circuit: 'open' });
      expect(errorAt(res, 'cce')?.message).toMatch(/circuit open/);
      // The other upstreams are not behind this breaker.
      expect(fieldAt(res, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
    }
    expect(g.faulty.calls).toHaveLength(4);
  });

  it('half-opens after the delay: one probe to a healthy upstream closes it, then calls flow normally', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    await tripBreaker(g);
    g.faulty.script = undefined; // healthy from now on

    // Still open before the delay: refused without a call even though the upstream is fine now.
    const early = await g.query(CCE_ONE);
    expect(upstreamAt(early, 'cce')?.circuit).toBe('open');
    expect(g.faulty.calls).toHaveLength(4);

    await clock.advance(HALF_OPEN_MS + 100);
    const probe = await g.query(CCE_ONE);
    expect(probe.errors, JSON.stringify(probe.errors)).toBeUndefined();
    expect(fieldAt(probe, 'cce')).toEqual({ jobId: SIM_IDS.cce.running, state: 'RUNNING' });
    expect(g.faulty.calls).toHaveLength(5);
    expect(cceCircuit(g)).toBe('closed');

    for (let i = 1; i <= 5; i++) {
      const res = await g.query(CCE_ONE);
      expect(res.errors).toBeUndefined();
      expect(g.faulty.calls).toHaveLength(5 + i);
    }
  });

  it('a failed probe opens it again at once (one call), and it recovers on a later probe', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    await tripBreaker(g);

    await clock.advance(HALF_OPEN_MS + 100);
    const probe = await g.query(CCE_ONE);
    expect(codeAt(probe, 'cce')).toBe('UPSTREAM_UNAVAILABLE');
    expect(upstreamAt(probe, 'cce')).toMatchObject({ status: 500 });
    expect(g.faulty.calls).toHaveLength(5);

    const refused = await g.query(CCE_ONE);
    expect(upstreamAt(refused, 'cce')?.circuit).toBe('open');
    expect(g.faulty.calls).toHaveLength(5);

    g.faulty.script = undefined;
    await clock.advance(HALF_OPEN_MS + 100);
    const healed = await g.query(CCE_ONE);
    expect(healed.errors).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(6);
    expect(cceCircuit(g)).toBe('closed');
  });

  it('concurrent calls during the half-open probe wait for it, then go through (one call each, none refused)', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    await tripBreaker(g);
    g.faulty.script = () => ({ kind: 'healthy', delayMs: 200 });
    await clock.advance(HALF_OPEN_MS + 100);
    const jobs = [SIM_IDS.cce.running, SIM_IDS.cce.initializing, SIM_IDS.cce.docV3];
    const results = await Promise.all(jobs.map((id) => g.query(`{ ${cceField('cce', id)} }`)));
    // One probe, then the waiters go through a closed circuit: every one answered, nothing refused.
    for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(4 + jobs.length);
    expect(cceCircuit(g)).toBe('closed');
  });

  it('timeouts count as failures too', async () => {
    const g = (gw = await startFaultyGateway({ ...BREAKER_ENV, UPSTREAM_TIMEOUT_MS: '200' }));
    g.faulty.script = () => ({ kind: 'hang' });
    for (let i = 0; i < 4; i++) expect(codeAt(await g.query(CCE_ONE), 'cce')).toBe('UPSTREAM_TIMEOUT');
    const res = await g.query(CCE_ONE);
    expect(upstreamAt(res, 'cce')?.circuit).toBe('open');
    expect(g.faulty.calls).toHaveLength(4);
  });
});

describe('what does not open the breaker', () => {
  const cases: [string, Fault, string][] = [
    ['404 not found', { kind: 'json', status: 404, body: { errorCode: 'CCE.01404001', errorMessage: 'Resource not found' } }, 'NOT_FOUND'],
    ['403 forbidden', { kind: 'json', status: 403, body: { errorCode: 'CCE.0x403001', errorMessage: 'Forbidden' } }, 'FORBIDDEN'],
    ['401 unauthenticated', { kind: 'json', status: 401, body: { error_code: 'APIG.0301', error_msg: 'bad token' } }, 'UNAUTHENTICATED'],
    ['429 throttled', { kind: 'json', status: 429, body: { error_code: 'APIG.0308', error_msg: 'throttled' } }, 'UPSTREAM_UNAVAILABLE'],
    ['400 bad request', { kind: 'json', status: 400, body: { errorCode: 'CCE.01400001', errorMessage: 'bad' } }, 'UPSTREAM_ERROR'],
  ];

  it.each(cases)('many %s answers leave the circuit closed, and a success still goes through', async (_name, fault, code) => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    g.faulty.script = () => fault;
    for (let i = 0; i < 12; i++) {
      const res = await g.query(`{ ${cceField('cce', `job-${i}`)} }`);
      expect(codeAt(res, 'cce')).toBe(code);
      expect(upstreamAt(res, 'cce')?.circuit).toBeUndefined();
    }
    expect(g.faulty.calls).toHaveLength(12);
    expect(cceCircuit(g)).toBe('closed');
    g.faulty.script = undefined;
    const ok = await g.query(CCE_ONE);
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(13);
  });

  it("CFW's 400 not-found (CFW.00200005) is a NOT_FOUND and never opens CFW's breaker", async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV, { faultySources: ['CCE', 'CFW'] }));
    // The healthy default answers unknown CFW jobs exactly like CFW: 400 with CFW.00200005.
    for (let i = 0; i < 12; i++) {
      const res = await g.query(`{ ${cfwField('cfw', `missing-${i}`)} }`);
      expect(codeAt(res, 'cfw')).toBe('NOT_FOUND');
      expect(upstreamAt(res, 'cfw')).toMatchObject({ status: 400, errorCode: 'CFW.00200005' });
    }
    expect(g.faulty.calls).toHaveLength(12);
    const ok = await g.query(`{ ${cfwField('cfw')} }`);
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    expect(fieldAt(ok, 'cfw')).toEqual({ jobId: SIM_IDS.cfw.success, state: 'SUCCEEDED' });
    expect(g.faulty.calls).toHaveLength(13);
    const cfw = g.gateway.upstreams.find((u) => u.source === 'CFW');
    expect(cfw?.client.circuits()[g.faulty.url]).toBe('closed');
  });

  it("answers over UPSTREAM_MAX_BYTES (undici's maxResponseSize) are UPSTREAM_ERROR, not retried, and leave it closed", async () => {
    const g = (gw = await startFaultyGateway({ ...BREAKER_ENV, UPSTREAM_RETRIES: '2', UPSTREAM_MAX_BYTES: '1024' }));
    g.faulty.script = () => ({ kind: 'large', bytes: 64 * 1024 });
    for (let i = 0; i < 8; i++) {
      const res = await g.query(`{ ${cceField('cce', `job-${i}`)} }`);
      expect(codeAt(res, 'cce')).toBe('UPSTREAM_ERROR');
      expect(errorAt(res, 'cce')?.message).toMatch(/larger than 1024 bytes/);
    }
    expect(g.faulty.calls).toHaveLength(8);
    expect(cceCircuit(g)).toBe('closed');
  });

  it('a control: the same number of 500s does open it', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    g.faulty.script = () => server500;
    for (let i = 0; i < 12; i++) await g.query(`{ ${cceField('cce', `job-${i}`)} }`);
    expect(g.faulty.calls).toHaveLength(4);
    expect(cceCircuit(g)).toBe('open');
  });
});

describe('breaker configuration', () => {
  it('BREAKER_FAILURE_RATIO=1 is refused at start-up (cockatiel would throw on every call instead)', async () => {
    await expect(startFaultyGateway({ BREAKER_FAILURE_RATIO: '1' })).rejects.toThrow(/BREAKER_FAILURE_RATIO must be a number in \(0, 1\)/);
  });

  it('BREAKER_FAILURE_RATIO=0.99 works', async () => {
    const g = (gw = await startFaultyGateway({ BREAKER_FAILURE_RATIO: '0.99' }));
    const res = await g.query(`{ ${cceField('cce')} ${cfwField('cfw')} }`);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  });
});

describe('a half-open probe cancelled by its caller', () => {
  it('does not close the circuit: the upstream was never heard from', async () => {
    const g = (gw = await startFaultyGateway(BREAKER_ENV));
    await tripBreaker(g);
    await clock.advance(HALF_OPEN_MS + 200);

    g.faulty.script = () => ({ kind: 'hang' });
    const controller = new AbortController();
    const probe = request(`${g.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': 'probe-token' },
      body: JSON.stringify({ query: CCE_ONE }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await g.faulty.waitForCalls(5);
    controller.abort();
    await probe;
    await g.faulty.calls[4]!.closed;

    expect(cceCircuit(g)).toBe('open');
    const res = await g.query(CCE_ONE);
    expect(upstreamAt(res, 'cce')?.circuit).toBe('open');
    expect(g.faulty.calls).toHaveLength(5);
  });
});
