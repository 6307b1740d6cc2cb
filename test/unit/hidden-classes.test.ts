import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('per-request objects share their hidden classes', () => {
  // An accessor in an object literal (`get lists() {...}`) made per request makes each one a
  // dictionary of its own, which held the request's loaders, models and upstream bodies through
  // every scavenge until the next major GC: a tenth of all the gateway allocated (bench/findings.md).
  it('two requests get loaders and contexts of one hidden class each', () => {
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/unit/hidden-classes.probe.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ context: true, cceLoaders: true });
  });
});
