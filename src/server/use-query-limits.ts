import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { QueryLimits } from '../config.js';

/**
 * Hostile documents are refused at parse and validation time, before any resolver (and so any
 * upstream call) runs. GraphQL Armor's rules are the maintained, audited versions of these checks;
 * the versions pinned in package.json include the fixes for the fragment-cache depth bypass and the
 * `__schema`-named fragment bypass. The cost limit is not Armor's (it cannot see list sizes or
 * variables): see use-cost-limit.ts, which yoga's plugins and the fast path both run.
 */
export function useQueryLimits(limits: QueryLimits): Plugin[] {
  // Introspection is not exempt: a deep __schema query is as expensive as any other. Validation
  // rules report instead of throwing, so a refusal is an ordinary validation error (HTTP 400).
  const common = {
    ignoreIntrospection: false,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    maxTokensPlugin({ n: limits.maxTokens, exposeLimits: true }),
    maxDepthPlugin({ n: limits.maxDepth, ...common, flattenFragments: true }),
    maxAliasesPlugin({ n: limits.maxAliases, allowList: [], ...common }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...common }),
    blockFieldSuggestionsPlugin(),
  ] as Plugin[];
}
