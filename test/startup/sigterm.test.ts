/**
 * The gateway as `npm start` runs it (src/main.ts, no endpoint: the built-in simulator), answering a
 * query, then SIGTERM: it drains and exits 0. Runs everywhere (no browser needed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_IDS, SIM_PROJECT_ID } from '../../src/simulator/server.js';
import { listeningUrl, spawnGateway, type Spawned } from '../support/spawn.js';

let gateway: Spawned | undefined;
afterAll(async () => {
  await gateway?.stop(1000);
});

describe('SIGTERM', () => {
  it('the gateway answers, then drains and exits 0 on SIGTERM', async () => {
    gateway = spawnGateway({});
    const base = await listeningUrl(gateway);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ cceJob(projectId: "${SIM_PROJECT_ID}", jobId: "${SIM_IDS.cce.deepTree}") { state } }` }),
    });
    expect(await res.json()).toEqual({ data: { cceJob: { state: 'RUNNING' } } });
    expect(await gateway.stop(10_000), gateway.output().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(gateway.output()).toMatch(/SIGTERM received/);
  }, 60_000);
});
