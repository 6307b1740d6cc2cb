/**
 * test/support/browser.ts against real files: which browser it picks, and that a missing one skips with
 * a notice (saying how to get one) outside CI, but fails under CI or REQUIRE_BROWSER=1.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { browserForTests, browserRequired, findBrowser } from '../support/browser.js';

const dir = mkdtempSync(join(tmpdir(), 'browser-lookup-'));
const chrome = join(dir, 'google-chrome');
writeFileSync(chrome, '#!/bin/sh\n');
chmodSync(chrome, 0o755);
const notExecutable = join(dir, 'chromium');
writeFileSync(notExecutable, '');
const absent = join(dir, 'absent');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findBrowser', () => {
  it('takes the first executable location', () => {
    expect(findBrowser({}, [absent, notExecutable, chrome])).toEqual({ path: chrome });
  });
  it('CHROMIUM_PATH wins, and a wrong one is reported rather than silently replaced', () => {
    expect(findBrowser({ CHROMIUM_PATH: chrome }, [absent])).toEqual({ path: chrome });
    expect(findBrowser({ CHROMIUM_PATH: absent }, [chrome]).missing).toContain(`CHROMIUM_PATH=${absent}`);
  });
  it('none found: says where it looked', () => {
    expect(findBrowser({}, [absent, notExecutable]).missing).toContain(absent);
  });
});

describe('browserForTests', () => {
  it('without a browser, outside CI: undefined (skip) with a visible notice saying how to get one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(browserForTests('x.test.ts', {}, [absent])).toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        /SKIPPED x\.test\.ts: .*apt-get install -y chromium.*CHROMIUM_PATH.*REQUIRE_BROWSER=1/,
      );
    } finally {
      warn.mockRestore();
    }
  });
  it('without a browser under CI or REQUIRE_BROWSER=1: throws (the file fails)', () => {
    expect(() => browserForTests('x.test.ts', { CI: 'true' }, [absent])).toThrow(/CI is set/);
    expect(() => browserForTests('x.test.ts', { REQUIRE_BROWSER: '1' }, [absent])).toThrow(/REQUIRE_BROWSER=1/);
  });
  it('CI=false or CI= is not CI', () => {
    expect(browserRequired({ CI: 'false' })).toBe(false);
    expect(browserRequired({ CI: '' })).toBe(false);
    expect(browserRequired({ CI: '1' })).toBe(true);
  });
  it('with a browser: its path, whatever CI says', () => {
    expect(browserForTests('x.test.ts', { CI: 'true' }, [chrome])).toBe(chrome);
  });
});
