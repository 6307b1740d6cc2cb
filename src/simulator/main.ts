/**
 * Standalone simulator: `node dist/src/simulator/main.js` (or via tsx/vite-node).
 * SIMULATOR_PORT (default 0 = any free port), SIMULATOR_HOST (default 127.0.0.1),
 * SIMULATOR_AK / SIMULATOR_SK (both set: AK/SK-signed requests are accepted too).
 */
import { SIM_CAE_ENVIRONMENT_ID, SIM_PROJECT_ID, startSimulator, type SimulatorOptions } from './server.js';

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SIMULATOR_PORT must be an integer 0-65535, got ${JSON.stringify(raw)}`);
  }
  return port;
}

async function main(): Promise<void> {
  const opts: SimulatorOptions = {
    port: parsePort(process.env.SIMULATOR_PORT),
    host: process.env.SIMULATOR_HOST || '127.0.0.1',
  };
  const ak = process.env.SIMULATOR_AK;
  const sk = process.env.SIMULATOR_SK;
  if (ak && sk) opts.keys = { ak, sk };

  const sim = await startSimulator(opts);
  // One line, so scripts can grep the base URL and the ids to point the gateway at.
  console.log(
    `simulator listening on ${sim.url} project=${SIM_PROJECT_ID} caeEnvironment=${SIM_CAE_ENVIRONMENT_ID} aksk=${opts.keys ? 'on' : 'off'}`,
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
