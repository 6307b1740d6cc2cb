import type { DocumentNode } from 'graphql';
import type { YogaServerOptions } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/**
 * What a cached document is taken to hold: a parsed document, with its locations and tokens, is
 * about 2 KB plus some 16 bytes per character of its text (the text itself included).
 */
export function documentBytes(text: string): number {
  return 2_048 + 16 * text.length;
}

/** At most this many documents per cache, however small (yoga's own default count bound). */
export const MAX_CACHED_DOCUMENTS = 1_000;

/**
 * Yoga's parse cache and parse-error cache, bounded by bytes as well as by count. Yoga's defaults
 * bound them by count only (1,024 entries each), so a client sending many distinct large documents
 * could keep hundreds of MB alive. Yoga's validation cache is a WeakMap keyed by the
 * parsed document, so it lets go of whatever this cache evicts.
 */
export function boundedParserCache(maxBytes: number): NonNullable<YogaServerOptions<object, object>['parserAndValidationCache']> {
  const bounded = <T extends object>() =>
    new LRUCache<string, T>({ max: MAX_CACHED_DOCUMENTS, maxSize: maxBytes, sizeCalculation: (_value, key) => documentBytes(key) });
  return { documentCache: bounded<DocumentNode>(), errorCache: bounded<object>(), validationCache: true };
}
