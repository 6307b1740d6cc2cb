import { JobError } from '../model/errors.js';

/**
 * Small guards for upstream payloads: a payload that lacks what we need is an UPSTREAM_ERROR for
 * that one job, never a TypeError deep in a resolver.
 */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectOr(value: unknown): Json {
  return isObject(value) ? value : {};
}

export function stringOr(value: unknown, fallback: string | null = null): string | null {
  return typeof value === 'string' ? value : fallback;
}

export function unexpected(service: string, what: string, requestId: string | null = null): JobError {
  return new JobError('UPSTREAM_ERROR', `${service}: unexpected payload (${what})`, {
    service,
    status: 200,
    errorCode: null,
    requestId,
  });
}
