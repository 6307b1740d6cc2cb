import { sdkDate, sdkSign } from '../model/sdk-signature.js';
import type { Credential } from './credential.js';

export interface AuthTarget {
  method: string;
  host: string;
  path: string;
  query: string;
  projectId: string;
}

/** Headers that authenticate one upstream request; a signature covers exactly this request. */
export function authHeaders(credential: Credential, target: AuthTarget, now = new Date()): Record<string, string> {
  if (credential.kind === 'token') return { 'x-auth-token': credential.token };
  if (credential.kind === 'none') return {};
  const signed: Record<string, string> = {
    host: target.host,
    'x-sdk-date': sdkDate(now),
    'x-project-id': target.projectId,
  };
  if (credential.securityToken) signed['x-security-token'] = credential.securityToken;
  const { authorization } = sdkSign({
    method: target.method,
    path: target.path,
    query: target.query,
    headers: signed,
    body: '',
    ak: credential.ak,
    sk: credential.sk,
  });
  // undici sets Host itself from the origin; sending it twice would be an error.
  const { host: _host, ...rest } = signed;
  return { ...rest, authorization };
}
