/**
 * Standalone simulator: `npm run simulator` (tsx), or `node dist/src/simulator/main.js` after a build.
 *
 * SIMULATOR_PORT (default 0 = any free port), SIMULATOR_HOST (default 127.0.0.1),
 * SIMULATOR_AK / SIMULATOR_SK (both set: AK/SK-signed requests are accepted too and their signatures checked),
 * SIMULATOR_LIVE_STEP_MS (default 3000: how long each step of a live job lasts),
 * SIMULATOR_LIVE_RESTART_MS (default 30000: how long a finished live job stays finished before its next request restarts it).
 */
import { SIM_CAE_ENVIRONMENT_ID, SIM_PROJECT_ID, startSimulator, type SimulatorOptions } from './server.js';
import { DEFAULT_LIVE_RESTART_AFTER_MS, DEFAULT_LIVE_STEP_MS } from './live.js';
import { SIMULATED_UPSTREAMS, demoJobs } from './index.js';

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be an integer 0-65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

function parseMs(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < min) {
    throw new Error(`${name} must be an integer number of milliseconds >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return ms;
}

async function main(): Promise<void> {
  const opts: SimulatorOptions = {
    port: parsePort(process.env.SIMULATOR_PORT),
    host: process.env.SIMULATOR_HOST || '127.0.0.1',
    liveStepMs: parseMs('SIMULATOR_LIVE_STEP_MS', process.env.SIMULATOR_LIVE_STEP_MS, DEFAULT_LIVE_STEP_MS, 1),
    liveRestartAfterMs: parseMs('SIMULATOR_LIVE_RESTART_MS', process.env.SIMULATOR_LIVE_RESTART_MS, DEFAULT_LIVE_RESTART_AFTER_MS, 0),
  };
  const ak = process.env.SIMULATOR_AK;
  const sk = process.env.SIMULATOR_SK;
  if (ak && sk) opts.keys = { ak, sk };
  else if (ak || sk) console.error('simulator: set both SIMULATOR_AK and SIMULATOR_SK to check AK/SK signatures; ignoring the one given');

  const sim = await startSimulator(opts);
  const p = SIM_PROJECT_ID;
  // The first line stays one line, so scripts can grep the base URL and the ids to point the gateway at.
  console.log(`simulator listening on ${sim.url} project=${p} caeEnvironment=${SIM_CAE_ENVIRONMENT_ID} aksk=${opts.keys ? 'on' : 'off'}`);
  console.log(
    [
      `live jobs (step ${opts.liveStepMs} ms, restart ${opts.liveRestartAfterMs} ms after finishing; the clock starts at the first request):`,
      ...SIMULATED_UPSTREAMS.flatMap((u) => (u.live ? [u.live.banner(sim.url)] : [])),
      "demo jobs, one per upstream (id: the gateway's opaque id in cn-north-4, for job(id:) and jobs(ids:)):",
      ...demoJobs().map(
        (j) =>
          `  ${j.upstream} ${j.jobId}  ${j.what}\n      id=${j.id}\n      GET ${sim.url}${j.path}${j.header ? `  (header ${j.header})` : ''}`,
      ),
      `auth: any X-Auth-Token${opts.keys ? ', or an SDK-HMAC-SHA256 signature made with SIMULATOR_AK/SIMULATOR_SK' : ''}`,
    ].join('\n'),
  );

  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
