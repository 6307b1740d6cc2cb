import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { persistedIdOf, sha256Hex, type ApqStore, type TrustedDocuments } from './persisted-documents.js';

export interface PersistedDocumentsOptions {
  /** The manifest's documents (PERSISTED_DOCUMENTS); read when a request comes, so they may be loaded after yoga is made. */
  trusted: () => TrustedDocuments | undefined;
  /** The automatic persisted queries' store; undefined with APQ=false (and with TRUSTED_DOCUMENTS_ONLY). */
  apq: ApqStore | undefined;
  /** TRUSTED_DOCUMENTS_ONLY: text that is not one of the manifest's documents is refused. */
  trustedOnly: boolean;
  /** With trustedOnly, INTROSPECTION=true given explicitly: introspection-only text is still let in. */
  introspection: boolean;
}

const NOT_ALLOWED = 'PERSISTED_QUERY_NOT_ALLOWED';

/**
 * Requests that name a persisted document instead of sending it, in this order:
 * 1. with TRUSTED_DOCUMENTS_ONLY, text that is not in the manifest is refused (400,
 *    PERSISTED_QUERY_NOT_ALLOWED) before it is parsed, so before any upstream call;
 * 2. yoga's usePersistedOperations turns an id (`documentId`, `extensions.persistedQuery`'s
 *    `sha256Hash` or `id`) into the manifest's text, or an APQ hash into its registered text; an
 *    unknown id is PERSISTED_QUERY_NOT_FOUND (404), which Apollo Client and urql answer by sending
 *    the text with the hash;
 * 3. the Apollo APQ protocol's registration: text with `persistedQuery.sha256Hash` is stored under
 *    that hash once the hash is checked (PERSISTED_QUERY_MISMATCH, 400, when it is not the text's).
 * The text then meets every limit and rule like any other document; ids of manifest documents are
 * answered on the fast path (fast-path.ts), which never needs yoga for them.
 */
export function usePersistedDocuments(options: PersistedDocumentsOptions): Plugin[] {
  const { apq, trustedOnly } = options;
  const lookups = usePersistedOperations({
    // Text is let through here; the trusted-only refusal (below) is ours, since it depends on the text.
    allowArbitraryOperations: true,
    extractPersistedOperationId: (params, request) => idOf(params, request) ?? null,
    getPersistedOperation: (id) => options.trusted()?.text(id) ?? apq?.get(id) ?? null,
    customErrors: {
      notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } } },
    },
  });
  // Requests whose text came from a lookup here: there is nothing to register for them.
  const byId = new WeakSet<object>();
  const plugins: Plugin[] = [];
  if (trustedOnly) plugins.push(useTrustedDocumentsOnly(options));
  plugins.push({
    ...lookups,
    // A request with neither text nor id is yoga's own "Must provide query string." (not the plugin's "id required").
    onParams(payload) {
      if (payload.params.query != null) return;
      if (idOf(payload.params, payload.request) === undefined) return;
      byId.add(payload.context);
      return lookups.onParams?.(payload as never);
    },
  } as Plugin);
  if (apq) plugins.push(useApqRegistration(apq, byId));
  return plugins;
}

/** The id a request names, from its params or, for a GET, its URL's `documentId` (yoga's GET parser keeps only the standard four). */
function idOf(params: GraphQLParams & { documentId?: unknown }, request: Request): string | undefined {
  const id = persistedIdOf(params);
  if (id !== undefined || request.method !== 'GET') return id;
  return new URL(request.url, 'http://localhost').searchParams.get('documentId') ?? undefined;
}

function useTrustedDocumentsOnly(options: PersistedDocumentsOptions): Plugin {
  // Requests let in only as introspection: their documents may select nothing else.
  const introspectionOnly = new WeakSet<object>();
  return {
    onParams({ params, context }) {
      if (typeof params.query !== 'string' || options.trusted()?.hasText(params.query)) return;
      if (options.introspection) {
        introspectionOnly.add(context);
        return;
      }
      throw notAllowed();
    },
    onValidate({ context, addValidationRule }) {
      if (introspectionOnly.has(context)) addValidationRule(IntrospectionOnly);
    },
  };
}

/**
 * The same rules for operations that never meet yoga's onParams (graphql-ws over WebSocket): the
 * text to parse, or the error to answer. With TRUSTED_DOCUMENTS_ONLY only the manifest's texts
 * pass (introspection included: GraphiQL introspects over HTTP). An operation may also name a
 * document by id, with an empty `query` (graphql-ws requires the field).
 */
export function persistedTextOf(
  options: PersistedDocumentsOptions,
  payload: { query?: unknown; documentId?: unknown; extensions?: unknown },
): string | GraphQLError {
  const { query } = payload;
  const id = query === '' || query == null ? persistedIdOf(payload) : undefined;
  if (id === undefined) {
    if (typeof query !== 'string' || !options.trustedOnly || options.trusted()?.hasText(query)) return query as string;
    return notAllowed();
  }
  const text = options.trusted()?.text(id) ?? options.apq?.get(id);
  return text ?? createGraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
}

function notAllowed(): GraphQLError {
  return createGraphQLError('Only persisted documents may be executed: send the id of a document in the manifest.', {
    extensions: { code: NOT_ALLOWED, http: { status: 400 } },
  });
}

/** Every root selection, through fragments, is `__schema`, `__type` or `__typename`. */
function IntrospectionOnly(context: ValidationContext): ASTVisitor {
  const check = (selectionSet: SelectionSetNode, seen: Set<string>): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return check(selection.selectionSet, seen);
      if (seen.has(selection.name.value)) return true;
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      return fragment == null || check(fragment.selectionSet, seen);
    });
  return {
    OperationDefinition(node) {
      if (!check(node.selectionSet, new Set())) {
        context.reportError(new GraphQLError(notAllowed().message, { nodes: node, extensions: { code: NOT_ALLOWED } }));
      }
    },
  };
}

/** The Apollo APQ protocol's registration half: text sent with its hash is checked and stored. */
function useApqRegistration(store: ApqStore, byId: WeakSet<object>): Plugin {
  return {
    onParams({ params, context }) {
      if (byId.has(context)) return;
      const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
      if (typeof params.query !== 'string' || persisted?.version !== 1 || typeof persisted.sha256Hash !== 'string') return;
      if (sha256Hex(params.query) !== persisted.sha256Hash) {
        throw createGraphQLError('PersistedQueryMismatch: the sha256Hash is not the hash of the query', {
          extensions: { code: 'PERSISTED_QUERY_MISMATCH', http: { status: 400 } },
        });
      }
      store.set(persisted.sha256Hash, params.query);
    },
  };
}
