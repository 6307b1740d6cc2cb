/**
 * The places that name the upstreams agree: the SDL (`enum JobSource`, the types implementing `Job`),
 * codegen.yml's mappers, the registry (src/upstreams/index.ts), the simulator's registry and its
 * routes, and the README's list of the files a new upstream touches. Each of them failing alone used
 * to be found only at run time (a job whose source the enum lacks fails its whole answer; a simulator
 * without the upstream's routes answers `npm start`'s queries with 404).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Kind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '../../src/model/ids.js';
import { jobTypeNames, readTypeDefs } from '../../src/graph/schema.js';
import { SIMULATED_UPSTREAMS } from '../../src/simulator/index.js';
import { UPSTREAMS } from '../../src/upstreams/index.js';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { ROOT } from '../support/spawn.js';

const typeDefs = readTypeDefs();
const sources = UPSTREAMS.map((u) => u.source);
const folder = (source: string) => source.toLowerCase();
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function enumValues(name: string): string[] {
  for (const d of typeDefs.definitions) {
    if (d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === name) return (d.values ?? []).map((v) => v.name.value);
  }
  throw new Error(`no enum ${name} in schema/`);
}

/** codegen.yml's `mappers:` entries: SDL type → module path. */
function codegenMappers(): Map<string, string> {
  const text = read('codegen.yml');
  const block = /\n( +)mappers:\n((?:\1 +\S.*\n?)+)/.exec(text);
  if (!block) throw new Error('codegen.yml has no mappers block');
  return new Map(
    block[2]!
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^\s*(\w+):\s*(\S+)#\w+$/.exec(line);
        if (!m) throw new Error(`unreadable mapper line: ${line}`);
        return [m[1]!, m[2]!] as const;
      }),
  );
}

describe('the upstream registry agrees with the SDL, codegen.yml and the simulator', () => {
  it('has one definition per source and per id tag', () => {
    expect(new Set(sources).size).toBe(sources.length);
    const tags = UPSTREAMS.flatMap((u) => u.ids.map((kind) => kind.tag));
    expect(new Set(tags).size).toBe(tags.length);
  });

  it('registers exactly the values of the SDL enum JobSource', () => {
    expect([...sources].sort()).toEqual([...enumValues('JobSource')].sort());
  });

  it('claims every SDL type implementing Job, each once', () => {
    const claimed = UPSTREAMS.flatMap((u) => u.jobTypes);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect([...claimed].sort()).toEqual([...jobTypeNames(typeDefs)].sort());
  });

  it("maps every Job type in codegen.yml to a model in its upstream's folder, and every mapper to an SDL type", () => {
    const mappers = codegenMappers();
    for (const upstream of UPSTREAMS) {
      for (const type of upstream.jobTypes) {
        const module = mappers.get(type);
        expect(module, `codegen.yml maps ${type}`).toBeDefined();
        expect(module, `${type}'s mapper`).toMatch(new RegExp(`^\\.\\./upstreams/${folder(upstream.source)}/\\w+\\.js$`));
        expect(existsSync(join(ROOT, 'src/generated', module!.replace(/\.js$/, '.ts'))), `${module} exists`).toBe(true);
      }
    }
    const sdlTypes = new Set(typeDefs.definitions.flatMap((d) => (d.kind === Kind.OBJECT_TYPE_DEFINITION ? [d.name.value] : [])));
    for (const type of mappers.keys()) expect(sdlTypes.has(type), `mapper ${type} names an SDL type`).toBe(true);
  });

  it("defines each upstream in its own folder's index.ts and simulates it in src/simulator/<name>.ts", async () => {
    for (const upstream of UPSTREAMS) {
      const module = (await import(/* @vite-ignore */ join(ROOT, `src/upstreams/${folder(upstream.source)}/index.ts`))) as Record<
        string,
        unknown
      >;
      expect(Object.values(module), `src/upstreams/${folder(upstream.source)}/index.ts exports its definition`).toContain(upstream);
    }
    for (const simulated of SIMULATED_UPSTREAMS) {
      const module = (await import(/* @vite-ignore */ join(ROOT, `src/simulator/${folder(simulated.source)}.ts`))) as Record<
        string,
        unknown
      >;
      expect(Object.values(module), `src/simulator/${folder(simulated.source)}.ts exports its simulated upstream`).toContain(simulated);
    }
  });

  it('simulates exactly the registered upstreams', () => {
    expect(SIMULATED_UPSTREAMS.map((u) => u.source)).toEqual(sources);
  });
});

