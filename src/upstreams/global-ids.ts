import { encodeId, malformed, type DecodedId, type IdPart } from '../model/ids.js';
import { idStrings } from './args.js';
import type { JobRef } from './types.js';

/**
 * One kind of global id an upstream mints (model/ids.ts has the encoding): its tag, written here
 * once, how a ref becomes the id's parts, and how a decoded id becomes a ref again. The mapper
 * mints with it and the upstream's definition lists it, so the registry routes every tag.
 */
export interface GlobalIdKind<R> {
  readonly tag: string;
  mint(ref: R): string;
  /** The ref behind a decoded id of this kind; BAD_USER_INPUT when it does not fit. */
  read(id: DecodedId): R;
}

export function globalIdKind<R>(tag: string, parts: (ref: R) => readonly IdPart[], read: (id: DecodedId) => R): GlobalIdKind<R> {
  return {
    tag,
    mint: (ref) => encodeId(tag, parts(ref)),
    read(id) {
      if (id.tag !== tag) throw malformed();
      return read(id);
    },
  };
}

/** `[region, project, job]`: the parts of a job addressed by a JobRef. */
export function jobRefParts(ref: JobRef): IdPart[] {
  return [ref.region, ref.projectId, ref.jobId];
}

export function readJobRef(id: DecodedId): JobRef {
  const parts = idStrings(id, 3) as readonly string[];
  return { region: parts[0]!, projectId: parts[1]!, jobId: parts[2]! };
}

/** The id kind of an upstream whose jobs a JobRef addresses (CFW, RDS). */
export function jobRefIdKind(tag: string): GlobalIdKind<JobRef> {
  return globalIdKind(tag, jobRefParts, readJobRef);
}
