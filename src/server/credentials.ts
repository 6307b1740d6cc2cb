import type { Config } from '../config.js';
import type { Credential } from '../http/credentials.js';

/** The caller's own token wins; the gateway's AK/SK serve callers that send none. */
export function credentialFrom(request: Request, aksk: Config['aksk']): Credential {
  const token = request.headers.get('x-auth-token')?.trim();
  if (token) return { kind: 'token', token };
  if (aksk) return { kind: 'aksk', ...aksk };
  return { kind: 'none' };
}
