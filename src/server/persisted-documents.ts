import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { ConfigError } from '../config.js';
import { compileQuery } from '../graph/compile.js';
import type { PreparedOperation, PreparedOperations } from './use-prepared-operations.js';

/** A manifest that cannot be served: start-up stops with this message (the file and the entry). */
export class ManifestError extends ConfigError {}

/**
 * The id a request names its document by instead of sending the text: `documentId` (GraphQL over
 * HTTP's persisted documents, graphql-codegen's client preset, Hive), Apollo's
 * `extensions.persistedQuery.sha256Hash` (version 1), or a Relay-style `extensions.persistedQuery.id`.
 */
export function persistedIdOf(params: { documentId?: unknown; extensions?: unknown }): string | undefined {
  if (typeof params.documentId === 'string') return params.documentId;
  const extensions = params.extensions;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const { version, sha256Hash, id } = persisted as { version?: unknown; sha256Hash?: unknown; id?: unknown };
  if (version === 1 && typeof sha256Hash === 'string') return sha256Hash;
  if (typeof id === 'string') return id;
  return undefined;
}

/** The hex SHA-256 of a document's text: its id under the APQ protocol. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a trusted documents manifest: the `{ "<id>": "<document>" }` object that graphql-codegen's
 * client preset (`persistedDocuments`), Relay (`--persist-output`) and Hive write, or Apollo's
 * persisted query manifest (`{ format: "apollo-persisted-query-manifest", version: 1, operations:
 * [{ id, body, ... }] }`). Returns id → text; anything malformed is a ManifestError naming the entry.
 */
export function readManifest(path: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ManifestError(`PERSISTED_DOCUMENTS: cannot read ${path} as JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestError(`PERSISTED_DOCUMENTS: ${path} must be a JSON object of id → document, or an Apollo persisted query manifest`);
  }
  const entries = new Map<string, string>();
  const add = (id: unknown, text: unknown, where: string) => {
    if (typeof id !== 'string' || id === '') throw new ManifestError(`PERSISTED_DOCUMENTS: ${path}: ${where} has no id`);
    if (typeof text !== 'string' || text.trim() === '')
      throw new ManifestError(`PERSISTED_DOCUMENTS: ${path}: document "${id}" is not a non-empty string`);
    const known = entries.get(id);
    if (known !== undefined && known !== text)
      throw new ManifestError(`PERSISTED_DOCUMENTS: ${path}: id "${id}" names two different documents`);
    entries.set(id, text);
  };
  const manifest = json as Record<string, unknown>;
  if (manifest.format === 'apollo-persisted-query-manifest') {
    if (manifest.version !== 1 || !Array.isArray(manifest.operations)) {
      throw new ManifestError(
        `PERSISTED_DOCUMENTS: ${path}: only version 1 of the Apollo manifest format (with "operations") is supported`,
      );
    }
    manifest.operations.forEach((operation: unknown, index) => {
      const { id, body } = (typeof operation === 'object' && operation !== null ? operation : {}) as { id?: unknown; body?: unknown };
      add(id, body, `operations[${index}]`);
    });
  } else {
    for (const [id, text] of Object.entries(manifest)) add(id, text, `"${id}"`);
  }
  return entries;
}

/** Parses and validates a document exactly as a request's would be (every limit and rule), or throws why not. */
export type DocumentCheck = (text: string) => DocumentNode;

export interface TrustedDocuments {
  readonly size: number;
  /** The text of the document with this id. */
  text(id: string): string | undefined;
  /** Whether this exact text is one of the manifest's documents. */
  hasText(text: string): boolean;
  /** The query operation a request for this id and operation name runs, prepared at start; undefined for what yoga must judge. */
  operation(id: string, operationName: string | null | undefined): PreparedOperation | undefined;
}

/**
 * Loads the manifest's documents once, at start: each is parsed and validated by `check` (yoga's
 * own parse and validate, so the depth, alias, token, directive and cost limits and the
 * introspection rule all apply) and each query operation gets its plan for the fast path now, so
 * a persisted document is executed there from its first request. The first bad entry stops
 * start-up with a ManifestError naming it.
 */
export function loadTrustedDocuments(
  path: string,
  entries: Map<string, string>,
  check: DocumentCheck,
  schema: GraphQLSchema,
): TrustedDocuments {
  const byId = new Map<string, { text: string; operations: Map<string | null, PreparedOperation> }>();
  const texts = new Set<string>();
  for (const [id, text] of entries) {
    let document: DocumentNode;
    try {
      document = check(text);
    } catch (error) {
      throw new ManifestError(`PERSISTED_DOCUMENTS: ${path}: document "${id}" is refused: ${(error as Error).message}`);
    }
    byId.set(id, { text, operations: prepareOperations(document, schema) });
    texts.add(text);
  }
  return {
    size: byId.size,
    text: (id) => byId.get(id)?.text,
    hasText: (text) => texts.has(text),
    operation: (id, operationName) => byId.get(id)?.operations.get(operationName ?? null),
  };
}

/**
 * A document's query operations by the operation name a request may give: each by its name, and
 * the only operation also by none (as graphql-js chooses). Subscriptions stay with yoga.
 */
function prepareOperations(document: DocumentNode, schema: GraphQLSchema): Map<string | null, PreparedOperation> {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const prepared = new Map<string | null, PreparedOperation>();
  for (const operation of operations) {
    if (operation.operation !== 'query') continue;
    const name = operation.name?.value ?? null;
    let plan: PreparedOperation['plan'];
    try {
      plan = compileQuery(schema, document, name) ?? null;
    } catch {
      // A bug in planning must not cost the document its answers: graphql-js executes it (as fast-path.ts does).
      plan = null;
    }
    const entry: PreparedOperation = { document, operationName: name, plan };
    if (name !== null) prepared.set(name, entry);
    if (operations.length === 1) prepared.set(null, entry);
  }
  return prepared;
}

/** The automatic persisted queries' store: hash → text, bounded in entries and in characters held. */
export interface ApqStore {
  get(hash: string): string | undefined;
  set(hash: string, text: string): void;
}

/**
 * An LRU. Its entries are public document texts addressed by their own verified hash, never a
 * caller's data, so one store serves every principal.
 */
export function createApqStore(maxEntries: number, maxBytes: number): ApqStore {
  const cache = new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxBytes,
    sizeCalculation: (text, hash) => text.length + hash.length,
  });
  return { get: (hash) => cache.get(hash), set: (hash, text) => void cache.set(hash, text) };
}

/** What the fast path needs to answer requests that name a persisted document (or are refused text). */
export interface PersistedLookup {
  operation(id: string, operationName: string | null | undefined): PreparedOperation | undefined;
  /** False for text only yoga may answer (with its refusal): with TRUSTED_DOCUMENTS_ONLY, text not in the manifest. */
  allowsText(text: string): boolean;
}

export function persistedLookup(
  trusted: TrustedDocuments | undefined,
  apq: ApqStore | undefined,
  trustedOnly: boolean,
  prepared: PreparedOperations,
): PersistedLookup {
  return {
    operation(id, operationName) {
      const operation = trusted?.operation(id, operationName);
      if (operation || trusted?.text(id) !== undefined) return operation;
      // An APQ hash yoga has registered: the fast path's once yoga has also run its text.
      const text = apq?.get(id);
      return text === undefined ? undefined : prepared.get(text, operationName);
    },
    allowsText: (text) => !trustedOnly || trusted?.hasText(text) === true,
  };
}
