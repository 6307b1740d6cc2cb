import { readFileSync, readdirSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { mergeResolvers } from '@graphql-tools/merge';
import { Kind, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import type { RequestContext } from './context.js';
import type { Upstream } from '../upstreams/types.js';
import { guardEntities } from './entities.js';
import { entityResolvers, sharedResolvers, type GraphOptions, type LoadById } from './resolvers.js';

/** `{ typeDefs, resolvers }` as buildSubgraphSchema takes it; its resolver map type is not exported by the package's entry point. */
type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>;

/** schema/ sits beside src/ and dist/ alike, so one relative URL finds it from source and from the build. */
export const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

export function readTypeDefs(dir: URL = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort();
  return parse(files.map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n'));
}

/** Every object type that implements `Job`: each is an entity resolved by its global id. */
export function jobTypeNames(typeDefs: DocumentNode): string[] {
  return typeDefs.definitions.flatMap((d) =>
    d.kind === Kind.OBJECT_TYPE_DEFINITION && d.interfaces?.some((i) => i.name.value === 'Job') ? [d.name.value] : [],
  );
}

/**
 * The served schema is a Federation v2 subgraph (`_service`, `_entities`) that plain clients use
 * unchanged. Shared resolvers (ids, Job, scalars, entities) and each upstream's are merged.
 */
export function buildSchema(
  upstreams: readonly Upstream[],
  loadById: LoadById,
  options: GraphOptions,
  extra: Resolvers<RequestContext>[] = [],
): GraphQLSchema {
  const typeDefs = readTypeDefs();
  const resolvers: Resolvers<RequestContext>[] = [
    sharedResolvers(loadById, options),
    entityResolvers(loadById, jobTypeNames(typeDefs)),
    ...upstreams.map((u) => u.resolvers),
    ...extra,
  ];
  // Codegen's resolver types are stricter than @apollo/subgraph's (context `unknown`); they meet only here.
  const schema = buildSubgraphSchema({ typeDefs, resolvers: mergeResolvers(resolvers) as SubgraphModule['resolvers'] });
  // `_entities` is capped like `jobs(ids:)`, and a bad representation fails only its own entry.
  guardEntities(schema, options.maxJobIds);
  return schema;
}
