/**
 * connectionParams over graphql-ws are header values in all but name: X-Auth-Token (and
 * X-Request-Id) with CR, LF or NUL are refused with a 4400 close (the client's mistake, never
 * 4500), never printed, and everything the gateway writes stays one JSON object per line. A blank
 * token is UNAUTHENTICATED, never the gateway's own AK/SK. Real WebSockets on loopback.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../src/server/logger.js';
import { SIM_IDS, SIM_PROJECT_ID as P, type Simulator } from '../../src/simulator/server.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';

const KEYS = { ak: 'WSPARAMSTESTAK0000001', sk: 'ws-params-test-secret-key-0123456789' };
const QUERY = `{ cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}") { jobId state } }`;
const lines: string[] = [];
let gw: TestGateway & { sim: Simulator };
const consoleCalls: unknown[][] = [];

beforeAll(async () => {
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  gw = await startSimulatedGateway({ CLOUD_SDK_AK: KEYS.ak, CLOUD_SDK_SK: KEYS.sk }, { keys: KEYS }, { logger });
  for (const method of ['error', 'warn', 'log', 'info'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleCalls.push(args));
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await gw?.close();
});
afterEach(() => gw.sim.resetCalls());

/** A graphql-ws client that reports how its socket closed (code and reason), or the result of one query. */
function run(connectionParams: Record<string, unknown>): Promise<{ closed?: { code: number; reason: string }; result?: unknown }> {
  return new Promise((resolve) => {
    let client: Client | undefined;
    client = createClient({
      url: `${gw.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
      on: {
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          if (code !== 1000) resolve({ closed: { code, reason } });
        },
      },
    });
    const results: unknown[] = [];
    client.subscribe(
      { query: QUERY },
      {
        next: (value) => void results.push(value),
        error: () => undefined,
        complete: () => {
          resolve({ result: results[0] });
          void client?.dispose();
        },
      },
    );
  });
}

describe('connectionParams header values', () => {
  it('refuses a token with CR/LF or NUL with 4400, without printing it, and every log line is JSON', async () => {
    const secret = 'ws-secret-token-7f3a9c';
    for (const token of [`${secret}\r\n{"level":30,"msg":"forged"}`, `${secret}\nforged`, `${secret}\u0000`]) {
      const outcome = await run({ 'X-Auth-Token': token });
      expect(outcome.closed?.code).toBe(4400);
      expect(outcome.closed?.reason).toMatch(/X-Auth-Token/);
      expect(outcome.closed?.reason).not.toContain(secret);
    }
    const requestId = await run({ 'X-Auth-Token': 'fine-token', 'X-Request-Id': 'abc\r\ndef' });
    expect(requestId.closed?.code).toBe(4400);
    expect(gw.sim.calls).toHaveLength(0);
    expect(consoleCalls).toEqual([]);
    for (const line of lines) {
      expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(line).not.toContain(secret);
      expect(line.trimEnd()).not.toContain('\n');
    }
  });

  it('answers a blank token UNAUTHENTICATED, never signed with the gateway AK/SK', async () => {
    for (const token of ['', '   ', '\t']) {
      const outcome = await run({ 'X-Auth-Token': token });
      const result = outcome.result as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      expect(result.data).toEqual({ cceJob: null });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(gw.sim.calls).toHaveLength(0);
    // No token at all: the gateway's AK/SK serve it.
    const signed = (await run({})).result as { data?: unknown };
    expect(signed.data).toEqual({ cceJob: { jobId: SIM_IDS.cce.running, state: 'RUNNING' } });
  });
});
