import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { RequestLedger } from '../http/request-ledger.js';
import type { PreparedOperation } from './use-prepared-operations.js';

/**
 * Root fields whose answer is made only of what single-job loads return (src/graph/resolvers.ts,
 * the upstreams' root fields): each job read says through the request's ledger whether it is
 * terminal and held by the terminal cache (job-loader.ts). Every field below them is a pure
 * function of the job models, or a further single-job load that reports the same way. Not here,
 * so never cached: `cceJobs` (a list, which changes), federation's `_entities` and `_service`,
 * introspection. A new root field stays out until it is shown to belong.
 */
const TERMINAL_ROOT_FIELDS: ReadonlySet<string> = new Set(['__typename', 'job', 'jobs', 'cceJob', 'caeJob', 'cfwJob', 'dbJob']);

/**
 * Serialized answers of one principal's repeated queries, kept only when executing again would
 * provably give the same bytes: no errors, and every job the execution read was terminal and is
 * still in the terminal-job cache (whose entries never change), so executing would make no upstream
 * call and read the same models. Like envelop's useResponseCache, keyed by operation and variables,
 * but per principal (never shared, as the terminal cache is not), and never from list reads, with no
 * TTL of its own: an answer lives no longer than the first of its jobs leaves the terminal cache,
 * and goes with them when a 401 drops the principal. Bounded in bytes (ANSWER_CACHE_BYTES; 0: off).
 */
export interface AnswerCache {
  /**
   * The answer kept for this request, if any. Undefined at once, without building a key, for a
   * principal with no answer kept (a fresh token: most requests) or an operation never cached.
   */
  get(principal: string, operation: PreparedOperation, variables: Variables): Buffer | undefined;
  /**
   * Keeps an error-free answer when `ledger` proves it may be, and no principal was dropped since
   * `drops` was read. The key is built only then: a running job's answer (most answers) costs none.
   */
  offer(
    principal: string,
    operation: PreparedOperation,
    variables: Variables,
    ledger: RequestLedger | undefined,
    drops: number,
    text: string,
  ): void;
  /** Forgets a principal's answers, named as the local terminal cache names it (see `ownerOf`). */
  dropOwner(owner: string): void;
  /** How many drops there have been: an execution under way when one happens may have read what it dropped. */
  readonly drops: number;
  readonly size: number;
}

type Variables = Record<string, unknown> | null | undefined;

interface Entry {
  bytes: Buffer;
  owner: string;
  principal: string;
}

/**
 * `ownerOf` names a principal as the local terminal cache's drops do: the principal itself, or its
 * digest when the fleet's Redis tier is in front (a drop over pub/sub names only the digest).
 */
export function createAnswerCache(maxBytes: number, ownerOf: (principal: string) => string = (p) => p): AnswerCache {
  let drops = 0;
  let nextScope = 0;
  if (maxBytes <= 0) {
    return { get: () => undefined, offer: () => undefined, dropOwner: () => void drops++, drops: 0, size: 0 };
  }
  const byOwner = new Map<string, Set<string>>();
  // How many answers each principal has kept: a request of one with none builds no key to look up.
  // Not byOwner: with the fleet's Redis tier an owner is the principal's digest, a hash per request.
  const heldBy = new Map<string, number>();
  const lru = new LRUCache<string, Entry>({
    maxSize: maxBytes,
    sizeCalculation: (entry, key) => entry.bytes.length + key.length,
    dispose: (entry, key) => {
      const keys = byOwner.get(entry.owner);
      keys?.delete(key);
      if (keys?.size === 0) byOwner.delete(entry.owner);
      const held = (heldBy.get(entry.principal) ?? 1) - 1;
      if (held > 0) heldBy.set(entry.principal, held);
      else heldBy.delete(entry.principal);
    },
  });
  function keyOf(principal: string, operation: PreparedOperation, variables: Variables): string | undefined {
    operation.answerScope ??= madeOfJobReads(operation.document, operation.operationName) ? String(nextScope++) : null;
    if (operation.answerScope === null) return undefined;
    // Unambiguous: the scope is digits and canonical JSON has no raw newline; the principal comes last.
    return `${operation.answerScope}\n${variables == null ? '' : canonicalJson(variables)}\n${principal}`;
  }
  return {
    get(principal, operation, variables) {
      if (!heldBy.has(principal)) return undefined;
      const key = keyOf(principal, operation, variables);
      return key === undefined ? undefined : lru.get(key)?.bytes;
    },
    offer(principal, operation, variables, ledger, dropsThen, text) {
      const until = ledger?.answer;
      if (typeof until !== 'number' || dropsThen !== drops) return;
      const ttl = Math.floor(until - performance.now());
      if (ttl < 1) return;
      const key = keyOf(principal, operation, variables);
      if (key === undefined) return;
      const owner = ownerOf(principal);
      // Kept as bytes: a hit is sent as they are, with no encoding.
      lru.set(key, { bytes: Buffer.from(text), owner, principal }, { ttl });
      // Refused when larger than the whole budget.
      if (!lru.has(key)) return;
      heldBy.set(principal, (heldBy.get(principal) ?? 0) + 1);
      let keys = byOwner.get(owner);
      if (!keys) byOwner.set(owner, (keys = new Set()));
      keys.add(key);
    },
    dropOwner(owner) {
      drops++;
      for (const key of [...(byOwner.get(owner) ?? [])]) lru.delete(key);
      byOwner.delete(owner);
    },
    get drops() {
      return drops;
    },
    get size() {
      return lru.size;
    },
  };
}

/** Whether every root field the operation may select is one of TERMINAL_ROOT_FIELDS (through fragments too). */
function madeOfJobReads(document: DocumentNode, operationName: string | null): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: SelectionSetNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION && (operationName === null || definition.name?.value === operationName)) {
      if (definition.operation !== 'query') return false;
      operation = definition.selectionSet;
    }
  }
  const visited = new Set<string>();
  const only = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return TERMINAL_ROOT_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return only(selection.selectionSet);
      const name = selection.name.value;
      if (visited.has(name)) return true;
      visited.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && only(fragment.selectionSet);
    });
  return operation !== undefined && only(operation);
}

/** JSON with every object's keys sorted: `{a, b}` and `{b, a}` are the same variables. */
export function canonicalJson(value: unknown): string {
  // Most variables are already canonical (one key, or keys written in order): one native stringify
  // then, rather than a string per value and per key joined up.
  return writtenCanonically(value) ? JSON.stringify(value) : sortedJson(value);
}

function sortedJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) parts.push(`${JSON.stringify(key)}:${sortedJson(record[key])}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * Whether JSON.stringify writes `value` as sortedJson would: plain JSON data (what a request body
 * parses to) whose objects list their own keys in sorted order, none of them undefined. Anything
 * else (a toJSON, a class instance, an undefined member, keys out of order) is left to sortedJson.
 */
function writtenCanonically(value: unknown): boolean {
  if (typeof value !== 'object' || value === null)
    return typeof value === 'string' || typeof value === 'boolean' || value === null || typeof value === 'number';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!writtenCanonically(value[i])) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  let previous: string | undefined;
  for (const key in record) {
    // An inherited key is one JSON.stringify skips: not plain data.
    if (!Object.hasOwn(record, key) || (previous !== undefined && !(previous < key))) return false;
    if (record[key] === undefined || !writtenCanonically(record[key])) return false;
    previous = key;
  }
  return true;
}
