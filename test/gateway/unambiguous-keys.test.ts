/**
 * Issue 10, item 9: loader, terminal-cache and in-flight keys were ids joined with `|`, which ids
 * may contain, so `dbJob(p, "q|x")` and `dbJob("p|q", "x")` in one request shared one upstream read
 * and one answer. Each of these is a distinct job: each must get its own read and its own answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dedupeKey } from '../../src/http/upstream-client.js';
import { startFaultyGateway, type FaultyGateway } from '../resilience/helpers.js';
import { uniqueToken } from './helpers.js';

/** Answers any RDS or CCE v3 read with a job that says which project and id it was asked for. */
function echo(g: FaultyGateway): void {
  g.faulty.script = (call, req) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const parts = call.path.split('/').map(decodeURIComponent);
    if (parts[1] === 'v3' && parts[3] === 'jobs') {
      const id = url.searchParams.get('id') ?? '';
      return { kind: 'json', body: { job: { id, name: `rds ${parts[2]} / ${id}`, status: 'Running', created: '2025-01-01T00:00:00Z' } } };
    }
    if (parts[1] === 'api' && parts[2] === 'v3') {
      const [project, id] = [parts[4], parts[6]];
      return {
        kind: 'json',
        body: {
          kind: 'Job',
          apiVersion: 'v3',
          metadata: { uid: id },
          spec: { type: `cce ${project} / ${id}` },
          status: { phase: 'Running' },
        },
      };
    }
    return { kind: 'json', status: 404, body: {} };
  };
}

describe('ids containing the key separator', () => {
  let g: FaultyGateway;
  beforeAll(async () => {
    g = await startFaultyGateway({}, { faultySources: ['DB', 'CCE'] });
  });
  afterAll(async () => {
    await g.close();
  });
  beforeEach(() => {
    g.faulty.reset();
    echo(g);
  });

  it('dbJob(p, "q|x") and dbJob("p|q", "x") are two reads with two answers', async () => {
    const res = await g.query<Record<string, { projectId: string; jobId: string; name: string }>>(
      `{ a: dbJob(projectId: "p", jobId: "q|x") { projectId jobId name }
         b: dbJob(projectId: "p|q", jobId: "x") { projectId jobId name } }`,
      { token: uniqueToken() },
    );
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data?.a).toEqual({ projectId: 'p', jobId: 'q|x', name: 'rds p / q|x' });
    expect(res.data?.b).toEqual({ projectId: 'p|q', jobId: 'x', name: 'rds p|q / x' });
    expect(g.faulty.calls.map((c) => c.path).sort()).toEqual(['/v3/p%7Cq/jobs', '/v3/p/jobs']);
  });

  it('cceJob(p, "q|x") and cceJob("p|q", "x") likewise', async () => {
    const token = uniqueToken();
    const query = `{ a: cceJob(projectId: "p", jobId: "q|x") { projectId jobId type }
                     b: cceJob(projectId: "p|q", jobId: "x") { projectId jobId type } }`;
    const res = await g.query<Record<string, { projectId: string; jobId: string; type: string }>>(query, { token });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data?.a).toEqual({ projectId: 'p', jobId: 'q|x', type: 'cce p / q|x' });
    expect(res.data?.b).toEqual({ projectId: 'p|q', jobId: 'x', type: 'cce p|q / x' });
    expect(g.faulty.calls).toHaveLength(2);
  });

  it('the same job asked twice is still one read (the keys did not lose de-duplication)', async () => {
    const res = await g.query(`{ a: dbJob(projectId: "p", jobId: "q|x") { jobId } b: dbJob(projectId: "p", jobId: "q|x") { jobId } }`, {
      token: uniqueToken(),
    });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(g.faulty.calls).toHaveLength(1);
  });
});

describe('the in-flight de-duplication key', () => {
  const base = { baseUrl: 'http://u', path: '/v1/p/cae/jobs/j', projectId: 'p' };
  it('tells one header carrying "&b=" from two headers', () => {
    expect(dedupeKey('who', { ...base, headers: { a: 'x&b=y' } })).not.toBe(dedupeKey('who', { ...base, headers: { a: 'x', b: 'y' } }));
  });
  it('tells a principal with a newline from a longer base URL', () => {
    expect(dedupeKey('who\nhttp://u', { ...base, baseUrl: '' })).not.toBe(dedupeKey('who', { ...base, baseUrl: 'http://u' }));
  });
  it('is the same for the same request, whatever the header order or case', () => {
    expect(dedupeKey('who', { ...base, headers: { B: '2', a: '1' } })).toBe(dedupeKey('who', { ...base, headers: { a: '1', b: '2' } }));
  });
});
