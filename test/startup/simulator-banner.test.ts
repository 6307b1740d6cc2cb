/**
 * `npm run simulator` (src/simulator/main.ts) prints a demo job for every upstream: its upstream URL
 * answers, and the gateway's id it prints resolves through a gateway pointed at that simulator.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { spawnProcess, type Spawned } from '../support/spawn.js';

let sim: Spawned | undefined;
let gw: TestGateway | undefined;
afterAll(async () => {
  await gw?.close();
  await sim?.stop(2000);
});

describe('npm run simulator', () => {
  it('prints a demo job for CCE, CAE, CFW and RDS, each served and resolvable by its printed id', async () => {
    sim = spawnProcess(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], { SIMULATOR_PORT: '0' });
    await sim.waitFor(/auth: any X-Auth-Token/);
    const base = /simulator listening on (http:\/\/\S+)/.exec(sim.stdout())![1]!;
    const demos = [
      ...sim.stdout().matchAll(/^ {2}(CCE|CAE|CFW|RDS) (\S+) .*\n\s+id=(\S+)\n\s+GET (\S+)(?: {2}\(header ([^:]+): (\S+)\))?$/gm),
    ].map((m) => ({
      upstream: m[1]!,
      jobId: m[2]!,
      id: m[3]!,
      url: m[4]!,
      header: m[5] ? { [m[5]]: m[6]! } : {},
    }));
    expect(demos.map((d) => d.upstream)).toEqual(['CCE', 'CAE', 'CFW', 'RDS']);

    for (const demo of demos) {
      expect(demo.url.startsWith(base)).toBe(true);
      const res = await fetch(demo.url, { headers: { 'x-auth-token': 'demo', ...demo.header } });
      expect(res.status, demo.url).toBe(200);
      // CAE's job body carries no id of its own; the others name the job.
      if (demo.upstream !== 'CAE') expect(await res.text()).toContain(demo.jobId);
      else await res.arrayBuffer();
    }

    gw = await startGateway({ CCE: base, CAE: base, CFW: base, DB: base });
    const res = await gw.query<{ jobs: ({ __typename: string; jobId: string } | null)[] }>(
      'query ($ids: [ID!]!) { jobs(ids: $ids) { __typename jobId } }',
      {
        variables: { ids: demos.map((d) => d.id) },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.jobs).toEqual([
      { __typename: 'CceJob', jobId: demos[0]!.jobId },
      { __typename: 'CaeJob', jobId: demos[1]!.jobId },
      { __typename: 'CfwJob', jobId: demos[2]!.jobId },
      { __typename: 'DbJob', jobId: demos[3]!.jobId },
    ]);
  }, 60_000);
});