describe('every registered upstream works end to end on the simulator', () => {
  let gw: TestGateway & { sim: Simulator };
  beforeAll(async () => {
    gw = await startSimulatedGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it.each(sources)("%s: the simulator's demo job resolves by its id, with its source and one of its types", async (source) => {
    const upstream = UPSTREAMS.find((u) => u.source === source)!;
    const demo = SIMULATED_UPSTREAMS.find((u) => u.source === source)!.demo(gw.config.region);
    expect(upstream.ids.map((kind) => kind.tag)).toContain(decodeId(demo.id).tag);
    gw.sim.resetCalls();
    const res = await gw.query<{ job: { __typename: string; source: string; jobId: string } | null }>(
      'query ($id: ID!) { job(id: $id) { __typename source jobId } }',
      { variables: { id: demo.id } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.job).toEqual({ __typename: expect.any(String), source, jobId: demo.jobId });
    expect(upstream.jobTypes).toContain(res.data!.job!.__typename);
    // Served by the simulator's routes for this upstream, in one call.
    expect(gw.sim.calls.map((c) => c.service)).toEqual([source]);
  });
});

describe("README's list of the files a new upstream touches", () => {
  const readme = read('README.md');
  const block = /<!-- upstream-files:start -->\n```\n([\s\S]*?)```\n<!-- upstream-files:end -->/.exec(readme);
  const listed = (block?.[1] ?? '')
    .trim()
    .split('\n')
    .map((line) => line.split(/\s+/)[0]!);
  const perUpstream = listed.filter((path) => path.includes('<name>'));
  const shared = listed.filter((path) => !path.includes('<name>'));

  it('is there, with files of each upstream and shared files', () => {
    expect(perUpstream.length).toBeGreaterThan(0);
    expect(shared.length).toBeGreaterThan(0);
  });

  it.each(sources)('%s has each of the per-upstream files', (source) => {
    for (const pattern of perUpstream) {
      const path = pattern.replaceAll('<name>', folder(source));
      expect(existsSync(join(ROOT, path)), path).toBe(true);
    }
  });

  it('names shared files that register every upstream', () => {
    for (const path of shared) {
      const text = read(path);
      for (const source of sources) {
        expect(mentions(text, source), `${path} registers ${source}`).toBe(true);
      }
    }
  });

  // An enumeration of the upstreams outside the list is a place a new upstream would have to be
  // added to unseen: the code, the bench and the tests' shared fixtures must derive from the registry.
  it("is complete: no other file in src/, bench/ or the tests' fixtures names every upstream", () => {
    const perUpstreamFiles = new Set(sources.flatMap((s) => perUpstream.map((p) => p.replaceAll('<name>', folder(s)))));
    const allowed = new Set([
      ...shared,
      ...perUpstreamFiles,
      'src/generated/resolvers.ts',
      // Workload B asks for jobs of the four upstreams on purpose; a new upstream need not join it.
      'bench/run.ts',
    ]);
    const files = [...walk('src'), ...walk('bench'), ...walk('test/support'), ...walk('test').filter((f) => /\/helpers\.ts$/.test(f))];
    const enumerating = files.filter((file) => {
      if (allowed.has(file) || (file.startsWith('src/upstreams/') && sources.some((s) => file.startsWith(`src/upstreams/${folder(s)}/`))))
        return false;
      const text = read(file);
      return sources.every((source) => mentions(text, source));
    });
    expect(enumerating).toEqual([]);
  });
});

/** Whether a file names an upstream: its source as a quoted string or key, its folder, or its simulator module. */
function mentions(text: string, source: string): boolean {
  const name = folder(source);
  return new RegExp(
    `['"\`]${source}['"\`]|\\b${source}(?:_ENDPOINT\\b|:\\s)|^\\s*${source}$|/${name}/|\\./${name}(?:-data)?\\.js|/simulator/${name}(?:-data)?\\.js|schema/${name}\\.graphql`,
    'm',
  ).test(text);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(ROOT, dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(relative(ROOT, path)));
    else if (/\.(ts|mjs)$/.test(entry.name)) out.push(relative(ROOT, path));
  }
  return out;
}
