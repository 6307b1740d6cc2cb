/**
 * A real redis-server for the fleet tests: started on a free loopback port with persistence off
 * (`--save '' --appendonly no`), stopped (and restarted on the same port) by the test.
 *
 * Needs /usr/bin/redis-server (REDIS_SERVER_PATH overrides). Without it the tests skip with a
 * visible notice; under CI (process.env.CI set), where `.ci/run` installs it, they fail instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './spawn.js';

export { freePort };

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

/** Whether the fleet tests can run here; under CI a missing binary is an error, not a skip. */
export function haveRedis(): boolean {
  if (existsSync(REDIS_SERVER)) return true;
  if (process.env.CI)
    throw new Error(`${REDIS_SERVER} is missing: .ci/run installs Debian's redis-server (apt-get install -y redis-server)`);
  console.warn(
    `\n*** SKIPPING the fleet (Redis) tests: no redis-server at ${REDIS_SERVER} (apt-get install redis-server, or set REDIS_SERVER_PATH) ***\n`,
  );
  return false;
}

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM; nothing is saved). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** A client for looking inside (closed by `stop`). */
  client(): Redis;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];

  async function start(): Promise<void> {
    const proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${out}`)), 10_000);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${out}`));
      });
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
    });
    proc.removeAllListeners('exit');
  }

  async function stop(): Promise<void> {
    for (const c of clients.splice(0)) c.disconnect();
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(force);
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop,
    start,
    client() {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
  };
}
