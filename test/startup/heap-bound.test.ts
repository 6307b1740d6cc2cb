/**
 * The heap bound lives in two places that must agree: `npm start` and the Docker image's CMD (issue 13:
 * without it V8 grows the old generation to ~4x the live heap, and Node 24's young generation to 128 MB).
 * The bench reads the same flags from `npm start` (bench/run.ts startFlags), so its peak RSS is production's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const HEAP_FLAG = /^--max-(old|semi)-space-size=(\d+)$/;

function heapFlags(args: string[]): Record<string, number> {
  const flags: Record<string, number> = {};
  for (const arg of args) {
    const m = HEAP_FLAG.exec(arg);
    if (m) flags[m[1]!] = Number(m[2]);
  }
  return flags;
}

describe('the heap bound', () => {
  const start = (JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const dockerfile = readFileSync(new URL('Dockerfile', ROOT), 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile.split(/^FROM /m).at(-1)!)![1]!) as string[];

  it('npm start and the Dockerfile CMD set the same old- and semi-space sizes, before the script', () => {
    const fromStart = heapFlags(start.split(/\s+/));
    expect(fromStart).toEqual(heapFlags(cmd));
    expect(Object.keys(fromStart).sort()).toEqual(['old', 'semi']);
    expect(cmd.indexOf('dist/main.js')).toBeGreaterThan(cmd.findIndex((a) => a.startsWith('--max-old-space-size=')));
  });

  it('leaves room over the live heap with full caches (~75 MB) for at least 1,000 open subscriptions (~37 KB each)', () => {
    expect(heapFlags(cmd).old).toBeGreaterThanOrEqual(75 + Math.ceil((1000 * 37) / 1024));
  });
});
