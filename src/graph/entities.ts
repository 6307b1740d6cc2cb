import { isInterfaceType, isUnionType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { badUserInput } from '../model/errors.js';

/**
 * Guards Federation's `Query._entities` (its resolver is @apollo/subgraph's): a router sends the
 * representations, but anyone can call the field. Like `jobs(ids:)`, at most `maxRepresentations`
 * at once, refused before any upstream call (one request must not fill an upstream's bulkhead for
 * everyone). A representation without a string `id`, or whose `__typename` is not an entity, is the
 * caller's mistake: BAD_USER_INPUT for that entry only, while the rest of the list is served
 * (@apollo/subgraph throws for an unknown type, which nulled the whole list as an internal error).
 */
export function guardEntities(schema: GraphQLSchema, maxRepresentations: number): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return;
  const entityUnion = schema.getType('_Entity');
  const entities = new Set(isUnionType(entityUnion) ? entityUnion.getTypes().map((t) => t.name) : []);
  const isEntity = (typename: string): boolean => {
    if (entities.has(typename)) return true;
    // An interface entity (`Job`, with @key) resolves through its own __resolveReference, which
    // @apollo/subgraph keeps in the type's extensions.
    const type = schema.getType(typename);
    const extensions = type?.extensions as { apollo?: { subgraph?: { resolveReference?: unknown } } } | undefined;
    return isInterfaceType(type) && typeof extensions?.apollo?.subgraph?.resolveReference === 'function';
  };
  const guarded: GraphQLFieldResolver<unknown, unknown, { representations: unknown[] }> = async (source, args, context, info) => {
    const { representations } = args;
    if (representations.length > maxRepresentations) {
      throw badUserInput(`_entities accepts at most ${maxRepresentations} representations`);
    }
    const results: unknown[] = new Array(representations.length);
    const valid: unknown[] = [];
    const positions: number[] = [];
    representations.forEach((representation, i) => {
      const problem = problemOf(representation, isEntity);
      if (problem) results[i] = badUserInput(problem);
      else {
        valid.push(representation);
        positions.push(i);
      }
    });
    const served = valid.length > 0 ? ((await resolve(source, { ...args, representations: valid }, context, info)) as unknown[]) : [];
    for (const [k, value] of served.entries()) results[positions[k]!] = value;
    return results;
  };
  field.resolve = guarded as GraphQLFieldResolver<unknown, unknown>;
}

function problemOf(representation: unknown, isEntity: (typename: string) => boolean): string | undefined {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
    return 'a representation must be an object with __typename and id';
  }
  const { __typename: typename, id } = representation as Record<string, unknown>;
  if (typeof typename !== 'string' || !isEntity(typename)) return 'a representation must name an entity type (a Job type) in __typename';
  if (typeof id !== 'string' || id === '') return `a ${typename} representation needs its id`;
  return undefined;
}
