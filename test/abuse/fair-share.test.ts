/**
 * Issue 10, item 3: one caller (one token, or a swarm of made-up ones) filled an upstream's
 * bulkhead and another tenant's reads failed with "too many calls already waiting". Each
 * principal now holds at most UPSTREAM_PRINCIPAL_SHARE of a host's connections, tokens the
 * upstream never accepted share one such share, a full queue gives way to the lighter tenant, and
 * a token the upstream rejected (401) is answered locally for UPSTREAM_AUTH_COOLDOWN_MS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GraphQLResponse } from '../support/gateway.js';
import { createGate, type FaultCall, type Gate, type Script } from '../resilience/faulty-upstream.js';
import { SIM_IDS, cceField, codeAt, fieldAt, sleep, startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

// 4 connections, 8 waiting; one principal may hold 2 of the connections (the default share, 0.5).
const SMALL_HOST = { UPSTREAM_CONNECTIONS: '4', UPSTREAM_QUEUE: '8', UPSTREAM_TIMEOUT_MS: '15000', UPSTREAM_RETRIES: '0' };
const VICTIM = 'tenant-b';
const VICTIM_JOBS = [SIM_IDS.cce.running, SIM_IDS.cce.initializing, SIM_IDS.cce.docV3];

const tokenOf = (call: FaultCall) => String(call.headers['x-auth-token'] ?? '');
const jobOf = (call: FaultCall) => call.path.split('/').pop() ?? '';

/** Calls of `token`s for which `hold` says so wait at `gate`; everything else is answered at once. */
function holding(gate: Gate, hold: (call: FaultCall) => boolean, then?: (call: FaultCall) => ReturnType<Script>): Script {
  return (call) => (hold(call) ? { kind: 'gate', gate, ...(then ? { then: then(call) } : {}) } : { kind: 'healthy' });
}

/** The victim's reads, two at a time, ten in all: every one must succeed. */
async function victimReads(g: FaultyGateway): Promise<GraphQLResponse[]> {
  const out: GraphQLResponse[] = [];
  for (let round = 0; round < 5; round++) {
    out.push(
      ...(await Promise.all(
        [0, 1].map((k) => g.query(`{ ${cceField('cce', VICTIM_JOBS[(round * 2 + k) % VICTIM_JOBS.length])} }`, { token: VICTIM })),
      )),
    );
  }
  return out;
}

function expectAllRead(results: GraphQLResponse[]): void {
  for (const res of results) {
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(fieldAt(res, 'cce')?.jobId).toBeTypeOf('string');
  }
}

