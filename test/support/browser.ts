/**
 * Finding a Chrome or Chromium for tests that drive a real browser (playwright-core brings none).
 *
 * A machine without one (a fresh macOS clone, say) skips those tests with a notice saying how to get
 * one, so `npm test` passes there; CI (`CI` set) and `REQUIRE_BROWSER=1` fail instead, so a browser
 * test can never silently stop running where it is meant to run.
 */
import { accessSync, constants } from 'node:fs';

/** Where Chrome and Chromium usually live on Linux and macOS, most specific first. */
export const BROWSER_LOCATIONS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
];

export const HOW_TO_GET_A_BROWSER =
  'install Chromium or Chrome (Debian/Ubuntu: apt-get install -y chromium; macOS: brew install --cask chromium, ' +
  'or Google Chrome) or point CHROMIUM_PATH at a Chrome/Chromium binary';

/** The flags every test launches the browser with (headless, in a container, no background traffic). */
export const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type BrowserLookup = { path: string; missing?: undefined } | { path?: undefined; missing: string };

/** CHROMIUM_PATH when set (and then only it), else the first of BROWSER_LOCATIONS that can be run. */
export function findBrowser(env: Record<string, string | undefined> = process.env, locations = BROWSER_LOCATIONS): BrowserLookup {
  const given = env.CHROMIUM_PATH?.trim();
  if (given) return executable(given) ? { path: given } : { missing: `CHROMIUM_PATH=${given} is not an executable file` };
  const found = locations.find(executable);
  return found ? { path: found } : { missing: `no Chrome or Chromium found (looked in ${locations.join(', ')})` };
}

/** Whether a missing browser must fail the run rather than skip. */
export function browserRequired(env: Record<string, string | undefined> = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || env.REQUIRE_BROWSER === '1';
}

/**
 * The browser a test file should launch, or undefined to skip it (after a visible notice). Throws
 * when none is found where one is required, which fails the file.
 */
export function browserForTests(
  what: string,
  env: Record<string, string | undefined> = process.env,
  locations = BROWSER_LOCATIONS,
): string | undefined {
  const lookup = findBrowser(env, locations);
  if (lookup.path !== undefined) return lookup.path;
  const message = `${what}: ${lookup.missing}; ${HOW_TO_GET_A_BROWSER}`;
  if (browserRequired(env))
    throw new Error(`${message} (a browser is required because ${env.REQUIRE_BROWSER === '1' ? 'REQUIRE_BROWSER=1' : 'CI is set'})`);
  console.warn(`SKIPPED ${message}. Set REQUIRE_BROWSER=1 to make this a failure.`);
  return undefined;
}
