import { badUserInput } from './errors.js';

// The region is substituted into the upstream host name; anything looser than this is an SSRF hole.
const REGION = /^[a-z]{2}(-[a-z0-9]+)+$/;
const MAX_REGION = 64;
const MAX_ID = 256;
// Characters that could change the meaning of a URL path or query.
const UNSAFE_ID = /[/\\?#%]/;
// The cloud's ids are ASCII; anything else (control characters included) cannot be a valid id, and
// non-Latin-1 text would not even fit in the header some ids travel in (X-Environment-ID).
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

export function checkRegion(value: string, what = 'region'): string {
  if (value.length > MAX_REGION || !REGION.test(value)) {
    throw badUserInput(`${what} must look like "cn-north-4" (lower-case letters, digits and dashes)`);
  }
  return value;
}

/** A project, job or environment id that will become one URL path segment or header value. */
export function checkIdPart(value: string, what: string): string {
  const problem = idPartProblem(value, what);
  if (problem) throw badUserInput(problem);
  return value;
}

/**
 * Why `value` is not acceptable as an id part, or null when it is. The same rules apply to ids from
 * upstream payloads (a CCE sub-job's uid) before they are put in a path or minted into an id.
 */
export function idPartProblem(value: string, what: string): string | null {
  if (value.length === 0 || value.length > MAX_ID) return `${what} must be 1 to ${MAX_ID} characters long`;
  if (value === '.' || value === '..' || UNSAFE_ID.test(value) || !PRINTABLE_ASCII.test(value) || value.trim() !== value) {
    return `${what} contains characters that are not allowed in an id`;
  }
  return null;
}
