import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refusal } from './bad-request.js';

/**
 * A request the gateway cannot even read is the client's mistake: 400 BAD_REQUEST with a message of
 * the gateway's own, and nothing at error level in the log. Yoga parses a GET's `variables` and
 * `extensions` with a bare JSON.parse, so a malformed one surfaced as an INTERNAL_SERVER_ERROR with
 * two logged stack traces; and its invalid-JSON error carried the parser's message, which quotes
 * the caller's body back (outside production). Both are answered here instead.
 */
export function useRequestParseErrors(): Plugin {
  return {
    onRequestParse({ request, url, requestParser, setRequestParser, endResponse, fetchAPI }) {
      if (request.method === 'GET') {
        for (const name of ['variables', 'extensions']) {
          const text = url.searchParams.get(name);
          if (text && !isJsonObject(text)) {
            endResponse(refusal(fetchAPI, 400, 'BAD_REQUEST', `the ${name} parameter must be a JSON object`));
            return;
          }
        }
        return;
      }
      if (!requestParser) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        try {
          return await parse(req);
        } catch (error) {
          const status = error instanceof GraphQLError ? (error.extensions.http as { status?: unknown } | undefined)?.status : undefined;
          if (typeof status !== 'number' || status < 400 || status >= 500) throw error;
          // Yoga's own message only: its originalError holds the JSON parser's, with the body quoted.
          return refusal(fetchAPI, status, 'BAD_REQUEST', (error as GraphQLError).message);
        }
      });
    },
  };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value === null || (typeof value === 'object' && !Array.isArray(value));
  } catch {
    return false;
  }
}
