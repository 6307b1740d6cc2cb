import { malformed, type DecodedId } from '../model/ids.js';
import { checkIdPart, checkRegion } from '../model/validate.js';
import type { RequestContext } from '../graph/context.js';

export function regionArg(region: string | null | undefined, context: RequestContext): string {
  return region == null ? context.defaultRegion : checkRegion(region);
}

export { checkIdPart };

/**
 * The string parts of a decoded global id, each validated as strictly as a query argument: an id
 * is client input, and a hand-made one must not smuggle a path or a host name upstream.
 * `nullable` names positions that may be null (optional parts such as an enterprise project).
 */
export function idStrings(id: DecodedId, count: number, nullable: readonly number[] = NONE): readonly (string | null)[] {
  const { parts } = id;
  if (parts.length !== count) throw malformed();
  // Checked in place: every accepted part is returned as it is, so the decoded array is the answer.
  for (let i = 0; i < count; i++) {
    const part = parts[i];
    if (part === null && nullable.includes(i)) continue;
    if (typeof part !== 'string') throw malformed();
    if (i === 0) checkRegion(part, 'id region');
    else checkIdPart(part, 'id part');
  }
  return parts as readonly (string | null)[];
}

const NONE: readonly number[] = [];
