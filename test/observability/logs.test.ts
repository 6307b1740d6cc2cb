/**
 * The JSON log lines for a query with an upstream error, captured through createGateway's
 * `logger` option: the request line (request id, operation, status, duration, upstream calls,
 * errors by code), the upstream failure lines (with the upstream's request id), and never a
 * credential: not the token, not the secret key, not a signature, even when the upstream quotes them.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_IDS, SIM_PROJECT_ID as P, type SimCall, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createLogger } from '../../src/server/logger.js';
import { writeRequestLine, type RequestLine } from '../../src/server/use-request-log.js';
import { pathOf } from '../live/helpers.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

type SimGateway = TestGateway & { sim: Simulator };
type LogLine = Record<string, unknown> & { level: number; msg: string };

const FAILING_PATH = `/api/v3/projects/${P}/jobs/${SIM_IDS.cce.running}`;
const UPSTREAM_REQUEST_ID = 'upstream-rid-5e1f-7a2b';
const QUERY = `query FailingRead {
  failing: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { state }
  fine: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.success}") { state }
}`;

let g: SimGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

/**
 * A gateway logging at debug (everything) into `lines`. Calls to FAILING_PATH get a 503 with a
 * known X-Request-Id whose message quotes back the credential the call carried, as some upstreams do.
 */
async function start(env: Record<string, string>, sim: SimulatorOptions = {}) {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const intercept = (call: SimCall, res: ServerResponse): boolean => {
    if (pathOf(call) !== FAILING_PATH) return false;
    const quoted = String(call.headers['x-auth-token'] ?? call.headers.authorization ?? '');
    res.statusCode = 503;
    res.setHeader('X-Request-Id', UPSTREAM_REQUEST_ID);
    res.end(JSON.stringify({ error_code: 'APIG.0503', error_msg: `backend busy for credential ${quoted}` }));
    return true;
  };
  g = await startSimulatedGateway(
    { UPSTREAM_RETRIES: '1', UPSTREAM_RETRY_BASE_MS: '5', UPSTREAM_RETRY_MAX_DELAY_MS: '20', ...env },
    { intercept, ...sim },
    { logger },
  );
  return { g, lines, parsed: (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine) };
}

/** The log lines of one query with an upstream error, checked the same way whatever the credential. */
async function expectFailingReadLogged(gw: SimGateway, parsed: () => LogLine[], token: string | null): Promise<string> {
  const started = performance.now();
  const res = await gw.query(QUERY, { token });
  const elapsedMs = performance.now() - started;
  expect(res.status).toBe(200);
  expect(res.data).toEqual({ failing: null, fine: { state: 'SUCCEEDED' } });
  expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
  const requestId = res.headers['x-request-id'];
  expect(requestId).toBeTypeOf('string');
  // The same id went upstream with every call of this request.
  expect(new Set(gw.sim.calls.map((c) => c.headers['x-request-id']))).toEqual(new Set([requestId]));

  const lines = parsed();
  const requestLines = lines.filter((l) => l.msg === 'request');
  expect(requestLines).toHaveLength(1);
  expect(requestLines[0]).toMatchObject({
    level: 30,
    service: 'job-gateway',
    requestId,
    method: 'POST',
    path: '/graphql',
    status: 200,
    operationName: 'FailingRead',
    upstreamCalls: 3, // the failing call and its one retry, and the CFW read
    errors: { UPSTREAM_UNAVAILABLE: 1 },
  });
  expect(requestLines[0]!.durationMs).toBeTypeOf('number');
  // The gateway's own time for the request: part of what the client waited, never more.
  expect(requestLines[0]!.durationMs as number).toBeGreaterThanOrEqual(0);
  expect(requestLines[0]!.durationMs as number).toBeLessThanOrEqual(Math.ceil(elapsedMs));

  const failures = lines.filter((l) => l.msg === 'upstream call failed');
  expect(failures.map((l) => l.requestId)).toEqual([requestId, requestId]);
  expect(failures.map((l) => l.upstream)).toEqual(
    [1, 2].map((attempt) =>
      expect.objectContaining({
        service: 'CCE',
        status: 503,
        code: 'UPSTREAM_UNAVAILABLE',
        requestId: UPSTREAM_REQUEST_ID,
        attempt,
      }),
    ),
  );
  expect(failures.every((l) => l.level === 40)).toBe(true);
  return String(requestId);
}

