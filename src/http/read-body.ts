import type { Dispatcher } from 'undici';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
  }
}

/**
 * Reads a response body as text, refusing more than `limit` bytes. The body is always either
 * consumed or destroyed, so the connection goes back to the pool or is closed, never leaked.
 */
export async function readBounded(body: Dispatcher.ResponseData['body'], limit: number, declaredLength?: string): Promise<string> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    body.destroy();
    throw new BodyTooLargeError(limit);
  }
  // A declared length within the limit bounds the body already (undici enforces the framing), so
  // it is read whole, without the async iterator's per-chunk promises.
  if (declaredLength !== undefined && /^\d+$/.test(declaredLength)) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > limit) {
        body.destroy();
        throw new BodyTooLargeError(limit);
      }
      chunks.push(buf);
    }
  } catch (error) {
    body.destroy();
    throw error;
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}
