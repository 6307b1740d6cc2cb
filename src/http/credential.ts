import { hash } from 'node:crypto';

/** Who is asking: the caller's IAM token, the gateway's own AK/SK, or nobody. */
export type Credential =
  | { kind: 'token'; token: string }
  | { kind: 'aksk'; ak: string; sk: string; securityToken?: string }
  /** `reason` says why a request that did try to authenticate has no credential (a blank token). */
  | { kind: 'none'; reason?: string };

/**
 * A stable, non-secret name for a credential, used in every cache and de-duplication key so that
 * one caller's data is never served to another. Tokens are hashed: keys must not hold secrets.
 */
export function principalOf(credential: Credential): string {
  switch (credential.kind) {
    case 'token':
      // One-shot hash: a Hash object per request cost more than the digest itself.
      return `t:${hash('sha256', credential.token, 'base64url')}`;
    case 'aksk':
      return `k:${credential.ak}`;
    case 'none':
      return 'anonymous';
  }
}
