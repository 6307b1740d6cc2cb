import { badUserInput } from './errors.js';

/**
 * Global ids are base64url(JSON [tag, ...parts]): opaque to clients, self-describing for us, and
 * able to carry whatever an upstream needs to refetch the job (region, project, environment, ...).
 * The tag says which upstream (and which flavour of it) minted the id.
 */
export type IdPart = string | number | null;

export function encodeId(tag: string, parts: readonly IdPart[]): string {
  return Buffer.from(JSON.stringify([tag, ...parts])).toString('base64url');
}

export interface DecodedId {
  tag: string;
  parts: IdPart[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_ENCODED = 2048;

export function decodeId(id: string): DecodedId {
  if (id.length === 0 || id.length > MAX_ENCODED || !BASE64URL.test(id)) throw malformed();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(value) || typeof value[0] !== 'string') throw malformed();
  const [tag, ...parts] = value as unknown[];
  if (!parts.every(isIdPart)) throw malformed();
  return { tag: tag as string, parts };
}

function isIdPart(value: unknown): value is IdPart {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

export function malformed(): Error {
  return badUserInput('id is not a job id returned by this API');
}
