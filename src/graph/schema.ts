import { readFileSync, readdirSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import type { RequestContext } from '../upstreams/request-context.js';
import type { Upstream } from '../upstreams/types.js';
import { sharedResolvers, type GraphOptions } from './resolvers.js';

/** schema/ sits beside src/ and dist/ alike, so one relative URL finds it from source and from the build. */
export const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

export function readTypeDefs(dir: URL = SCHEMA_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(new URL(f, dir), 'utf8'));
}

export function buildSchema(upstreams: readonly Upstream[], options: GraphOptions): GraphQLSchema {
  const resolvers: Resolvers<RequestContext>[] = [sharedResolvers(upstreams, options), ...upstreams.map((u) => u.resolvers)];
  return makeExecutableSchema({ typeDefs: readTypeDefs(), resolvers: resolvers as never });
}
