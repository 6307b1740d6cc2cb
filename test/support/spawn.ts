/**
 * The gateway (or any of the project's entry points) as a real child process: what a user starts, with
 * the environment a test gives it and nothing inherited that would change its configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Variables of the parent that would configure the child; tests say explicitly what they want. */
const CONFIGURING =
  /_ENDPOINT$|^CLOUD_SDK_|^OTEL_|^GRAPHIQL$|^INTROSPECTION$|^SUBGRAPH_SDL$|^PORT$|^HOST$|^METRICS_PORT$|^LOG_LEVEL$|^LOG_FORMAT$|^NODE_ENV$|^SIMULATOR|^npm_/;

export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!CONFIGURING.test(key)) out[key] = value;
  return { ...out, ...env };
}

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in the output (or rejects when the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited (at once if it has). */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves when its stdout and stderr are closed: when it and every process that inherited them
   * (children it started, like npm's script) have exited.
   */
  closed(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; how it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnProcess(command: string, args: string[], env: Record<string, string>, options: { detached?: boolean } = {}): Spawned {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let all = '';
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of waiters) w();
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    all += chunk.toString();
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    all += chunk.toString();
    changed();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      // Let the pipes deliver what the process wrote last.
      setTimeout(() => {
        resolve({ code, signal });
        changed();
      }, 50);
    }),
  );
  const close = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let done = false;
  void exit.then(() => (done = true));

  const spawned: Spawned = {
    child,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(all);
          if (match) return finish(() => resolve(match));
          if (done) return finish(() => reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${all}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${all}`))), timeoutMs);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    exited(timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms:\n${all}`)), timeoutMs);
        void exit.then((how) => {
          clearTimeout(timer);
          resolve(how);
        });
      });
    },
    closed(timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`output still open after ${timeoutMs} ms:\n${all}`)), timeoutMs);
        void close.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (done) return exit;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exit;
      clearTimeout(force);
      return how;
    },
  };
  return spawned;
}

/** `src/main.ts` through tsx, as `npm run dev` runs it (no build needed). */
export function spawnGateway(env: Record<string, string>, nodeArgs: string[] = []): Spawned {
  return spawnProcess(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], { HOST: '127.0.0.1', PORT: '0', ...env });
}

/** The URL main logs once it listens (JSON log line). */
export async function listeningUrl(gateway: Spawned, timeoutMs = 30_000): Promise<string> {
  const match = await gateway.waitFor(/listening on (http:\/\/[^ "]+)\/graphql/, timeoutMs);
  return match[1]!.replace('//localhost:', '//127.0.0.1:');
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
