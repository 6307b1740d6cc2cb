import { badUserInput } from './errors.js';

// The region is substituted into the upstream host name; anything looser than this is an SSRF hole.
const REGION = /^[a-z]{2}(-[a-z0-9]+)+$/;
const MAX_REGION = 64;
const MAX_ID = 256;
// Characters that could change the meaning of a URL path or query, plus control characters (C0, DEL and C1).
// eslint-disable-next-line no-control-regex
const UNSAFE_ID = /[/\\?#%\u0000-\u001f\u007f-\u009f]/;

export function checkRegion(value: string, what = 'region'): string {
  if (value.length > MAX_REGION || !REGION.test(value)) {
    throw badUserInput(`${what} must look like "cn-north-4" (lower-case letters, digits and dashes)`);
  }
  return value;
}

/** A project, job or environment id that will become one URL path segment or header value. */
export function checkIdPart(value: string, what: string): string {
  if (value.length === 0 || value.length > MAX_ID) {
    throw badUserInput(`${what} must be 1 to ${MAX_ID} characters long`);
  }
  if (value === '.' || value === '..' || UNSAFE_ID.test(value) || value.trim() !== value) {
    throw badUserInput(`${what} contains characters that are not allowed in an id`);
  }
  return value;
}
