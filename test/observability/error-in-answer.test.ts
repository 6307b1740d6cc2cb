/**
 * CFW may answer 200 with an error instead of the job. That answer is a failed attempt wherever the
 * gateway reports attempts: the field's error, the upstream metrics (by outcome), the upstream log
 * line, and the circuit breaker; not an `ok` call followed by a mapping error.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_PROJECT_ID as P, type SimCall, type Simulator } from '../../src/simulator/server.js';
import { createLogger } from '../../src/server/logger.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import { scrape } from './prom.js';

type LogLine = Record<string, unknown> & { level: number; msg: string; upstream?: Record<string, unknown> };

const TOKEN = 'error-in-answer-token-0123456789';
const cfw = (alias: string, jobId: string) => `${alias}: cfwJob(projectId: "${P}", jobId: "${jobId}") { jobId state }`;
const ATTEMPTS = 'upstream_request_duration_seconds_count';

let g: (TestGateway & { sim: Simulator }) | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

/** A gateway whose CFW answers every job with 200 and `error_code` (quoting the caller's token back). */
async function start(errorCode: string, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const intercept = (call: SimCall, res: ServerResponse): boolean => {
    if (!call.path.startsWith(`/v3/${P}/jobs/`)) return false;
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.setHeader('X-Request-Id', 'cfw-rid-200-error');
    res.end(JSON.stringify({ error_code: errorCode, error_msg: `token ${String(call.headers['x-auth-token'])} failed` }));
    return true;
  };
  g = await startSimulatedGateway({ UPSTREAM_RETRIES: '2', UPSTREAM_AUTH_COOLDOWN_MS: '0', ...env }, { intercept }, { logger });
  const parsed = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);
  return { g, parsed };
}

describe("CFW's 200 with error_code", () => {
  it('is one failed attempt in the field error, the metrics and the log line; not retried, never `ok`', async () => {
    const { g, parsed } = await start('CFW.00100001');
    const before = await scrape(g.url);
    const res = await g.query(`{ ${cfw('job', 'job-1')} }`, { token: TOKEN });
    expect(res.data).toEqual({ job: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstream: { service: 'CFW', status: 200, errorCode: 'CFW.00100001', requestId: 'cfw-rid-200-error' },
    });
    expect(g.sim.calls).toHaveLength(1);

    const after = await scrape(g.url);
    const attempts = (outcome: string) =>
      after.value(ATTEMPTS, { service: 'CFW', outcome, status_class: '2xx' }) -
      before.value(ATTEMPTS, { service: 'CFW', outcome, status_class: '2xx' });
    expect(attempts('UPSTREAM_ERROR')).toBe(1);
    expect(attempts('ok')).toBe(0);

    const failed = parsed().filter((l) => l.msg === 'upstream call failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.upstream).toMatchObject({
      service: 'CFW',
      status: 200,
      code: 'UPSTREAM_ERROR',
      requestId: 'cfw-rid-200-error',
      attempt: 1,
    });
    // The upstream's text is logged, with the token it quoted cut out.
    expect(failed[0]!.upstream?.message).toMatch(/^token \[redacted\] failed$/);
    expect(parsed().filter((l) => l.msg === 'upstream call')).toHaveLength(0);
  });

  it("counts against CFW's breaker: four such answers open it, and the fifth call is refused without reaching CFW", async () => {
    const { g } = await start('CFW.00100001', { BREAKER_MIN_REQUESTS: '4', BREAKER_WINDOW_MS: '60000', BREAKER_FAILURE_RATIO: '0.5' });
    for (let i = 0; i < 4; i++) {
      const res = await g.query(`{ ${cfw('job', `job-${i}`)} }`, { token: TOKEN });
      expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    }
    const cfwClient = g.gateway.upstreams.find((u) => u.source === 'CFW')!.client;
    expect(cfwClient.circuits()[g.sim.url]).toBe('open');
    const refused = await g.query(`{ ${cfw('job', 'job-9')} }`, { token: TOKEN });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { circuit: 'open' } });
    expect(g.sim.calls).toHaveLength(4);
  });

  it('a not-found in a 200 (CFW.00200005) is NOT_FOUND and leaves the breaker closed', async () => {
    const { g } = await start('CFW.00200005', { BREAKER_MIN_REQUESTS: '4', BREAKER_WINDOW_MS: '60000', BREAKER_FAILURE_RATIO: '0.5' });
    for (let i = 0; i < 6; i++) {
      const res = await g.query(`{ ${cfw('job', `job-${i}`)} }`, { token: TOKEN });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: { status: 200, errorCode: 'CFW.00200005' } });
    }
    expect(g.gateway.upstreams.find((u) => u.source === 'CFW')!.client.circuits()[g.sim.url]).toBe('closed');
    expect(g.sim.calls).toHaveLength(6);
  });
});
