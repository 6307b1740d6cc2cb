/**
 * A GraphQL client in a page of code: fetch, and the types graphql-codegen wrote. It sends the id of
 * a document (its SHA-256, from the trusted documents manifest) instead of its text, so it works
 * against a gateway started with TRUSTED_DOCUMENTS_ONLY=true, and its requests stay small.
 */
import type { TypedDocumentString } from './gql/graphql.js';

export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string } & Record<string, unknown>;
}

/** A GraphQL answer: data (possibly partial) and errors, each error on the field it belongs to. */
export interface Result<TData> {
  data?: TData | null;
  errors?: GraphQLError[];
}

export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** An IAM token, sent as X-Auth-Token (the gateway forwards it upstream). */
  token?: string;
  fetch?: typeof fetch;
}

/** Raised when the gateway refuses a request as a whole (no data at all): bad input, an unknown document, a limit. */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLError[],
  ) {
    super(
      `the gateway refused the request (HTTP ${status}): ${errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ')}`,
    );
  }
}

export function createClient(options: ClientOptions) {
  const send = options.fetch ?? fetch;
  return {
    /** Runs a persisted operation by its id; the result and variables are typed by the document. */
    async execute<TData, TVariables>(
      document: TypedDocumentString<TData, TVariables>,
      ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
    ): Promise<Result<TData>> {
      const documentId = document.__meta__?.hash as string | undefined;
      if (!documentId) throw new Error('this document has no id: run `npm run example:codegen` (persistedDocuments is on in codegen.yml)');
      const response = await send(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(options.token ? { 'x-auth-token': options.token } : {}),
        },
        body: JSON.stringify({ documentId, variables }),
      });
      const result = (await response.json()) as Result<TData>;
      if (!('data' in result) || result.data === undefined) throw new RequestRefused(response.status, result.errors ?? []);
      return result;
    },
  };
}

export type Client = ReturnType<typeof createClient>;
