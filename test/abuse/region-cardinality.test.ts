/**
 * Issue 10, item 2: every distinct `region` a client sent created a connection pool, breaker and
 * bulkhead that was never freed (10,000 regions: +320 MiB and ~2,400 sockets). Regions are now
 * checked against HWC_REGIONS before any upstream call, and the per-host state lives in a map of
 * at most UPSTREAM_MAX_ORIGINS entries whose idle members are closed to make room.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_CAE_ENVIRONMENT_ID } from '../../src/simulator/server.js';
import { cceGlobalId } from '../../src/upstreams/cce/map.js';
import { cfwGlobalId } from '../../src/upstreams/cfw/map.js';
import { createGate, healthyAnswer } from '../resilience/faulty-upstream.js';
import { P, SIM_IDS, codeAt, errorAt, eventually, startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';

let gw: FaultyGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

// A full collection before each heap reading, so the bound is about what is kept, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const cceClient = (g: FaultyGateway) => g.gateway.upstreams.find((u) => u.source === 'CCE')!.client;

/** Runs `jobs` with at most `width` at a time. */
async function inWaves<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += width) out.push(...(await Promise.all(jobs.slice(i, i + width).map((job) => job()))));
  return out;
}

describe('region cardinality', () => {
  it('10,000 made-up (well-formed) regions: BAD_USER_INPUT each, 0 upstream calls, no pool, no socket, bounded heap', async () => {
    const g = (gw = await startFaultyGateway());
    const ALIASES = 25;
    const REQUESTS = 400;
    const heapBefore = heapUsed();
    // One document, the regions in variables: the document caches hold one entry, so what grows is per-region state.
    const vars = Array.from({ length: ALIASES }, (_, a) => `$r${a}: String!`).join(', ');
    const fields = Array.from(
      { length: ALIASES },
      (_, a) => `r${a}: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: $r${a}) { state }`,
    );
    const document = `query(${vars}) { ${fields.join(' ')} }`;
    const requests = Array.from({ length: REQUESTS }, (_, r) => async () => {
      const variables = Object.fromEntries(Array.from({ length: ALIASES }, (_, a) => [`r${a}`, `zz-made-up-${r * ALIASES + a}`]));
      const res = await g.query(document, { variables });
      return Array.from({ length: ALIASES }, (_, a) => codeAt(res, `r${a}`));
    });
    const codes = (await inWaves(requests, 8)).flat();
    expect(codes).toHaveLength(10_000);
    expect(new Set(codes)).toEqual(new Set(['BAD_USER_INPUT']));
    expect(g.faulty.calls).toHaveLength(0);
    expect(g.faulty.peakSockets).toBe(0);
    expect(cceClient(g).hostCount()).toBe(0);
    // Stated bound: far below the ~320 MiB the same traffic cost when every region kept a pool.
    const grown = heapUsed() - heapBefore;
    expect(grown).toBeLessThan(32 * 1024 * 1024);

    // A served region still works.
    const ok = await g.query(`{ c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: "cn-north-4") { state } }`);
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(1);
  }, 60_000);

  it('300 served regions, UPSTREAM_MAX_ORIGINS=8: at most 8 hosts, and their sockets, at any time', async () => {
    const regions = Array.from({ length: 300 }, (_, i) => `zz-served-${i}`);
    // The region goes into the URL path here (every loopback host looks alike), so each region is its own base URL.
    const g = (gw = await startFaultyGateway(
      { HWC_REGIONS: ['cn-north-4', ...regions].join(','), UPSTREAM_MAX_ORIGINS: '8', UPSTREAM_CONNECTIONS: '2' },
      { cceEndpoint: (url) => `${url}/{region}` },
    ));
    g.faulty.script = (call) => {
      const path = call.path.replace(/^\/zz-served-\d+/, '');
      const answer = healthyAnswer(path);
      return { kind: 'json', status: answer.status, body: answer.body };
    };
    let maxHosts = 0;
    const requests = Array.from({ length: regions.length / 4 }, (_, r) => async () => {
      const fields = [0, 1, 2, 3].map(
        (a) => `r${a}: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: "${regions[r * 4 + a]}") { state }`,
      );
      const res = await g.query(`{ ${fields.join(' ')} }`);
      maxHosts = Math.max(maxHosts, cceClient(g).hostCount());
      return res;
    });
    // Two requests of four regions at a time: never more than 8 hosts busy at once.
    const results = await inWaves(requests, 2);
    for (const res of results) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(300);
    expect(maxHosts).toBeLessThanOrEqual(8);
    expect(cceClient(g).hostCount()).toBeLessThanOrEqual(8);
    // Evicted hosts closed their connections: what is left is within 8 hosts × 2 connections.
    await eventually(() => g.faulty.openSockets <= 16, `at most 16 open sockets (saw ${g.faulty.openSockets})`, 10_000);
  }, 60_000);

  it('every host busy: a call to a new host is refused at once (no upstream call), never a busy host torn down', async () => {
    const g = (gw = await startFaultyGateway(
      { HWC_REGIONS: 'cn-north-4,zz-a,zz-b,zz-c', UPSTREAM_MAX_ORIGINS: '2' },
      { cceEndpoint: (url) => `${url}/{region}` },
    ));
    const gate = createGate();
    g.faulty.script = (call) => {
      const answer = healthyAnswer(call.path.replace(/^\/zz-[abc]/, ''));
      return { kind: 'gate', gate, then: { kind: 'json', status: answer.status, body: answer.body } };
    };
    const ask = (region: string) =>
      g.query(`{ c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: "${region}") { state } }`);
    const busy = [ask('zz-a'), ask('zz-b')];
    await g.faulty.waitForCalls(2);
    const refused = await ask('zz-c');
    expect(codeAt(refused, 'c')).toBe('UPSTREAM_UNAVAILABLE');
    expect(errorAt(refused, 'c')?.message).toMatch(/UPSTREAM_MAX_ORIGINS/);
    expect(g.faulty.calls).toHaveLength(2);

    gate.release();
    for (const res of await Promise.all(busy)) expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const later = await ask('zz-c');
    expect(later.errors, JSON.stringify(later.errors)).toBeUndefined();
    expect(cceClient(g).hostCount()).toBe(2);
  });

  it('an unknown region is refused on every root field and inside global ids, with no upstream call', async () => {
    const g = (gw = await startFaultyGateway());
    const region = 'zz-made-up-1';
    const cce = cceGlobalId({ api: 'v3', region, projectId: P, jobId: SIM_IDS.cce.running });
    const cfw = cfwGlobalId({ region, projectId: P, jobId: SIM_IDS.cfw.running });
    const res = await g.query(
      `query($r: String!, $ids: [ID!]!, $id: ID!) {
        c: cceJob(projectId: "${P}", jobId: "${SIM_IDS.cce.running}", region: $r) { state }
        a: caeJob(projectId: "${P}", environmentId: "${SIM_CAE_ENVIRONMENT_ID}", jobId: "${SIM_IDS.cae.running}", region: $r) { state }
        f: cfwJob(projectId: "${P}", jobId: "${SIM_IDS.cfw.running}", region: $r) { state }
        d: dbJob(projectId: "${P}", jobId: "${SIM_IDS.db.running}", region: $r) { state }
        j: job(id: $id) { state }
        js: jobs(ids: $ids) { state }
      }`,
      { variables: { r: region, id: cce, ids: [cce, cfw] } },
    );
    for (const field of ['c', 'a', 'f', 'd', 'j']) expect(codeAt(res, field)).toBe('BAD_USER_INPUT');
    const inJobs = res.errors?.filter((e) => e.path?.[0] === 'js') ?? [];
    expect(inJobs.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(errorAt(res, 'c')?.message).toMatch(/not a region this gateway serves/);
    // cceJobs is non-null, so it is asked alone (its error takes the whole data with it).
    const list = await g.query(`query($r: String!) { l: cceJobs(projectId: "${P}", region: $r) { state } }`, { variables: { r: region } });
    expect(codeAt(list, 'l')).toBe('BAD_USER_INPUT');
    expect(g.faulty.calls).toHaveLength(0);
    expect(g.sim.calls).toHaveLength(0);
  });
});
