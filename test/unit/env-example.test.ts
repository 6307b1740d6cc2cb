/**
 * .env.example lists every variable the code reads, and the value it gives each is the default:
 * loadConfig reads it as if the variable were unset. Names are found two ways: by letting loadConfig
 * read a recording environment (what it really asks for), and by scanning src/ for process.env reads.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { OTHER_VARIABLES, configVariables } from '../../src/config-warnings.js';
import { DEFAULT_LIVE_RESTART_AFTER_MS, DEFAULT_LIVE_STEP_MS } from '../../src/simulator/live.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');

/** NAME=value lines (set to the default) and #NAME=value lines (unset by default). */
const active = new Map<string, string>();
const commented = new Set<string>();
for (const line of lines) {
  const m = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  if (!m) continue;
  const [, hash, name, value] = m as unknown as [string, string, string, string];
  expect(active.has(name) || commented.has(name), `${name} listed twice`).toBe(false);
  if (hash) commented.add(name);
  else active.set(name, value);
}
const listed = new Set([...active.keys(), ...commented]);

/** Every `process.env.NAME` / `env.NAME` / `(env, 'NAME'` in src/. */
function namesInSource(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])|\(env, '([A-Z][A-Z0-9_]+)'/g))
          names.add((m[1] ?? m[2] ?? m[3])!);
      }
    }
  };
  walk(join(ROOT, 'src'));
  return names;
}

describe('.env.example', () => {
  it('lists every variable loadConfig reads', () => {
    const missing = configVariables().filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('lists every other variable src/ reads from the environment', () => {
    const missing = [...namesInSource(), ...OTHER_VARIABLES].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('lists nothing the code does not read', () => {
    const read = new Set([...configVariables(), ...OTHER_VARIABLES, ...namesInSource()]);
    expect([...listed].filter((name) => !read.has(name))).toEqual([]);
  });

  it('gives each set variable its default: loadConfig reads it as if unset', () => {
    const defaults = loadConfig({});
    for (const [name, value] of active) {
      if (name.startsWith('SIMULATOR_')) continue;
      expect(loadConfig({ [name]: value }), `${name}=${value}`).toEqual(defaults);
    }
    expect(loadConfig(Object.fromEntries([...active].filter(([name]) => !name.startsWith('SIMULATOR_'))))).toEqual(defaults);
  });

  it('each unset-by-default variable really is optional, and its example value is accepted', () => {
    for (const name of commented) {
      if (name.startsWith('SIMULATOR_') || name.startsWith('OTEL_') || name === 'SIMULATOR' || name.startsWith('CLOUD_SDK_')) continue;
      const line = lines.find((l) => l.startsWith(`#${name}=`))!;
      const value = line.slice(name.length + 2);
      // NODE_ENV=production needs endpoints; everything else stands alone.
      const env = name === 'NODE_ENV' ? { NODE_ENV: value, SIMULATOR: 'true' } : { [name]: value };
      expect(() => loadConfig(env), line).not.toThrow();
    }
  });

  it("the standalone simulator's defaults are its own", () => {
    expect(Number(active.get('SIMULATOR_LIVE_STEP_MS'))).toBe(DEFAULT_LIVE_STEP_MS);
    expect(Number(active.get('SIMULATOR_LIVE_RESTART_MS'))).toBe(DEFAULT_LIVE_RESTART_AFTER_MS);
  });
});
