/**
 * `npm run bench:client`: what the shared upstream client (src/http/upstream-client.ts) costs per
 * call on top of the bare undici call it wraps, both against the same fixed upstream in another
 * process, alternating over several rounds. "Overhead" is the difference in this process's CPU time
 * per call: the deadline timer, in-flight de-duplication, bulkhead and breaker, observer, auth
 * headers and error mapping, everything but the socket work both sides share.
 *
 * Env: CLIENT_CALLS (per round, default 20000), CLIENT_CONCURRENCY (16), CLIENT_ROUNDS (3).
 */
import { fork } from 'node:child_process';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { principalOf, type Credential } from '../src/http/credential.js';
import { createUpstreamClient } from '../src/http/upstream-client.js';

const calls = Number(process.env.CLIENT_CALLS ?? 20_000);
const concurrency = Number(process.env.CLIENT_CONCURRENCY ?? 16);
const rounds = Number(process.env.CLIENT_ROUNDS ?? 3);

const upstream = fork(new URL('./fixed-upstream.ts', import.meta.url), { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => upstream.once('message', (m) => resolve(m as number)));
const baseUrl = `http://127.0.0.1:${port}`;
const config = loadConfig({});
// An observer like the gateway's (metrics are one histogram observation per attempt).
const client = createUpstreamClient('CCE', config.http, undefined, { attempt() {} });
const pool = new Pool(baseUrl, { connections: config.http.connections });

/** CPU microseconds per call and calls per second, `concurrency` calls in flight at a time. */
async function drive(call: (i: number) => Promise<unknown>): Promise<{ cpuUs: number; perSecond: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await call(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { cpuUs: (used.user + used.system) / calls, perSecond: calls / ((performance.now() - started) / 1000) };
}

// A new token per call, as with a new caller per request: nothing is shared between calls.
const bare = (i: number) =>
  pool
    .request({ method: 'GET', path: `/api/v3/projects/p/jobs/${i}`, headers: { accept: 'application/json', 'x-auth-token': `token-${i}` } })
    .then(async (res) => JSON.parse(await res.body.text()) as unknown);
const guarded = (i: number) => {
  const credential: Credential = { kind: 'token', token: `token-${i}` };
  const caller = new AbortController();
  return client.get(
    { baseUrl, path: `/api/v3/projects/p/jobs/${i}`, projectId: 'p' },
    { credential, principal: principalOf(credential), requestId: `r${i}`, signal: caller.signal, stats: { upstreamCalls: 0 } },
  );
};

await drive(bare);
await drive(guarded);
for (let round = 1; round <= rounds; round++) {
  const b = await drive(bare);
  const g = await drive(guarded);
  console.log(
    `round ${round}: bare undici ${b.cpuUs.toFixed(1)} µs/call (${b.perSecond.toFixed(0)}/s) | upstream client ${g.cpuUs.toFixed(1)} µs/call (${g.perSecond.toFixed(0)}/s) | overhead ${(g.cpuUs - b.cpuUs).toFixed(1)} µs/call`,
  );
}
await pool.close();
await client.close();
upstream.disconnect();
