import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('cost, answer-size and document-cache settings', () => {
  it('have the documented defaults', () => {
    const config = loadConfig({});
    expect(config.limits.maxCost).toBe(20_000);
    expect(config.limits.costEstimates).toEqual({ cceJobs: 20, subJobs: 10 });
    expect(config.maxResponseBytes).toBe(2 * 1024 * 1024);
    expect(config.documentCacheBytes).toBe(32 * 1024 * 1024);
  });

  it('are read from the environment', () => {
    const config = loadConfig({
      COST_CCE_JOBS_ESTIMATE: '200',
      COST_SUB_JOBS_ESTIMATE: '3',
      MAX_RESPONSE_BYTES: '65536',
      DOCUMENT_CACHE_BYTES: '1048576',
    });
    expect(config.limits.costEstimates).toEqual({ cceJobs: 200, subJobs: 3 });
    expect(config.maxResponseBytes).toBe(65_536);
    expect(config.documentCacheBytes).toBe(1_048_576);
  });

  it.each([
    ['COST_CCE_JOBS_ESTIMATE', '0'],
    ['COST_SUB_JOBS_ESTIMATE', 'ten'],
    ['MAX_RESPONSE_BYTES', '100'],
    ['DOCUMENT_CACHE_BYTES', '-1'],
  ])('%s=%s stops start-up with the variable named', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
