import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PUBLIC_ENDPOINTS } from '../../src/config.js';

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
    return error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}, nothing was thrown`);
}

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('listens on 0.0.0.0:4000 in cn-north-4', () => {
    expect(config.port).toBe(4000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.region).toBe('cn-north-4');
  });

  it('has no endpoints (→ the simulator) and no AK/SK', () => {
    expect(config.endpoints).toEqual({});
    expect(config.aksk).toBeNull();
  });

  it('upstream HTTP defaults', () => {
    expect(config.http).toMatchObject({
      timeoutMs: 10_000,
      retries: 2,
      connections: 32,
      maxBytes: 5 * 1024 * 1024,
    });
    expect(config.http.maxBytes).toBe(5_242_880);
  });

  it('GraphiQL and introspection are on', () => {
    expect(config.graphiql).toBe(true);
    expect(config.introspection).toBe(true);
  });

  it('does not read process.env when given an env', () => {
    const before = process.env.PORT;
    process.env.PORT = '1234';
    try {
      expect(loadConfig({}).port).toBe(4000);
    } finally {
      if (before === undefined) delete process.env.PORT;
      else process.env.PORT = before;
    }
  });

  it('blank values count as unset', () => {
    const c = loadConfig({ PORT: '', HWC_REGION: '  ', GRAPHIQL: '', CCE_ENDPOINT: ' ' });
    expect(c.port).toBe(4000);
    expect(c.region).toBe('cn-north-4');
    expect(c.graphiql).toBe(true);
    expect(c.endpoints).toEqual({});
  });
});

describe('loadConfig accepts good values', () => {
  it('numbers, host, region', () => {
    const c = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      HWC_REGION: 'eu-west-101',
      UPSTREAM_TIMEOUT_MS: '2500',
      UPSTREAM_RETRIES: '0',
      UPSTREAM_CONNECTIONS: '4',
      UPSTREAM_MAX_BYTES: '65536',
    });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', region: 'eu-west-101' });
    expect(c.http).toMatchObject({ timeoutMs: 2500, retries: 0, connections: 4, maxBytes: 65_536 });
  });

  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['true', true],
    ['True', true],
    ['1', true],
  ])('GRAPHIQL=%s / INTROSPECTION=%s → %s', (value, expected) => {
    const c = loadConfig({ GRAPHIQL: value, INTROSPECTION: value });
    expect(c.graphiql).toBe(expected);
    expect(c.introspection).toBe(expected);
  });

  it('GRAPHIQL=false and INTROSPECTION=true together', () => {
    expect(loadConfig({ GRAPHIQL: 'false', INTROSPECTION: 'true' })).toMatchObject({ graphiql: false, introspection: true });
  });

  it('endpoints: only the configured ones, trailing slashes removed, {region} kept', () => {
    const c = loadConfig({
      CCE_ENDPOINT: 'https://cce.{region}.example.com/',
      DB_ENDPOINT: 'http://127.0.0.1:9000/rds//',
    });
    expect(c.endpoints).toEqual({ CCE: 'https://cce.{region}.example.com', DB: 'http://127.0.0.1:9000/rds' });
  });

  it.each(['CCE', 'CAE', 'CFW', 'DB'] as const)('%s_ENDPOINT is read', (source) => {
    expect(loadConfig({ [`${source}_ENDPOINT`]: 'http://localhost:1' }).endpoints).toEqual({ [source]: 'http://localhost:1' });
  });

  it('public endpoints are the documented hosts', () => {
    expect(PUBLIC_ENDPOINTS).toEqual({
      CCE: 'https://cce.{region}.myhuaweicloud.com',
      CAE: 'https://cae.{region}.myhuaweicloud.com',
      CFW: 'https://cfw.{region}.myhuaweicloud.com',
      DB: 'https://rds.{region}.myhuaweicloud.com',
    });
  });

  it('AK/SK, with and without a security token', () => {
    expect(loadConfig({ CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK' }).aksk).toEqual({ ak: 'AK', sk: 'SK' });
    expect(loadConfig({ CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK', CLOUD_SDK_SECURITY_TOKEN: 'ST' }).aksk).toEqual({
      ak: 'AK',
      sk: 'SK',
      securityToken: 'ST',
    });
  });
});

describe('loadConfig rejects bad values with a ConfigError naming the variable', () => {
  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['PORT', { PORT: '0x50' }],
    ['UPSTREAM_TIMEOUT_MS', { UPSTREAM_TIMEOUT_MS: '-1' }],
    ['UPSTREAM_TIMEOUT_MS', { UPSTREAM_TIMEOUT_MS: '0' }],
    ['UPSTREAM_TIMEOUT_MS', { UPSTREAM_TIMEOUT_MS: '10s' }],
    ['UPSTREAM_RETRIES', { UPSTREAM_RETRIES: 'two' }],
    ['UPSTREAM_CONNECTIONS', { UPSTREAM_CONNECTIONS: '0' }],
    ['UPSTREAM_MAX_BYTES', { UPSTREAM_MAX_BYTES: '5MiB' }],
    ['HWC_REGION', { HWC_REGION: 'Evil.com' }],
    ['HWC_REGION', { HWC_REGION: 'cn-north-4.evil.com' }],
    ['HWC_REGION', { HWC_REGION: 'cn-north-4/' }],
    ['CCE_ENDPOINT', { CCE_ENDPOINT: 'ftp://x' }],
    ['CCE_ENDPOINT', { CCE_ENDPOINT: 'not a url' }],
    ['CCE_ENDPOINT', { CCE_ENDPOINT: 'https://cce.example.com/?a=1' }],
    ['CCE_ENDPOINT', { CCE_ENDPOINT: 'https://cce.example.com/#frag' }],
    ['CAE_ENDPOINT', { CAE_ENDPOINT: 'file:///etc/passwd' }],
    ['CFW_ENDPOINT', { CFW_ENDPOINT: 'javascript:alert(1)' }],
    ['DB_ENDPOINT', { DB_ENDPOINT: '//rds.example.com' }],
    ['GRAPHIQL', { GRAPHIQL: 'maybe' }],
    ['GRAPHIQL', { GRAPHIQL: 'yes' }],
    ['INTROSPECTION', { INTROSPECTION: 'off' }],
    ['CLOUD_SDK_AK', { CLOUD_SDK_AK: 'AK' }],
    ['CLOUD_SDK_SK', { CLOUD_SDK_SK: 'SK' }],
  ] as Array<[string, Record<string, string>]>)('%s: %j', (name, env) => {
    const error = configErrorOf(env);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(name);
  });

  it('the AK/SK error does not echo the keys', () => {
    expect(configErrorOf({ CLOUD_SDK_AK: 'AKIDVALUE123' }).message).not.toContain('AKIDVALUE123');
    expect(configErrorOf({ CLOUD_SDK_SK: 'SECRETVALUE456' }).message).not.toContain('SECRETVALUE456');
  });

  it('a bad value in one variable names that variable, not another', () => {
    const error = configErrorOf({ PORT: '8080', UPSTREAM_TIMEOUT_MS: '-1' });
    expect(error.message).toMatch(/^UPSTREAM_TIMEOUT_MS /);
    expect(error.message).not.toContain('PORT');
  });
});

describe('CORS_ORIGINS', () => {
  it('is empty by default: no cross-origin access', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('takes exact origins, separated by commas or spaces', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:3000 https://b.example/' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      'https://b.example',
    ]);
  });

  it('refuses wildcards, paths and other schemes, naming the variable', () => {
    for (const value of ['*', 'https://*.example.com', 'https://app.example.com/path', 'ftp://x.example', 'app.example.com']) {
      expect(configErrorOf({ CORS_ORIGINS: value }).message).toMatch(/^CORS_ORIGINS: /);
    }
  });
});
