/**
 * The per-principal answer cache (src/server/answer-cache.ts), over real sockets against the
 * simulator. A document's first request meets yoga, its second executes on the fast path (and may
 * be kept), its third and later may be answered from the cache. What proves no execution took place
 * is the terminal-cache lookup counter: executing a query over a terminal job looks it up every time.
 */
import { Writable } from 'node:stream';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { SIM_IDS, SIM_PROJECT_ID, type SimCall } from '../../src/simulator/server.js';
import { scrape } from '../observability/prom.js';
import { callsBy, startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';

const P = SIM_PROJECT_ID;
const HITS = 'graphql_answer_cache_hits_total';
const LOOKUPS = 'terminal_cache_lookups_total';
const A = 'answer-cache-token-a';
const B = 'answer-cache-token-b';
const BY_ID = `query Cce($jobId: String!) { cceJob(projectId: "${P}", jobId: $jobId) { id jobId state terminal rawStatus finishedAt type } }`;
const TERMINAL = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.success}") { id jobId state terminal rawStatus finishedAt } }`;

type SimGateway = TestGateway & { sim: Simulator };
let gw: SimGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

interface Sent {
  status: number;
  requestId: string | undefined;
  text: string;
}

async function post(g: TestGateway, query: string, token: string, variables?: Record<string, unknown>): Promise<Sent> {
  const res = await request(`${g.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-auth-token': token },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, requestId: res.headers['x-request-id'] as string | undefined, text };
}

async function counters(g: TestGateway): Promise<{ hits: number; lookups: number }> {
  const metrics = await scrape(g.url);
  return { hits: metrics.value(HITS), lookups: metrics.sum(LOOKUPS) };
}

/** Sends the same request `times` times, in turn. */
async function repeat(times: number, send: () => Promise<Sent>): Promise<Sent[]> {
  const answers: Sent[] = [];
  for (let i = 0; i < times; i++) answers.push(await send());
  return answers;
}

describe('answer cache', () => {
  it('answers a repeated terminal query without executing it: same bytes, own request ids, no upstream call', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const g = (gw = await startSimulatedGateway({}, {}, { logger: createLogger('info', sink) }));
    const [first, second] = await repeat(2, () => post(g, TERMINAL, A));
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    const before = await counters(g);
    const answers = await repeat(5, () => post(g, TERMINAL, A));
    const after = await counters(g);
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    expect(after.hits - before.hits).toBe(5);
    // Not executed: executing reads the terminal cache every time.
    expect(after.lookups).toBe(before.lookups);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(first!.text);
    }
    expect(second!.text).toBe(first!.text);
    expect(JSON.parse(first!.text)).toMatchObject({ data: { cceJob: { jobId: SIM_IDS.cce.success, state: 'SUCCEEDED' } } });
    const ids = new Set([first, second, ...answers].map((a) => a!.requestId));
    expect(ids.size).toBe(7);
    // Each hit still writes its request line, with its own id.
    const requestLines = lines.filter((line) => line.msg === 'request' && line.path === '/graphql');
    expect(requestLines).toHaveLength(7);
    expect(requestLines.slice(2).map((line) => line.requestId)).toEqual(answers.map((a) => a.requestId));
    for (const line of requestLines.slice(2)) expect(line).toMatchObject({ status: 200, upstreamCalls: 0, errors: {} });
  });

  it("never caches a running job's answer", async () => {
    const g = (gw = await startSimulatedGateway());
    const running = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { jobId state } }`;
    await repeat(5, () => post(g, running, A));
    expect(callsBy(g.sim, 'CCE')).toBe(5);
    expect((await counters(g)).hits).toBe(0);
  });

  it('never caches a list (cceJobs can change), even of terminal jobs alongside', async () => {
    const g = (gw = await startSimulatedGateway());
    const list = `{ cceJobs(projectId: "${P}") { jobId } cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.success}") { jobId } }`;
    await repeat(4, () => post(g, list, A));
    expect((await counters(g)).hits).toBe(0);
    expect(g.sim.calls.filter((c: SimCall) => c.service === 'CCE').length).toBeGreaterThanOrEqual(5);
  });

  it("never gives one token another token's answer: the other token makes its own upstream call", async () => {
    const g = (gw = await startSimulatedGateway());
    await repeat(3, () => post(g, TERMINAL, A));
    expect((await counters(g)).hits).toBe(1);
    expect(callsBy(g.sim, 'CCE')).toBe(1);
    // The document is prepared already: B's first request executes on the fast path, and asks upstream itself.
    const b = await post(g, TERMINAL, B);
    expect(b.status).toBe(200);
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    expect(g.sim.calls.at(-1)?.headers['x-auth-token']).toBe(B);
    expect((await counters(g)).hits).toBe(1);
    await post(g, TERMINAL, B);
    expect((await counters(g)).hits).toBe(2);
  });

  it('keeps different variables apart', async () => {
    const g = (gw = await startSimulatedGateway());
    const success = await repeat(3, () => post(g, BY_ID, A, { jobId: SIM_IDS.cce.success }));
    expect((await counters(g)).hits).toBe(1);
    const failed = await repeat(3, () => post(g, BY_ID, A, { jobId: SIM_IDS.cce.failed }));
    expect(JSON.parse(failed[2]!.text)).toMatchObject({ data: { cceJob: { jobId: SIM_IDS.cce.failed, state: 'FAILED' } } });
    expect(failed[2]!.text).toBe(failed[0]!.text);
    expect(failed[0]!.text).not.toBe(success[0]!.text);
    expect(callsBy(g.sim, 'CCE')).toBe(2);
    // Prepared already: the first `failed` request executes, the next two are answered from the cache.
    expect((await counters(g)).hits).toBe(3);
    // The first entry is still there.
    await post(g, BY_ID, A, { jobId: SIM_IDS.cce.success });
    expect((await counters(g)).hits).toBe(4);
  });

  it('never caches an answer with errors, even when its other fields are terminal', async () => {
    const g = (gw = await startSimulatedGateway());
    const mixed = `{ ok: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.success}") { jobId } missing: cceJob(projectId: "${P}", jobId: "no-such-job") { jobId } }`;
    const answers = await repeat(4, () => post(g, mixed, A));
    for (const answer of answers) expect(JSON.parse(answer.text).errors[0].extensions.code).toBe('NOT_FOUND');
    // The missing job is asked every time; the terminal one once.
    expect(callsBy(g.sim, 'CCE')).toBe(5);
    expect((await counters(g)).hits).toBe(0);
  });

  it("drops a principal's answers when an upstream answers 401 for it", async () => {
    let reject = false;
    const g = (gw = await startSimulatedGateway(
      {},
      {
        intercept(call, res) {
          if (!reject || call.service !== 'CFW') return false;
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error_code: 'APIG.0301', error_msg: 'bad token' }));
          return true;
        },
      },
    ));
    await repeat(3, () => post(g, TERMINAL, A));
    await repeat(3, () => post(g, TERMINAL, B));
    expect((await counters(g)).hits).toBe(3);
    reject = true;
    const denied = await post(g, `{ cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { jobId } }`, A);
    expect(JSON.parse(denied.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    reject = false;
    const calls = callsBy(g.sim, 'CCE');
    await post(g, TERMINAL, A);
    // Executed again, and upstream asked again: the terminal jobs were dropped with the answers.
    expect((await counters(g)).hits).toBe(3);
    expect(callsBy(g.sim, 'CCE')).toBe(calls + 1);
    // Another principal keeps its own.
    await post(g, TERMINAL, B);
    expect((await counters(g)).hits).toBe(4);
  });

  it('holds its byte bound: an answer over it is never kept, and the oldest goes first', async () => {
    const probe = (gw = await startSimulatedGateway());
    const size = Buffer.byteLength((await post(probe, BY_ID, A, { jobId: SIM_IDS.cce.success })).text);
    await probe.close();
    gw = undefined;
    // Room for one answer with its key, not two.
    const g = (gw = await startSimulatedGateway({ ANSWER_CACHE_BYTES: String(size * 2 + 100) }));
    await repeat(3, () => post(g, BY_ID, A, { jobId: SIM_IDS.cce.success }));
    expect((await counters(g)).hits).toBe(1);
    await repeat(3, () => post(g, BY_ID, A, { jobId: SIM_IDS.cce.failed }));
    expect((await counters(g)).hits).toBe(3);
    // `success` made way for `failed`: executed again (from the terminal cache, no upstream call).
    await post(g, BY_ID, A, { jobId: SIM_IDS.cce.success });
    expect((await counters(g)).hits).toBe(3);
    expect(callsBy(g.sim, 'CCE')).toBe(2);

    const tiny = (gw = await startSimulatedGateway({ ANSWER_CACHE_BYTES: '16' }));
    await g.close();
    await repeat(4, () => post(tiny, TERMINAL, A));
    expect((await counters(tiny)).hits).toBe(0);
  });

  it('with ANSWER_CACHE_BYTES=0 executes every request, as before', async () => {
    const g = (gw = await startSimulatedGateway({ ANSWER_CACHE_BYTES: '0' }));
    const answers = await repeat(5, () => post(g, TERMINAL, A));
    for (const answer of answers) expect(answer.text).toBe(answers[0]!.text);
    const { hits, lookups } = await counters(g);
    expect(hits).toBe(0);
    expect(lookups).toBe(5);
    expect(callsBy(g.sim, 'CCE')).toBe(1);
  });
});
