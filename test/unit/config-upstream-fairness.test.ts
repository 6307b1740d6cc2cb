/** The settings of the upstream client's fairness and bounds: defaults and validation. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { HWC_PUBLIC_REGIONS } from '../../src/model/regions.js';

describe('upstream fairness settings', () => {
  it('defaults', () => {
    const config = loadConfig({});
    expect(config.regions).toEqual(HWC_PUBLIC_REGIONS);
    expect(config.http).toMatchObject({
      maxOrigins: 64,
      callsPerRequest: 250,
      principalShare: 0.5,
      authCooldownMs: 5_000,
      principalsMax: 10_000,
      breaker: { samplesPerRequest: 1 },
    });
  });

  it('HWC_REGIONS: a list separated by commas or spaces, duplicates dropped', () => {
    const config = loadConfig({ HWC_REGIONS: 'cn-north-4, ap-southeast-3 ap-southeast-3,,eu-west-101' });
    expect(config.regions).toEqual(['cn-north-4', 'ap-southeast-3', 'eu-west-101']);
  });

  it('HWC_REGION must be one of HWC_REGIONS', () => {
    expect(() => loadConfig({ HWC_REGIONS: 'ap-southeast-3' })).toThrow(/HWC_REGION "cn-north-4" must be one of HWC_REGIONS/);
    expect(loadConfig({ HWC_REGIONS: 'ap-southeast-3', HWC_REGION: 'ap-southeast-3' }).region).toBe('ap-southeast-3');
    // A private region not in the public list works once listed.
    expect(loadConfig({ HWC_REGIONS: 'xx-private-1', HWC_REGION: 'xx-private-1' }).regions).toEqual(['xx-private-1']);
  });

  it.each([
    ['HWC_REGIONS', { HWC_REGIONS: 'cn-north-4,evil.com/' }],
    ['HWC_REGIONS', { HWC_REGIONS: 'cn-north-4,CN-EAST-3' }],
    ['UPSTREAM_MAX_ORIGINS', { UPSTREAM_MAX_ORIGINS: '0' }],
    ['UPSTREAM_CALLS_PER_REQUEST', { UPSTREAM_CALLS_PER_REQUEST: '0' }],
    ['UPSTREAM_PRINCIPAL_SHARE', { UPSTREAM_PRINCIPAL_SHARE: '0' }],
    ['UPSTREAM_PRINCIPAL_SHARE', { UPSTREAM_PRINCIPAL_SHARE: '1.5' }],
    ['UPSTREAM_PRINCIPAL_SHARE', { UPSTREAM_PRINCIPAL_SHARE: 'half' }],
    ['UPSTREAM_AUTH_COOLDOWN_MS', { UPSTREAM_AUTH_COOLDOWN_MS: '-1' }],
    ['UPSTREAM_PRINCIPALS_MAX', { UPSTREAM_PRINCIPALS_MAX: '0' }],
    ['BREAKER_SAMPLES_PER_REQUEST', { BREAKER_SAMPLES_PER_REQUEST: '0' }],
  ] as Array<[string, Record<string, string>]>)('%s: %j is refused naming the variable', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('UPSTREAM_PRINCIPAL_SHARE=1 and UPSTREAM_AUTH_COOLDOWN_MS=0 are allowed (no share, no cool-down)', () => {
    const config = loadConfig({ UPSTREAM_PRINCIPAL_SHARE: '1', UPSTREAM_AUTH_COOLDOWN_MS: '0' });
    expect(config.http.principalShare).toBe(1);
    expect(config.http.authCooldownMs).toBe(0);
  });
});
