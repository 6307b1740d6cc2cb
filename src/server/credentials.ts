import type { Config } from '../config.js';
import type { Credential } from '../http/credentials.js';

/** The caller's own token (its X-Auth-Token header) wins; the gateway's AK/SK serve callers that send none. */
export function credentialOf(token: string | null | undefined, aksk: Config['aksk']): Credential {
  const trimmed = token?.trim();
  if (trimmed) return { kind: 'token', token: trimmed };
  if (aksk) return { kind: 'aksk', ...aksk };
  return { kind: 'none' };
}

export function credentialFrom(request: Request, aksk: Config['aksk']): Credential {
  return credentialOf(request.headers.get('x-auth-token'), aksk);
}
