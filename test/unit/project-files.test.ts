/** What a fresh clone must carry: the licence (in full and declared), a changelog, a non-root numeric USER. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('project files', () => {
  it('LICENSE is the full Apache License 2.0, and package.json declares it', () => {
    const license = read('LICENSE');
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    for (let section = 1; section <= 9; section++) expect(license).toMatch(new RegExp(`^\\s+${section}\\. [A-Z]`, 'm'));
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect((JSON.parse(read('package.json')) as { license?: string }).license).toBe('Apache-2.0');
  });

  it('CHANGELOG.md has an Unreleased section', () => {
    expect(read('CHANGELOG.md')).toMatch(/^## \[Unreleased\]$/m);
  });

  it("the Docker image's final USER is a numeric non-root uid (Kubernetes runAsNonRoot can verify only that)", () => {
    const stages = read('Dockerfile').split(/^FROM /m);
    const user = [...stages.at(-1)!.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('npm start hands signals to the gateway: it execs node, after a prestart build', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(scripts.prestart).toBe('npm run build');
    expect(scripts.start).toMatch(/^exec node /);
  });
});
