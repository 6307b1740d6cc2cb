import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, PUBLIC_ENDPOINTS, loadConfig, type Config } from './config.js';
import type { JobSource } from './model/job.js';
import { exampleQuery } from './server/example-query.js';
import { cceGlobalId } from './upstreams/cce/map.js';
import { createGateway, loadFleet } from './server/gateway.js';
import { serveWebSocket } from './server/websocket.js';
import { startTracing } from './telemetry.js';
import { SIM_IDS, SIM_PROJECT_ID, startSimulator, type Simulator } from './simulator/server.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`job-gateway: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  // With no endpoint configured at all, the gateway serves the built-in simulator so that
  // `npm start` shows something real on a machine with no cloud account.
  let simulator: Simulator | undefined;
  let endpoints: Record<JobSource, string>;
  if (Object.keys(config.endpoints).length === 0) {
    // GraphiQL sends no token, so callers without one are signed with throwaway keys the simulator
    // checks: the example query works as is, and every request exercises the real AK/SK path.
    const keys = config.aksk ?? { ak: `SIM${randomBytes(8).toString('hex').toUpperCase()}`, sk: randomBytes(24).toString('hex') };
    simulator = await startSimulator({ port: 0, host: '127.0.0.1', keys });
    config = { ...config, aksk: keys };
    endpoints = { CCE: simulator.url, CAE: simulator.url, CFW: simulator.url, DB: simulator.url };
  } else {
    endpoints = { ...PUBLIC_ENDPOINTS, ...config.endpoints };
  }

  const stopTracing = await startTracing();
  const gateway = createGateway(config, {
    endpoints,
    processMetrics: true,
    tracing: stopTracing !== undefined,
    fleet: await loadFleet(config),
    exampleQuery: simulator
      ? exampleQuery(
          SIM_PROJECT_ID,
          SIM_IDS.cce.deepTree,
          cceGlobalId({ api: 'v3', region: config.region, projectId: SIM_PROJECT_ID, jobId: SIM_IDS.live.cce }),
        )
      : exampleQuery('<your project id>', '<a CCE job id>'),
  });
  const log = gateway.logger;
  const server = createServer(gateway.listener);
  const websocket = serveWebSocket(server, gateway, config.maxBodyBytes);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  gateway.readiness.ready = true;
  const { port } = server.address() as AddressInfo;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info({ port, graphiql: config.graphiql }, `listening on http://${shown}:${port}/graphql${config.graphiql ? ' (GraphiQL in a browser)' : ''}`);
  if (simulator) {
    log.warn(
      { simulator: simulator.url, projectId: SIM_PROJECT_ID },
      `SERVING SIMULATED DATA from the built-in simulator at ${simulator.url} (project ${SIM_PROJECT_ID}). ` +
        'To read the real cloud, set CCE_ENDPOINT, CAE_ENDPOINT, CFW_ENDPOINT and DB_ENDPOINT ' +
        '(e.g. https://cce.{region}.myhuaweicloud.com) and send X-Auth-Token, or set CLOUD_SDK_AK/CLOUD_SDK_SK.',
    );
  } else {
    log.info({ endpoints }, 'reading the real upstreams');
    if (!config.aksk) log.info('no CLOUD_SDK_AK/CLOUD_SDK_SK: callers must send X-Auth-Token');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, draining`);
    gateway.readiness.ready = false;
    // Listen for 'close' before awaiting anything: with no open connection it fires on the next tick,
    // and a listener added after `await websocket.close()` would wait for it forever.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await websocket.close();
    // Give in-flight requests their upstream deadline to finish, then go regardless.
    const force = setTimeout(() => server.closeAllConnections(), config.http.timeoutMs).unref();
    await closed;
    clearTimeout(force);
    await gateway.close();
    await stopTracing?.();
    await simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('job-gateway: failed to start:', error);
  process.exit(1);
});