describe('fair share of an upstream host', () => {
  it('one principal holding slow calls keeps at most its share; another tenant reads on', async () => {
    const g = (gw = await startFaultyGateway(SMALL_HOST));
    const gate = createGate();
    g.faulty.script = holding(gate, (call) => tokenOf(call) === 'attacker' && jobOf(call).startsWith('slow-'));
    // Both tokens are real: the upstream has accepted each once.
    for (const token of ['attacker', VICTIM]) expect((await g.query(`{ ${cceField('cce')} }`, { token })).errors).toBeUndefined();
    const before = g.faulty.calls.length;

    const fields = Array.from({ length: 20 }, (_, i) => cceField(`a${i}`, `slow-${i}`)).join(' ');
    const attack = g.query(`{ ${fields} }`, { token: 'attacker' });
    await g.faulty.waitForCalls(before + 2);

    const reads = await victimReads(g);
    expectAllRead(reads);
    // While the victim read, the attacker held exactly its two connections and no more.
    const attackerCalls = g.faulty.calls.slice(before).filter((c) => tokenOf(c) === 'attacker');
    expect(attackerCalls).toHaveLength(2);

    g.faulty.script = undefined;
    gate.release();
    const res = await attack;
    // Each of the attacker's fields ends: answered (an unknown job) or refused for lack of room, never hung.
    const codes = Array.from({ length: 20 }, (_, i) => codeAt(res, `a${i}`));
    expect(new Set(codes)).toEqual(new Set(['NOT_FOUND', 'UPSTREAM_UNAVAILABLE']));
  }, 30_000);

  it('a swarm of made-up tokens with slow answers shares one share; another tenant reads on', async () => {
    const g = (gw = await startFaultyGateway(SMALL_HOST));
    const gate = createGate();
    // Made-up tokens are rejected, but slowly: the upstream takes its time to say 401.
    g.faulty.script = holding(
      gate,
      (call) => tokenOf(call).startsWith('made-up-'),
      () => ({ kind: 'json', status: 401, body: { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information' } }),
    );
    expect((await g.query(`{ ${cceField('cce')} }`, { token: VICTIM })).errors).toBeUndefined();
    const before = g.faulty.calls.length;

    const swarm = Array.from({ length: 30 }, (_, i) => g.query(`{ ${cceField('cce', `job-${i}`)} }`, { token: `made-up-${i}` }));
    await g.faulty.waitForCalls(before + 2);
    const reads = await victimReads(g);
    expectAllRead(reads);
    const swarmCalls = () => g.faulty.calls.filter((c) => tokenOf(c).startsWith('made-up-'));
    expect(swarmCalls()).toHaveLength(2);

    gate.release();
    const answers = await Promise.all(swarm);
    const codes = answers.map((res) => codeAt(res, 'cce'));
    // Answered 401 (UNAUTHENTICATED) once they got their turn, or refused when the queue had no room.
    expect(new Set(codes)).toEqual(new Set(['UNAUTHENTICATED', 'UPSTREAM_UNAVAILABLE']));
    const rejected = answers.flatMap((res, i) => (codeAt(res, 'cce') === 'UNAUTHENTICATED' ? [i] : []));

    // Sent again, a rejected token is answered locally: not one more upstream call.
    const seen = g.faulty.calls.length;
    const again = await Promise.all(rejected.map((i) => g.query(`{ ${cceField('cce', `other-${i}`)} }`, { token: `made-up-${i}` })));
    for (const res of again) {
      expect(codeAt(res, 'cce')).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0]?.message).toMatch(/rejected these credentials moments ago/);
    }
    expect(g.faulty.calls.length).toBe(seen);
  }, 30_000);
});

describe('callers without a token (the gateway signs with its own AK/SK)', () => {
  it('are one principal: a crowd of them holding slow calls keeps one share; a token tenant reads on', async () => {
    const g = (gw = await startFaultyGateway({ ...SMALL_HOST, CLOUD_SDK_AK: 'GATEWAYAK', CLOUD_SDK_SK: 'gateway-sk' }));
    const gate = createGate();
    const signed = (call: FaultCall) => call.headers['x-auth-token'] === undefined && call.headers.authorization !== undefined;
    g.faulty.script = holding(gate, signed);
    expect((await g.query(`{ ${cceField('cce')} }`, { token: VICTIM })).errors).toBeUndefined();

    const crowd = Array.from({ length: 20 }, (_, i) => g.query(`{ ${cceField('cce', `anon-${i}`)} }`, { token: null }));
    await g.faulty.waitForCalls(3);
    const reads = await victimReads(g);
    expectAllRead(reads);
    expect(g.faulty.calls.filter(signed)).toHaveLength(2);

    gate.release();
    const codes = (await Promise.all(crowd)).map((res) => codeAt(res, 'cce'));
    expect(new Set(codes)).toEqual(new Set(['NOT_FOUND', 'UPSTREAM_UNAVAILABLE']));
  }, 30_000);
});

describe('401 cool-down', () => {
  it('a rejected token makes no upstream call on its next request; others are not affected; it ends', async () => {
    const g = (gw = await startFaultyGateway({ UPSTREAM_AUTH_COOLDOWN_MS: '1500', UPSTREAM_RETRIES: '0' }));
    g.faulty.script = (call) =>
      tokenOf(call) === 'expired'
        ? { kind: 'json', status: 401, body: { error_code: 'APIG.0301', error_msg: 'The token expires.' } }
        : { kind: 'healthy' };
    const first = await g.query(`{ ${cceField('cce')} }`, { token: 'expired' });
    expect(codeAt(first, 'cce')).toBe('UNAUTHENTICATED');
    expect(g.faulty.calls).toHaveLength(1);

    const second = await g.query(`{ ${cceField('cce', SIM_IDS.cce.docV3)} ${cceField('cce2', SIM_IDS.cce.initializing)} }`, {
      token: 'expired',
    });
    expect(codeAt(second, 'cce')).toBe('UNAUTHENTICATED');
    expect(codeAt(second, 'cce2')).toBe('UNAUTHENTICATED');
    expect(g.faulty.calls).toHaveLength(1);

    const other = await g.query(`{ ${cceField('cce')} }`, { token: 'fresh' });
    expect(other.errors).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(2);

    // After the cool-down the token is tried again (a renewed token would be answered).
    await sleep(1_700);
    const later = await g.query(`{ ${cceField('cce')} }`, { token: 'expired' });
    expect(codeAt(later, 'cce')).toBe('UNAUTHENTICATED');
    expect(g.faulty.calls).toHaveLength(3);
  });

  it("a rejected token's calls still waiting for a slot are answered locally too: one request for 20 jobs, 2 upstream calls", async () => {
    const g = (gw = await startFaultyGateway({ ...SMALL_HOST, UPSTREAM_QUEUE: '32', UPSTREAM_AUTH_COOLDOWN_MS: '5000' }));
    g.faulty.script = () => ({ kind: 'json', status: 401, body: { error_code: 'APIG.0301', error_msg: 'bad token' }, delayMs: 100 });
    const fields = Array.from({ length: 20 }, (_, i) => cceField(`a${i}`, `job-${i}`)).join(' ');
    const res = await g.query(`{ ${fields} }`, { token: 'made-up' });
    const codes = Array.from({ length: 20 }, (_, i) => codeAt(res, `a${i}`));
    expect(new Set(codes)).toEqual(new Set(['UNAUTHENTICATED']));
    // The two that held this tenant's share of connections went upstream; the rest were answered here.
    expect(g.faulty.calls).toHaveLength(2);
  });
});