/** No captured line holds any of `secrets` (whole or as a distinctive part). */
function expectNoSecrets(lines: string[], secrets: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(12);
    const leaks = lines.filter((line) => line.includes(secret));
    expect(leaks, `lines containing ${secret}`).toEqual([]);
  }
}

describe('logs', () => {
  it('a query with an upstream error logs its request line and upstream failures, without the token', async () => {
    const TOKEN = 'tok-LOGTEST-3c9f2a7e-credential';
    const { g: gw, lines, parsed } = await start({});
    await expectFailingReadLogged(gw, parsed, TOKEN);
    // The upstream saw the token (and quoted it back in its error): it existed to be leaked.
    expect(gw.sim.calls.every((c) => c.headers['x-auth-token'] === TOKEN)).toBe(true);
    expectNoSecrets(lines, [TOKEN, 'LOGTEST-3c9f2a7e']);
  });

  it('in AK/SK mode no line holds the secret key or a request signature', async () => {
    const AK = 'AKLOGTEST0000000001';
    const SK = 'sk-LOGTEST-SECRET-8d41b6f09e2c';
    const { g: gw, lines, parsed } = await start({ CLOUD_SDK_AK: AK, CLOUD_SDK_SK: SK }, { keys: { ak: AK, sk: SK } });
    await expectFailingReadLogged(gw, parsed, null);
    // The simulator verified the signatures (the CFW field resolved); collect what was on the wire.
    const authorizations = gw.sim.calls.map((c) => String(c.headers.authorization ?? ''));
    expect(authorizations.every((a) => a.startsWith('SDK-HMAC-SHA256 '))).toBe(true);
    const signatures = authorizations.map((a) => /Signature=([0-9a-f]+)/.exec(a)?.[1] ?? '');
    expect(signatures.every((s) => s.length === 64)).toBe(true);
    expectNoSecrets(lines, [SK, 'LOGTEST-SECRET-8d41', ...signatures, ...authorizations]);
    expect(lines.some((line) => line.includes('SDK-HMAC-SHA256'))).toBe(false);
  });

  it('a request line is written the same with or without errors, at the logger’s current level, and redacts as the logger does', () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const line = (errors: Record<string, number>): RequestLine => ({
      requestId: 'r1',
      method: 'POST',
      path: '/graphql',
      status: 200,
      durationMs: 1.5,
      operationName: 'Q',
      upstreamCalls: 2,
      errors,
    });
    writeRequestLine(logger, line({}));
    logger.info(line({}), 'request');
    writeRequestLine(logger, line({ NOT_FOUND: 1, token: 2 }));
    const withoutTime = lines.map((l) => l.replace(/"time":\d+,/, ''));
    expect(withoutTime[0]).toBe(withoutTime[1]);
    expect(JSON.parse(withoutTime[2]!).errors).toEqual({ NOT_FOUND: 1, token: '[redacted]' });
    // The level as it is now, not as it was when the line was first written.
    logger.level = 'warn';
    writeRequestLine(logger, line({}));
    logger.level = 'info';
    writeRequestLine(logger, line({}));
    expect(lines).toHaveLength(4);
    logger.level = 'debug';
    writeRequestLine(logger, { ...line({}), path: '/health' });
    expect(JSON.parse(lines[4]!).msg).toBe('probe');
  });

  it('LOG_LEVEL-style levels drop lines below the level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
    logger.info({ requestId: 'r1' }, 'request');
    logger.warn({ requestId: 'r2' }, 'upstream call failed');
    expect(lines.map((l) => (JSON.parse(l) as LogLine).msg)).toEqual(['upstream call failed']);
  });
});
