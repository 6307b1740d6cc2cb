import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { JobSource } from './model/job.js';
import { exampleQuery } from './server/example-query.js';
import { cceGlobalId } from './upstreams/cce/map.js';
import { createGateway, loadFleet } from './server/gateway.js';
import { createHttpServer } from './server/http-server.js';
import { serveWebSocket } from './server/websocket.js';
import { startTracing } from './telemetry.js';
import { listen, listenErrorMessage } from './server/listen.js';
import { createProbeListener } from './server/probe-server.js';
import { configWarnings } from './config-warnings.js';
import type { Simulator } from './simulator/server.js';
import { PUBLIC_ENDPOINTS, UPSTREAM_SOURCES, endpointVariable, endpointsAt } from './upstreams/index.js';

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

  // With no endpoint configured (outside production) or SIMULATOR=true, the gateway serves the built-in
  // simulator so that `npm start` shows something real on a machine with no cloud account.
  let simulator: Simulator | undefined;
  let demo: { projectId: string; cceJobId: string; liveCceJobId: string } | undefined;
  let endpoints: Record<JobSource, string>;
  if (config.simulator) {
    // Imported only here, so a gateway reading the real cloud never loads the simulator or its data.
    const { SIM_IDS, SIM_PROJECT_ID, startSimulator } = await import('./simulator/server.js');
    demo = { projectId: SIM_PROJECT_ID, cceJobId: SIM_IDS.cce.deepTree, liveCceJobId: SIM_IDS.live.cce };
    // GraphiQL sends no token, so callers without one are signed with throwaway keys the simulator
    // checks: the example query works as is, and every request exercises the real AK/SK path.
    const keys = config.aksk ?? { ak: `SIM${randomBytes(8).toString('hex').toUpperCase()}`, sk: randomBytes(24).toString('hex') };
    simulator = await startSimulator({ port: 0, host: '127.0.0.1', keys });
    config = { ...config, aksk: keys };
    endpoints = endpointsAt(simulator.url);
  } else {
    endpoints = { ...PUBLIC_ENDPOINTS, ...config.endpoints };
  }

  const stopTracing = await startTracing();
  const gateway = createGateway(config, {
    endpoints,
    processMetrics: true,
    tracing: stopTracing !== undefined,
    fleet: await loadFleet(config),
    exampleQuery: demo
      ? exampleQuery(
          demo.projectId,
          demo.cceJobId,
          cceGlobalId({ api: 'v3', region: config.region, projectId: demo.projectId, jobId: demo.liveCceJobId }),
          { jobPages: config.jobPages },
        )
      : exampleQuery('<your project id>', '<a CCE job id>'),
  });
  const log = gateway.logger;
  for (const warning of configWarnings(config, process.env)) log.warn(warning);
  const http = createHttpServer(gateway.listener, config.server);
  const { server } = http;
  // A plain line naming what to change, and nothing left running (the simulator included).
  const cannotListen = async (error: unknown, port: number, variable: string): Promise<never> => {
    console.error(`job-gateway: ${listenErrorMessage(error, port, config.host, variable)}`);
    await gateway.close();
    await stopTracing?.();
    await simulator?.close();
    process.exit(1);
  };
  await listen(server, config.port, config.host).catch((error: unknown) => cannotListen(error, config.port, 'PORT'));
  // METRICS_PORT: /metrics (and /health, /ready) on a port of their own; the process exit closes it.
  const probes =
    config.metricsPort === undefined
      ? undefined
      : createHttpServer(createProbeListener(gateway.metrics, gateway.readiness), config.server).server;
  if (probes)
    await listen(probes, config.metricsPort!, config.host).catch((error: unknown) =>
      cannotListen(error, config.metricsPort!, 'METRICS_PORT'),
    );
  // Attached once listening: the WebSocket server re-emits the HTTP server's errors, and a listen error
  // seen there first would only be printed, leaving the process hanging.
  const websocket = serveWebSocket(server, gateway, config.maxBodyBytes);
  // Before the "listening" line: a supervisor may send SIGTERM as soon as it sees it, and must get a drain.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, draining`);
    gateway.readiness.ready = false;
    // From now on answers carry `Connection: close`, and each connection closes once idle.
    const drained = http.drain(config.server.drainTimeoutMs);
    // Every subscription ends: SSE streams with `complete`, graphql-ws operations with `complete`;
    // then the WebSockets close with 1001 (going away).
    gateway.watches.close();
    // One turn of the event loop lets graphql-ws queue each operation's `complete` ahead of the close frame.
    await new Promise((resolve) => setImmediate(resolve));
    await websocket.close();
    const { forced } = await drained;
    if (forced > 0) log.warn({ forced }, `drain deadline reached: cut ${forced} open connections`);
    else log.info('drained: every connection finished');
    await gateway.close();
    await stopTracing?.();
    await simulator?.close();
    // pino writes stdout asynchronously: lines queued behind a write still in flight would be lost by exit().
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  gateway.readiness.ready = true;
  const { port } = server.address() as AddressInfo;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  log.info(
    { port, graphiql: config.graphiql },
    `listening on http://${shown}:${port}/graphql${config.graphiql ? ' (GraphiQL in a browser)' : ''}`,
  );
  if (probes) {
    const metricsPort = (probes.address() as AddressInfo).port;
    log.info({ metricsPort }, `metrics on http://${shown}:${metricsPort}/metrics (with /health and /ready; not on port ${port})`);
  }
  if (simulator && demo) {
    log.warn(
      { simulator: simulator.url, projectId: demo.projectId },
      `SERVING SIMULATED DATA from the built-in simulator at ${simulator.url} (project ${demo.projectId}). ` +
        `To read the real cloud, set ${UPSTREAM_SOURCES.map(endpointVariable).join(', ')} ` +
        '(e.g. https://cce.{region}.myhuaweicloud.com) and send X-Auth-Token, or set CLOUD_SDK_AK/CLOUD_SDK_SK.',
    );
    if (config.jobPages)
      log.info(
        `a live demo job's timeline: http://${shown}:${port}/jobs/${cceGlobalId({ api: 'v3', region: config.region, projectId: demo.projectId, jobId: demo.liveCceJobId })}`,
      );
  } else {
    log.info({ endpoints }, 'reading the real upstreams');
    if (!config.aksk) log.info('no CLOUD_SDK_AK/CLOUD_SDK_SK: callers must send X-Auth-Token');
  }
}

main().catch((error: unknown) => {
  // A bad PERSISTED_DOCUMENTS manifest is found when the gateway is made: a configuration error too.
  if (error instanceof ConfigError) {
    console.error(`job-gateway: configuration error: ${error.message}`);
    process.exit(1);
  }
  console.error('job-gateway: failed to start:', error);
  process.exit(1);
});
