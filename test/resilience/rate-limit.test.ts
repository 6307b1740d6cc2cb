/**
 * UPSTREAM_RATE_LIMIT in one process (no REDIS_URL): each credential's calls to a limited upstream
 * are spaced out; a call whose slot would come too late for its deadline fails at once with
 * UPSTREAM_THROTTLED, and other credentials and upstreams are not held back. (Across replicas,
 * with Redis: test/fleet/fleet.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_IDS, SIM_PROJECT_ID as P } from '../../src/simulator/server.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';

describe('UPSTREAM_RATE_LIMIT without Redis', () => {
  let g: TestGateway & { sim: Simulator };
  beforeAll(async () => {
    g = await startSimulatedGateway({ UPSTREAM_RATE_LIMIT: 'CFW=4/s', UPSTREAM_TIMEOUT_MS: '1200', UPSTREAM_RETRIES: '0' });
  });
  afterAll(async () => {
    await g?.close();
  });

  const cfw = (jobId: string) => `{ cfwJob(projectId: "${P}", jobId: "${jobId}") { state } }`;
  const cfwCalls = (token: string) => g.sim.calls.filter((c) => c.service === 'CFW' && c.headers['x-auth-token'] === token).length;

  it('twenty calls at once by one token: at most the limit goes out, the rest wait or fail with UPSTREAM_THROTTLED', async () => {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => g.query(cfw(`missing-${i}`), { token: 'rl-one' })));
    const elapsed = (Date.now() - started) / 1000;
    const codes = answers.map((a) => a.errors?.[0]?.extensions?.code);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(codes.every((c) => c === 'NOT_FOUND' || c === 'UPSTREAM_THROTTLED')).toBe(true);
    const sent = codes.filter((c) => c === 'NOT_FOUND').length;
    expect(sent).toBe(cfwCalls('rl-one'));
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(Math.ceil(elapsed * 4) + 1);
    expect(codes.filter((c) => c === 'UPSTREAM_THROTTLED').length).toBe(20 - sent);
    const throttled = answers.find((a) => a.errors?.[0]?.extensions?.code === 'UPSTREAM_THROTTLED')!;
    expect(throttled.errors?.[0]?.extensions?.upstream).toMatchObject({ service: 'CFW' });
  });

  it('another token, and an upstream without a limit, are not held back by it', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => g.query(cfw(`busy-${i}`), { token: 'rl-busy' })));
    const other = await g.query(cfw(SIM_IDS.cfw.success), { token: 'rl-other' });
    expect(other.errors).toBeUndefined();
    const db = await Promise.all(
      Array.from({ length: 10 }, (_, i) => g.query(`{ dbJob(projectId: "${P}", jobId: "db-${i}") { state } }`, { token: 'rl-busy' })),
    );
    expect(db.map((a) => a.errors?.[0]?.extensions?.code)).toEqual(Array(10).fill('NOT_FOUND'));
  });
});
