/**
 * Loader and cache keys made of id parts. Every part has passed checkRegion or checkIdPart
 * (model/validate.ts), whether it came from a query argument, a decoded global id (args.ts) or an
 * upstream payload (a CCE sub-job's uid): none contains `/` and none is empty. So parts joined with
 * `/` never read alike (`p|q`+`x` and `p`+`q|x` stay apart), an absent optional part can be the
 * empty string, and no array or JSON text is built per key (JSON tuples cost both, per load).
 */

/**
 * A key that outlives the request (the terminal cache) names whose it is. The principal is not an
 * id part and may contain `/`, so it is length-prefixed. Built only when the cache is consulted.
 */
export function ownedKey(principal: string, key: string): string {
  return `${principal.length}:${principal}/${key}`;
}

/**
 * What an owned key names whoever owns it (`ownedKey`'s `key`), or undefined for a key that is not
 * owned: the same job read by two principals has two owned keys and one of these.
 */
export function unownedKey(owned: string): string | undefined {
  const colon = owned.indexOf(':');
  if (colon <= 0) return undefined;
  const length = Number(owned.slice(0, colon));
  const slash = colon + 1 + length;
  if (!Number.isSafeInteger(length) || owned.charCodeAt(slash) !== 0x2f) return undefined;
  return owned.slice(slash + 1);
}
