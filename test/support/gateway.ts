import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { loadConfig, type Config } from '../../src/config.js';
import type { JobSource } from '../../src/model/job.js';
import { createGateway, loadFleet, type Gateway, type GatewayOptions } from '../../src/server/gateway.js';
import { createHttpServer } from '../../src/server/http-server.js';
import { serveWebSocket } from '../../src/server/websocket.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { endpointsAt } from '../../src/upstreams/index.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> & { code?: string } }[];
}

export interface TestGateway {
  url: string;
  gateway: Gateway;
  config: Config;
  /** The node:http server, e.g. to wait until it has seen a client's connection close. */
  server: Server;
  query<T = Record<string, unknown>>(
    query: string,
    options?: { variables?: Record<string, unknown>; token?: string | null; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/**
 * createGateway's options other than the endpoints (e.g. a `logger` writing to a test's buffer), and
 * the `clock` the upstream clients (deadlines, retries, waits) and the watch hub (polls) schedule with.
 */
export type ExtraGatewayOptions = Omit<GatewayOptions, 'endpoints'>;

/**
 * A gateway on a free loopback port. `env` is read exactly like the real process environment;
 * `endpoints` points every upstream somewhere (the simulator, or a fault-injecting server).
 */
export async function startGateway(
  endpoints: Record<JobSource, string>,
  env: Record<string, string> = {},
  options: ExtraGatewayOptions = {},
): Promise<TestGateway> {
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env });
  const gateway = createGateway(config, { fleet: await loadFleet(config), ...options, endpoints });
  const server: Server = createHttpServer(gateway.listener, config.server).server;
  const websocket = serveWebSocket(server, gateway, config.maxBodyBytes);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.readiness.ready = true;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    gateway,
    config,
    server,
    async query(query, options = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
      const token = options.token === undefined ? 'test-token' : options.token;
      if (token !== null) headers['x-auth-token'] = token;
      const res = await request(`${url}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables: options.variables }),
      });
      const text = await res.body.text();
      let body: Partial<GraphQLResponse> = {};
      try {
        body = JSON.parse(text) as Partial<GraphQLResponse>;
      } catch {
        body = { errors: [{ message: `non-JSON response: ${text.slice(0, 200)}` }] };
      }
      return { status: res.statusCode, headers: res.headers, ...body } as GraphQLResponse<never>;
    },
    async close() {
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

/** The simulator and a gateway pointed at it, the way `npm start` runs with no configuration. */
export async function startSimulatedGateway(
  env: Record<string, string> = {},
  simulatorOptions: SimulatorOptions = {},
  gatewayOptions: ExtraGatewayOptions = {},
): Promise<TestGateway & { sim: Simulator }> {
  const sim = await startSimulator(simulatorOptions);
  const gw = await startGateway(endpointsAt(sim.url), env, gatewayOptions);
  return {
    ...gw,
    sim,
    async close() {
      await gw.close();
      await sim.close();
    },
  };
}

/** Upstream calls the simulator saw, per service. */
export function callsBy(sim: Simulator, service: JobSource): number {
  return sim.calls.filter((c) => c.service === service).length;
}

export type Intercept = NonNullable<SimulatorOptions['intercept']>;

/** One simulated gateway for a whole test file, with an intercept each test may set (reset between tests). */
export interface SharedSimulatedGateway {
  readonly gw: TestGateway & { sim: Simulator };
  /** Fault injection for the current test; cleared, with the call log, before each test. */
  hook: Intercept | undefined;
}

export function useSharedSimulatedGateway(): SharedSimulatedGateway {
  let gw: (TestGateway & { sim: Simulator }) | undefined;
  const shared: SharedSimulatedGateway = {
    get gw() {
      if (!gw) throw new Error('the shared gateway is not started yet (use it inside a test)');
      return gw;
    },
    hook: undefined,
  };
  beforeAll(async () => {
    gw = await startSimulatedGateway({}, { intercept: (call, res) => shared.hook?.(call, res) ?? false });
  });
  afterAll(async () => {
    await gw?.close();
  });
  beforeEach(() => {
    shared.hook = undefined;
    gw?.sim.resetCalls();
  });
  return shared;
}
