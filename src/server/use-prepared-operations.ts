import { getOperationAST, type DocumentNode } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { CompiledQuery } from '../graph/compile.js';
import { documentBytes, MAX_CACHED_DOCUMENTS } from './document-caches.js';

/** A query document yoga has parsed and validated (every limit and rule included), ready to execute again. */
export interface PreparedOperation {
  document: DocumentNode;
  operationName: string | null;
  /** The query plan: undefined until the fast path first runs it, null when graphql-js executes it instead. */
  plan?: CompiledQuery | null;
  /** Its answers' scope in the answer cache (answer-cache.ts): undefined until first asked, null when never cached. */
  answerScope?: string | null;
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
 * hostile query always meets the full pipeline. Bounded like yoga's own parse cache (1,000
 * documents) and by an estimate of their memory (DOCUMENT_CACHE_BYTES, see document-caches.ts).
 */
export function createPreparedOperations(maxBytes: number, maxDocuments = MAX_CACHED_DOCUMENTS): PreparedOperations {
  const cache = new LRUCache<string, PreparedOperation>({
    max: maxDocuments,
    maxSize: maxBytes,
    sizeCalculation: (_, key) => documentBytes(key),
  });
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
        const key = keyOf(params.query, params.operationName);
        // Kept, not replaced, when known already (sent by GET, say): its plan stays with it.
        if (!cache.has(key)) cache.set(key, { document: args.document, operationName: operation.name?.value ?? null });
      },
    },
  };
}
