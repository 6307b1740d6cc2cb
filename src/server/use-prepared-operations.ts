import { getOperationAST, type DocumentNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { CompiledQuery } from '../graph/compile.js';

/** A query document yoga has parsed and validated (every limit and rule included), ready to execute again. */
export interface PreparedOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The query plan, made on the fast path's first use; null when graphql-js must execute it. */
  compiled?: CompiledQuery | null;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

export interface PreparedOperations {
  get(query: string, operationName: string | null | undefined): PreparedOperation | undefined;
  /** Remembers what yoga accepted; add it to yoga's plugins. */
  plugin: Plugin;
}

/**
 * The documents that reached execution through yoga, keyed by their exact text and operation name.
 * Validation depends on the document and the schema only, so a document accepted once is accepted
 * again: the fast path may execute it without yoga. Refused documents are never recorded, so a
 * hostile query always meets the full pipeline. Bounded by total text size, since a document may
 * be as large as the body limit.
 */
export function createPreparedOperations(maxChars = 16 * 1024 * 1024): PreparedOperations {
  const cache = new LRUCache<string, PreparedOperation>({ maxSize: maxChars, sizeCalculation: (_, key) => key.length || 1 });
  // Unambiguous because a GraphQL name has no newline in it; anything else is never looked up.
  const keyOf = (query: string, operationName: string | null | undefined) => `${operationName ?? ''}\n${query}`;
  return {
    get: (query, operationName) => (operationName == null || NAME.test(operationName) ? cache.get(keyOf(query, operationName)) : undefined),
    plugin: {
      onExecute({ args }) {
        const params = (args.contextValue as { params?: GraphQLParams }).params;
        if (typeof params?.query !== 'string' || (params.operationName != null && !NAME.test(params.operationName))) return;
        // Queries only: a subscription is a stream and stays with yoga.
        const operation = getOperationAST(args.document, args.operationName ?? undefined);
        if (operation?.operation !== 'query') return;
        cache.set(keyOf(params.query, params.operationName), {
          document: args.document,
          operationName: operation.name?.value ?? null,
        });
      },
    },
  };
}
