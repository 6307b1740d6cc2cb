import type { Credential } from './credential.js';

// Shorter than this is no credential the cloud issues (AKs are 20 characters, tokens thousands):
// cutting a one-character "token" out of a text would only garble it.
const MIN_SECRET_LENGTH = 8;
// A run of this many characters of a secret counts as an echo of it (a token quoted in part).
const ECHO_LENGTH = 8;
const REDACTED = '[redacted]';
const MAX_TEXT = 4096;

/**
 * An upstream's own text (an error message, for the logs) with any secret of `credential` cut out:
 * some services quote the token or key they rejected, whole or in part. Every run of ECHO_LENGTH
 * or more characters of the token, AK, SK or security token is replaced.
 */
export function redactSecrets(text: string | null, credential: Credential): string | null {
  if (text === null) return null;
  const secrets =
    credential.kind === 'token'
      ? [credential.token]
      : credential.kind === 'aksk'
        ? [credential.ak, credential.sk, credential.securityToken ?? '']
        : [];
  // Only the start of a long text: it is for a log line, and redaction costs its length.
  const redacted = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH).reduce(redactEchoes, text.slice(0, MAX_TEXT));
  // A request signature quoted back (whole Authorization values, or bare): valid for minutes, replayable.
  return redacted.replace(SIGNATURES, REDACTED);
}

const SIGNATURES = /SDK-HMAC-SHA256[^\n]*?Signature=[0-9A-Fa-f]*|\b[0-9A-Fa-f]{64}\b/g;

function redactEchoes(text: string, secret: string): string {
  if (text.length < ECHO_LENGTH) return text;
  const pieces = new Set<string>();
  for (let i = 0; i + ECHO_LENGTH <= secret.length; i++) pieces.add(secret.slice(i, i + ECHO_LENGTH));
  const hidden = new Uint8Array(text.length);
  let found = false;
  for (let i = 0; i + ECHO_LENGTH <= text.length; i++) {
    if (pieces.has(text.slice(i, i + ECHO_LENGTH))) {
      hidden.fill(1, i, i + ECHO_LENGTH);
      found = true;
    }
  }
  if (!found) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!hidden[i]) out += text[i];
    else if (i === 0 || !hidden[i - 1]) out += REDACTED;
  }
  return out;
}
