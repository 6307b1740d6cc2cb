import type { Config } from '../config.js';
import type { Credential } from '../http/credential.js';

export const BLANK_TOKEN = 'the X-Auth-Token header is empty: send a token, or no X-Auth-Token header at all';

/**
 * The caller's own token (its X-Auth-Token header) wins; the gateway's AK/SK serve callers that send
 * none. A header that is present but empty or blank is a failed attempt to authenticate (an unset
 * variable in a script, say): it gets no credential at all, never the gateway's own signature.
 */
export function credentialForToken(token: string | null | undefined, aksk: Config['aksk']): Credential {
  if (token !== null && token !== undefined) {
    const trimmed = token.trim();
    return trimmed ? { kind: 'token', token: trimmed } : { kind: 'none', reason: BLANK_TOKEN };
  }
  if (aksk) return { kind: 'aksk', ...aksk };
  return { kind: 'none' };
}

/** The credential a GraphQL request over HTTP calls the upstreams with (its X-Auth-Token header, else the gateway's AK/SK). */
export function requestCredential(request: Request, aksk: Config['aksk']): Credential {
  return credentialForToken(request.headers.get('x-auth-token'), aksk);
}
