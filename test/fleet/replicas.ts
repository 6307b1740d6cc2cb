/**
 * Gateway replicas as real processes (src/main.ts under tsx, as `npm run dev` runs it), each with
 * its own Redis connections, all pointed at one upstream: what a deployment behind a load balancer
 * is, and the only honest way to SIGKILL one of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  /** JSON log lines so far. */
  logs(): { level: number; msg: string; [key: string]: unknown }[];
  /** One /metrics value (the first sample of `name` whose labels include `labels`), or undefined. */
  metric(name: string, labels?: string): Promise<number | undefined>;
  /** GraphQL over HTTP with a token. */
  query<T = Record<string, unknown>>(
    query: string,
    token: string,
    variables?: Record<string, unknown>,
  ): Promise<{
    status: number;
    data?: T | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  }>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/_ENDPOINT$|^CLOUD_SDK_|^OTEL_|^PORT$|^HOST$|^LOG_LEVEL$|^REDIS_|^UPSTREAM_|^POLL_|^CACHE_/.test(key)) continue;
    childEnv[key] = value;
  }
  Object.assign(childEnv, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`replica ${name} did not start within 60 s:\n${out}\n${err}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${name} exited with ${code}:\n${out}\n${err}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"msg":"listening on (http:\/\/[^ "/]+)\/graphql/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    name,
    url,
    child,
    logs: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string }),
    async metric(metricName, labels = '') {
      const res = await request(`${url}/metrics`);
      const text = await res.body.text();
      for (const line of text.split('\n')) {
        if (!line.startsWith(metricName)) continue;
        const rest = line.slice(metricName.length);
        if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
        if (labels && !rest.includes(labels)) continue;
        return Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return undefined;
    },
    async query(query, token, variables) {
      const res = await request(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': token },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.statusCode, ...((await res.body.json()) as object) };
    },
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}
