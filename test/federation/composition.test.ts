/**
 * The job gateway's own `_service { sdl }` composes, with a second subgraph that references a Job
 * by id alone (`@interfaceObject`), into a Federation v2 supergraph without errors.
 */
import { Kind, parse, print, type DocumentNode, type InterfaceTypeDefinitionNode, type ObjectTypeDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedGateway, type TestGateway } from '../support/gateway.js';
import type { Simulator } from '../../src/simulator/server.js';
import { compose, fetchSubgraphSdl } from './subgraphs.js';

let gw: TestGateway & { sim: Simulator };
let sdl: string;

beforeAll(async () => {
  gw = await startSimulatedGateway();
  sdl = await fetchSubgraphSdl(gw);
});
afterAll(async () => {
  await gw?.close();
});

function typeDef(doc: DocumentNode, name: string): ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | undefined {
  return doc.definitions.find(
    (d): d is ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode =>
      (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.INTERFACE_TYPE_DEFINITION) && d.name.value === name,
  );
}

function fieldsOf(doc: DocumentNode, name: string): string[] {
  return (typeDef(doc, name)?.fields ?? []).map((f) => f.name.value);
}

function directiveArgs(doc: DocumentNode, typeName: string, directive: string): string[] {
  return (typeDef(doc, typeName)?.directives ?? [])
    .filter((d) => d.name.value === directive)
    .map((d) =>
      (d.arguments ?? []).map((a) => `${a.name.value}:${a.value.kind === Kind.STRING ? a.value.value : print(a.value)}`).join(','),
    );
}

describe('the served subgraph SDL', () => {
  it('is a Federation v2.3 subgraph whose Job interface and every job type are keyed by id', () => {
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.3"/);
    const doc = parse(sdl);
    expect(typeDef(doc, 'Job')?.kind).toBe(Kind.INTERFACE_TYPE_DEFINITION);
    expect(directiveArgs(doc, 'Job', 'key')).toEqual(['fields:id']);
    const implementations = doc.definitions.filter(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && (d.interfaces ?? []).some((i) => i.name.value === 'Job'),
    );
    expect(implementations.map((d) => d.name.value).sort()).toEqual(['CaeJob', 'CaeTask', 'CceJob', 'CfwJob', 'DbJob']);
    for (const impl of implementations) expect(directiveArgs(doc, impl.name.value, 'key'), impl.name.value).toEqual(['fields:id']);
  });
});

describe('composition with a second subgraph', () => {
  it('composes without errors into a supergraph with the Job interface and both subgraphs’ fields', () => {
    const result = compose(sdl, { jobs: 'http://jobs.invalid/graphql', clusters: 'http://clusters.invalid/graphql' });
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    if (result.errors) return;

    const supergraph = result.supergraphDocumentNode;
    // Both subgraphs are joined, with the URLs a gateway will call.
    expect(result.supergraphSdl).toMatch(/JOBS @join__graph\(name: "jobs", url: "http:\/\/jobs\.invalid\/graphql"\)/);
    expect(result.supergraphSdl).toMatch(/CLUSTERS @join__graph\(name: "clusters", url: "http:\/\/clusters\.invalid\/graphql"\)/);

    // Job is still an interface in the supergraph, keyed by id in both subgraphs (an interface object in `clusters`).
    expect(typeDef(supergraph, 'Job')?.kind).toBe(Kind.INTERFACE_TYPE_DEFINITION);
    const jobJoins = directiveArgs(supergraph, 'Job', 'join__type');
    expect(jobJoins).toContain('graph:JOBS,key:id');
    expect(jobJoins).toContain('graph:CLUSTERS,key:id,isInterfaceObject:true');
    expect(fieldsOf(supergraph, 'Job')).toEqual(expect.arrayContaining(['id', 'source', 'state', 'type', 'subJobs']));

    // The job subgraph's fields and types...
    expect(fieldsOf(supergraph, 'Query')).toEqual(
      expect.arrayContaining(['job', 'jobs', 'cceJob', 'cceJobs', 'caeJob', 'cfwJob', 'dbJob', 'clusters']),
    );
    expect(fieldsOf(supergraph, 'CceJob')).toEqual(expect.arrayContaining(['id', 'state', 'apiVersion', 'clusterId']));
    for (const name of ['CaeJob', 'CaeTask', 'CfwJob', 'DbJob'])
      expect(typeDef(supergraph, name)?.kind, name).toBe(Kind.OBJECT_TYPE_DEFINITION);
    // ...and the second subgraph's.
    expect(fieldsOf(supergraph, 'Cluster')).toEqual(['id', 'name', 'creationJob', 'lastNodeJob']);
    // A reference by concrete type works too: CceJob is keyed in both, resolvable only in the job subgraph.
    expect(directiveArgs(supergraph, 'CceJob', 'join__type')).toEqual(
      expect.arrayContaining(['graph:JOBS,key:id', 'graph:CLUSTERS,key:id,resolvable:false']),
    );

    // The public API (what clients see) has no federation internals.
    expect(result.publicSdl).toMatch(/interface Job\b/);
    expect(result.publicSdl).not.toMatch(/_entities|_service|join__/);
  });

  it('fails to compose when the Job interface is not an entity (so the check above can fail)', () => {
    // Without `interface Job @key(fields: "id")`, nothing can resolve the `clusters` subgraph's interface object.
    const unkeyed = sdl.replace(/interface Job\s+@key\(fields: "id"\)/, 'interface Job');
    expect(unkeyed).not.toBe(sdl);
    const result = compose(unkeyed);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(
      /no subgraph can be reached to resolve the implementation type of @interfaceObject type "Job"/,
    );
  });
});
